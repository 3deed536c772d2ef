"""``python -m jaxgan`` runs the ``jaxgan`` command line."""

from jaxgan.cli import main

main()
