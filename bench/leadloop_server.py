"""`leadloop serve` on loopback, scheduler off so no job fires mid-run.

python -m bench.leadloop_server PORT

The real serve path (`bot.cli.main(["serve", ...])`), as shipped.
"""

import sys

from bot import cli


def main() -> int:
    """Serve on loopback on the given port."""
    return cli.main(["serve", "--no-scheduler", "--port", sys.argv[1]])


if __name__ == "__main__":
    sys.exit(main())
