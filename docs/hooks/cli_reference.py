"""MkDocs hook: pages generated at build time, so that none of them is ever copied by hand.

- `reference/cli.md`: every `nas` command and sub-command, from the argparse parsers of
  `nas.cli.build_parser()` (usage, description, one row per argument with its help);
- `benchmarks/*.md`: the benchmark reports of the repository's `benchmarks/` folder (its
  `README.md` as `benchmarks/index.md`), each under its figure, with their mentions of one
  another turned into links; their figures under `benchmarks/data/` come along.

`cli_reference_markdown()` and `command_paths()` need neither MkDocs nor TensorFlow
(`tests/test_cli_help.py` checks that the reference covers every command and flag).
"""

from __future__ import annotations

import argparse
import functools
import html
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"
CLI_PAGE = "reference/cli.md"
WIDTH = 96  # columns of the usage lines

# The figure shown at the top of each benchmark page: a file under benchmarks/data/ (copied with
# the page) or an image of the docs (docs/img/..., drawn from benchmarks/data/ by
# docs/figures.py), and its caption. training.md, search.md and export.md ship no data to draw.
FIGURES = {
    "README": (
        "../img/pareto.png",
        "A 30-minute staged search on 2 cores (seed 0 of search_fidelity.md): one panel per "
        "rung, so first-rung results and finalists never share an mIOU axis.",
    ),
    "proxy_fidelity": (
        "data/proxy_fidelity.png",
        "Each proxy setting's mIOU against the "
        "256x256 / 800-step reference, 17 configs, two seeds.",
    ),
    "search_fidelity": (
        "../img/pareto.png",
        "The front of the staged search, seed 0, 30 "
        "minutes (benchmarks/data/search_fidelity/staged-30m-seed0).",
    ),
    "searchers": (
        "../img/benchmarks/searchers.png",
        "Hypervolume after N trials on the "
        "surrogate of the space, mean of 20 seeds, relative to random search.",
    ),
    "latency": (
        "../img/benchmarks/latency.png",
        "`host` on a new machine: predicted "
        "(its own blocks) against measured end-to-end latency, 30 networks, 224x224.",
    ),
    "beat_the_paper": (
        "data/beat_the_paper.png",
        "CamVid: each search's front re-measured at the reference, against paper-dpc and "
        "paper-basic (two seeds each).",
    ),
    "cell_proxy": (
        "../img/benchmarks/cell_proxy.png",
        "The cell proxy's two seeds per head "
        "at output stride 8 (red: the panel heads trained at the reference).",
    ),
}


# ---- the CLI reference -----------------------------------------------------------------------


