"""Tests of p95kit/cli/, one file per module: tests/cli/test_<module>.py."""
