"""Tests of p95kit/prometheus/, one file per module: tests/prometheus/test_<module>.py."""
