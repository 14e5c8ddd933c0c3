"""The `nas` command: one sub-command module per job under `nas/commands/`.

TensorFlow is imported (quietly) before a command runs unless the command sets
`needs_tensorflow=False`: those (presets, latency prediction, results) start in well under a
second."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import pkgutil
import sys

from mobile_seg_nas import UserInputError
from mobile_seg_nas.streams import muted_stderr
import nas.commands


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line and exit code 2, as for every other bad input
        self.exit(2, f"nas: error: {message} (see --help)\n")


def package_version() -> str:
    """The installed version of the `mobile-seg-nas` distribution (`nas --version`)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mobile-seg-nas")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed: pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="nas",
        description="Hardware-aware architecture search for mobile "
        "semantic segmentation (ShuffleNet V2 + DeepLab heads).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging on stderr")
    parser.add_argument(
        "--version",
        action="version",
        version=f"nas {package_version()}",
        help="print the installed version of mobile-seg-nas and exit",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module in sorted(pkgutil.iter_modules(nas.commands.__path__), key=lambda m: m.name):
        importlib.import_module(f"nas.commands.{module.name}").register(subparsers)
    return parser


def import_tensorflow_quietly() -> None:
    """Imports TensorFlow with its C++ start-up chatter (written before any log level is read)
    sent to /dev/null, so that stderr carries only the toolkit's own lines."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" in sys.modules:
        return
    with muted_stderr():
        import tensorflow

        tensorflow.config.list_physical_devices()  # CUDA probing logs here, also muted


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.verbose and getattr(args, "needs_tensorflow", True):
        import_tensorflow_quietly()
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for chatty in ("tensorflow", "absl"):
        logging.getLogger(chatty).setLevel(logging.DEBUG if args.verbose else logging.ERROR)
    try:
        return int(args.run(args) or 0)
    except UserInputError as error:
        print(f"nas {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `nas ... --json | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"nas {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
