"""Helpers that the tests and the benchmarks share (a served app, a headless Chromium)."""
