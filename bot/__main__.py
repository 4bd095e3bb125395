"""`python -m bot` is the `leadloop` command."""

import sys

from bot.cli import main

sys.exit(main())
