"""`python -m pipeline` runs the `thesis` command."""

from pipeline.cli import run_cli

run_cli()
