"""Tests of p95kit/demo/, one file per module: tests/demo/test_<module>.py."""
