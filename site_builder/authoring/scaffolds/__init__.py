"""Templates of the files ``build-site new`` and ``build-site init`` write; ``__NAME__`` placeholders are filled in by ``scaffold.fill``."""
