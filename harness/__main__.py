"""`python -m crosstalk_harness` is the `crosstalk` command."""

from .cli import entry

entry()
