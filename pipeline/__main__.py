"""`python -m pipeline` runs the `thesis` command."""

from .cli import main

main()
