"""``python -m site_builder`` runs the ``build-site`` command."""

from .cli import main

main()
