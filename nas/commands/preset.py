"""`nas preset list` and `nas preset show NAME [--json]`."""

from __future__ import annotations

from nas.arguments import add_catalogue
from space import PRESETS, get_preset


def register(subparsers):
    add_catalogue(
        subparsers,
        "preset",
        PRESETS,
        get_preset,
        preset_text,
        help="list and show named configs",
        show_help="one preset's config",
        json_help="the config JSON (--config accepts it)",
    )


def preset_text(name: str, config) -> str:
    lines = [f"{name}: {PRESETS[name]['description']}", f"id: {config.id}"]
    lines += [
        f"  {field}: {value}"
        for field, value in config.to_dict().items()
        if field != "dpc_branches"
    ]
    lines += [
        f"  dpc branch {index}: {dict(branch)}"
        for index, branch in enumerate(config.dpc_branches if config.head == "dpc" else ())
    ]
    return "\n".join(lines)
