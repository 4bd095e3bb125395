"""`leadloop serve` on loopback, scheduler off so no job fires mid-run.

python -m bench.leadloop_server PORT [WORKERS]

The real serve path (`bot.cli.main(["serve", ...])`), as shipped; with WORKERS, it is given
`--workers WORKERS`, else it runs with serve's own default.
"""

import sys

from bot import cli


def main() -> int:
    """Serve on loopback on the given port."""
    workers = ["--workers", sys.argv[2]] if len(sys.argv) > 2 else []
    return cli.main(["serve", "--no-scheduler", "--port", sys.argv[1], *workers])


if __name__ == "__main__":
    sys.exit(main())
