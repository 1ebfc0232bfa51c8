"""Benchmarks: ./bench/run. Not part of the test suite."""
