"""Tests of p95kit/compare/, one file per module: tests/compare/test_<module>.py."""
