"""Templates of the files ``build-site new`` creates; ``__NAME__`` placeholders are filled in by ``scaffold.py``."""
