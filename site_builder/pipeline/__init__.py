"""The build: its stages in order, its options, what changed since the last build, and ``check``."""
