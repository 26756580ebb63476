"""Load stage: the author's YAML under ``content/``, read with its positions and validated."""
