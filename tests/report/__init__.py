"""Tests of p95kit/report/, one file per module: tests/report/test_<module>.py."""
