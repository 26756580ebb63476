"""Benchmarks: a synthetic archive-scale project, the same text for Pelican and Hugo, and a runner."""
