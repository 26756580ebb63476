"""``python -m site_builder`` runs the ``build-site`` command."""

from .launch import run

run()
