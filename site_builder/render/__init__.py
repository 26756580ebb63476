"""Render stage: jobs made into files through the one Jinja environment, each entry rendered once per format."""
