"""`python -m pipeline` runs the `thesis` command."""

from .cli import run_cli

run_cli()
