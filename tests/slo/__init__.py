"""Tests of p95kit/slo/, one file per module: tests/slo/test_<module>.py."""
