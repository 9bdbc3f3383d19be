"""The `pointlabel` command: parse arguments, call the library, print. No logic of its own.

Each feature registers its sub-commands from a module of `pointlabel.commands`; a user error
(PointlabelError, CalibrationError) becomes one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from calibration.errors import CalibrationError
from pointlabel import __version__
from pointlabel.errors import PointlabelError

COMMAND_MODULES = ("core", "demo", "fitting", "serve", "qa", "bench", "batch", "pointlabels", "refine", "privacy", "interchange", "history", "team")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pointlabel", description="Label LiDAR sweeps and 3D scans with their camera frames.")
    parser.add_argument("--version", action="version", version=f"pointlabel {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"pointlabel.commands.{name}").register(sub)
    return parser


def main(argv=None) -> int:
    from pointlabel.commands.common import join_signed_axes
    parser = build_parser()
    args = parser.parse_args(join_signed_axes(list(sys.argv[1:] if argv is None else argv)))
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except (PointlabelError, CalibrationError) as e:
        print(f"pointlabel: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
