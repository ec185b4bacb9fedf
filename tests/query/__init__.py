"""Tests of p95kit/query/, one file per module: tests/query/test_<module>.py."""
