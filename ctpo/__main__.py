"""``python -m ctpo`` runs the CLI."""

from ctpo.cli import main

main()
