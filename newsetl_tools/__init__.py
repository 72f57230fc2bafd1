"""Benchmark, synthetic corpus, degradation harness and evaluation tooling: not part of the runtime package."""
