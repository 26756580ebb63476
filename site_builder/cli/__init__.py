"""The ``build-site`` command line: a fast path for builds with nothing to do, then click."""
