"""Tests of p95kit/display/, one file per module: tests/display/test_<module>.py."""
