"""`leadloop serve`, with Bolt's process_before_response chosen on the command line.

python -m bench.leadloop_server {false,true} PORT

The real serve path (`bot.cli.main(["serve", ...])`, scheduler off so no job fires mid-run),
with only the Bolt app's process_before_response setting replaced.
"""

import functools
import sys

from bot import cli, serving
from bot.app import build_bolt_app


def main() -> int:
    """Serve on loopback with the chosen setting."""
    before_response = sys.argv[1] == "true"
    serving.build_bolt_app = functools.partial(  # type: ignore[assignment]
        build_bolt_app, process_before_response=before_response
    )
    return cli.main(["serve", "--no-scheduler", "--port", sys.argv[2]])


if __name__ == "__main__":
    sys.exit(main())
