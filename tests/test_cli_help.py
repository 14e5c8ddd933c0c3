"""Every `nas` command and sub-command prints its --help: help texts are formatted by argparse,
so a stray `%` in one would turn `--help` into a traceback."""

import argparse

from nas.cli import build_parser


def commands(parser: argparse.ArgumentParser, path=("nas",)):
    """(command path, parser) for `parser` and every sub-command below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from commands(child, (*path, name))


def test_every_command_prints_its_help():
    found = dict(commands(build_parser()))
    assert {("nas", "search"), ("nas", "train"), ("nas", "export")} <= set(found)
    for path, parser in found.items():
        assert parser.format_help().startswith("usage: "), " ".join(path)


def test_the_search_help_points_to_the_measured_trade_of_staging():
    search = dict(commands(build_parser()))[("nas", "search")]
    text = " ".join(search.format_help().split())
    assert "--fidelities LADDER" in text and "benchmarks/search_fidelity.md" in text
