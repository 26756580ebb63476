"""build-site: a static generator for a daily machine-learning newsletter whose numbers are computed, not typed."""

__version__ = "0.1.0"
