"""`python -m crosstalk_harness` is the `crosstalk` command."""

import sys

from .cli import main

sys.exit(main())