def _subcommands(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                yield name, child, helps.get(name)


def command_paths(parser: argparse.ArgumentParser | None = None, path=("nas",), summary=None):
    """(command path, parser, one-line help) for `nas` and every sub-command, depth first."""
    if parser is None:
        from nas.cli import build_parser

        parser = build_parser()
    yield path, parser, summary
    for name, child, child_help in _subcommands(parser):
        yield from command_paths(child, (*path, name), child_help)


def anchor(path) -> str:
    return "-".join(path)


def _cell(text: str) -> str:
    """Markdown table cell: HTML escaped, pipes and stars escaped outside `code`."""
    parts = re.split(r"(`[^`]*`)", " ".join(str(text).split()))
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(part.replace("|", "\\|"))
        else:
            out.append(
                html.escape(part, quote=False)
                .replace("|", "\\|")
                .replace("*", "\\*")
                .replace("_", "\\_")
            )
    return "".join(out)


def _argument_rows(parser: argparse.ArgumentParser):
    formatter = parser._get_formatter()
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            metavar = ""
            if action.nargs != 0:
                metavar = " " + formatter._format_args(action, action.dest.upper())
            names = ", ".join(f"`{option}{metavar}`" for option in action.option_strings)
        else:
            names = f"`{formatter._format_args(action, action.dest)}`"
        help_text = formatter._expand_help(action) if action.help else ""
        required = " (required)" if action.option_strings and action.required else ""
        yield names.replace("|", "\\|"), _cell(help_text) + required


def cli_reference_markdown(parser: argparse.ArgumentParser | None = None) -> str:
    """The whole CLI reference as Markdown, from the argparse parsers."""
    lines = [
        "# CLI reference",
        "",
        "Generated from the argparse parsers of `nas/cli.py` and `nas/commands/` when the site "
        "is built: it is what `nas COMMAND --help` prints. Every command takes `-h`/`--help`; "
        "bad input prints one line and exits with code 2.",
        "",
    ]
    commands = list(command_paths(parser))
    for _, command, _ in commands:  # the same usage lines whatever the terminal's width
        command.formatter_class = functools.partial(command.formatter_class, width=WIDTH)
    lines += ["| command | what it does |", "|---|---|"]
    for path, _, summary in commands[1:]:
        lines.append(f"| [`{' '.join(path)}`](#{anchor(path)}) | {_cell(summary or '')} |")
    lines.append("")
    for path, command, summary in commands:
        level = "#" * min(len(path) + 1, 4)
        lines += [f"{level} {' '.join(path)} {{#{anchor(path)}}}", ""]
        if summary:
            lines += [_cell(summary[0].upper() + summary[1:]) + ".", ""]
        if command.description and len(path) > 1:
            lines += [_cell(command.description), ""]
        usage = command.format_usage().strip()
        lines += ["```text", usage, "```", ""]
        children = list(_subcommands(command))
        if children:
            lines += ["| sub-command | what it does |", "|---|---|"]
            lines += [
                f"| [`{name}`](#{anchor((*path, name))}) | {_cell(text or '')} |"
                for name, _, text in children
            ]
            lines.append("")
        rows = list(_argument_rows(command))
        if rows:
            lines += ["| argument | help |", "|---|---|"]
            lines += [f"| {names} | {text} |" for names, text in rows]
            lines.append("")
    return "\n".join(lines)


# ---- the benchmark pages ---------------------------------------------------------------------


def _benchmark_pages() -> dict[str, Path]:
    return {path.stem: path for path in sorted(BENCHMARKS.glob("*.md"))}


def benchmark_markdown(stem: str, text: str, stems) -> str:
    """A benchmark report as a docs page: its figure under the title, and its mentions of the
    other reports (`search_fidelity.md`, `benchmarks/latency.md`) as links."""
    mention = re.compile(r"`(?:benchmarks/)?(" + "|".join(map(re.escape, stems)) + r")\.md`")

    def link(match):
        target = "index.md" if match.group(1) == "README" else f"{match.group(1)}.md"
        return f"[{match.group(0)}]({target})"

    lines = text.splitlines()
    out = []
    in_fence = False
    for line in lines:
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if in_fence or line.startswith("    ") or line.startswith("\t"):
            out.append(line)
        else:
            out.append(mention.sub(link, line))
    figure = FIGURES.get(stem)
    if figure:
        title = next((i for i, line in enumerate(out) if line.startswith("# ")), -1)
        image, caption = figure
        alt = re.sub(r"[`*_\[\]]", "", caption)
        block = ["", f"![{alt}]({image})", "", f"*{_cell(caption)}*", ""]
        out[title + 1 : title + 1] = block
    source = f"`benchmarks/{stem}.md`"
    out += [
        "",
        "---",
        "",
        f"*This page is {source} of the repository, included when the site is built.*",
        "",
    ]
    return "\n".join(out)


# ---- MkDocs -----------------------------------------------------------------------------------


def on_files(files, config):
    from mkdocs.structure.files import File

    files.append(File.generated(config, CLI_PAGE, content=cli_reference_markdown()))
    pages = _benchmark_pages()
    for stem, path in pages.items():
        name = "index.md" if stem == "README" else f"{stem}.md"
        content = benchmark_markdown(stem, path.read_text(encoding="utf-8"), pages)
        files.append(File.generated(config, f"benchmarks/{name}", content=content))
    for stem, (image, _) in FIGURES.items():
        if image.startswith("data/"):
            files.append(
                File.generated(config, f"benchmarks/{image}", abs_src_path=str(BENCHMARKS / image))
            )
    return files


def on_config(config):
    """The site is built from the checkout (`nas` imports from it), and a benchmark report
    that the nav's Benchmarks section does not list yet is added at its end."""
    import sys

    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    for section in config.nav or []:
        if isinstance(section, dict) and isinstance(section.get("Benchmarks"), list):
            entries = section["Benchmarks"]
            listed = {
                next(iter(entry.values())) if isinstance(entry, dict) else entry
                for entry in entries
            }
            for stem in _benchmark_pages():
                page = "benchmarks/index.md" if stem == "README" else f"benchmarks/{stem}.md"
                if page not in listed:
                    entries.append({stem.replace("_", " "): page})
    return config
