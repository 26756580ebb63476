"""``python -m site_builder`` runs the ``build-site`` command."""

from .cli.launch import run

run()
