"""`nas latency devices`: the latency tables available, with their metadata."""

from __future__ import annotations

from latency_models.table import SHIPPED_DIR, known_devices, load_table
from nas.arguments import add_json_argument, print_result


def register(commands):
    parser = commands.add_parser("devices", help="the latency tables available")
    add_json_argument(parser)
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args):
    rows = []
    for name in known_devices():
        table = load_table(name)
        source = "shipped" if table.path.parent == SHIPPED_DIR else "user"
        rows.append({"device": name, "source": source, "entries": len(table),
                     "path": str(table.path), "metadata": table.metadata})
    print_result(args, {"devices": rows}, _text)


def _text(result: dict) -> str:
    lines = []
    for row in result["devices"]:
        meta = row["metadata"]
        sizes = ", ".join("x".join(str(value) for value in size)
                          for size in meta.get("input_sizes", []))
        lines.append(f"{row['device']} ({row['source']}): {row['entries']} entries; "
                     f"{meta.get('runtime')} {meta.get('runtime_version')}, "
                     f"{meta.get('delegate')}, {meta.get('threads')} thread(s), {meta.get('cpu')}; "
                     f"measured {meta.get('date')}; sizes {sizes or '-'}")
    return "\n".join(lines)
