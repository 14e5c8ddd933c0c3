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


def test_every_argument_of_every_command_has_help():
    """The CLI reference of the docs (docs/hooks/cli_reference.py) is generated from these
    parsers: an argument without help would be a blank row there."""
    missing = []
    for path, parser in commands(build_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help for choice in action._choices_actions}
                missing += [
                    f"{' '.join(path)} {name}"
                    for name in action.choices
                    if not (helps.get(name) or "").strip()
                ]
            elif action.help != argparse.SUPPRESS and not (action.help or "").strip():
                name = "/".join(action.option_strings) or action.metavar or action.dest
                missing.append(f"{' '.join(path)} {name}")
    assert not missing, "arguments without help: " + ", ".join(missing)


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    import pytest

    from nas.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"nas {version('mobile-seg-nas')}"


def _cli_reference_hook():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "docs" / "hooks" / "cli_reference.py"
    spec = importlib.util.spec_from_file_location("cli_reference_hook", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_cli_reference_covers_every_command_and_flag():
    hook = _cli_reference_hook()
    text = hook.cli_reference_markdown(build_parser())
    for path, parser in commands(build_parser()):
        assert f"{{#{hook.anchor(path)}}}" in text, " ".join(path)
        section = text.split(f"{{#{hook.anchor(path)}}}", 1)[1].split("\n#", 1)[0]
        for action in parser._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert f"`{option}" in section, f"{' '.join(path)} {option}"
