"""Tests of behaviours that cross modules, each file named after the behaviour it tests
(hostile input, secrets, faults, the docs, ...); the one folder of tests/ that is free-form."""
