"""Tests of p95kit/serve/, one file per module: tests/serve/test_<module>.py."""
