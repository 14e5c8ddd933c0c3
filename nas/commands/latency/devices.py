"""`nas latency devices`: this machine, its speed now and at the start of `host`'s table, what
`host` stands for on it, and the latency tables available with the machine each was measured on
(no TensorFlow; times the reference network, about a second)."""

from __future__ import annotations

from latency_models.devices import load_host_table
from latency_models.fingerprint import Fingerprint
from latency_models.machine import describe_machine, this_machine
from latency_models.speed import describe_speed, drift_notice, speed_report
from latency_models.table import HOST, SHIPPED_DIR, known_devices, load_named_table
from nas.arguments import add_json_argument, print_result


def register(commands):
    parser = commands.add_parser(
        "devices",
        help="this machine and the latency tables available, with the machine each was measured on",
    )
    add_json_argument(parser)
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args):
    machine = this_machine()
    rows = []
    for name in known_devices():
        if name == HOST:
            continue
        table = load_named_table(name)
        other = Fingerprint.from_metadata(table.metadata)
        rows.append(
            {
                "device": name,
                "source": "shipped" if table.path.parent == SHIPPED_DIR else "user",
                "entries": len(table),
                "path": str(table.path),
                "machine": describe_machine(table.metadata),
                "this_machine": machine.matches(other),
                "speed_ratio": round(machine.speed_ratio(other), 3) if other else None,
                "metadata": table.metadata,
            }
        )
    result = {"this_machine": machine.to_dict(), "host": _host(), "devices": rows}
    print_result(args, result, _text)


def _host() -> dict:
    """What `host` stands for here: a table of this machine, or another's with this machine's
    factors (None until fitted); and this machine's speed now and at its table's start."""
    table = load_host_table()
    speed = speed_report(table)
    if table.local is not None:
        calibration = table.metadata.get("calibration")
        return {
            "table": table.metadata["table"],
            "this_machine": False,
            "factors": calibration["factors"] if calibration else None,
            "calibrated": calibration["date"] if calibration else None,
            "measured_here": len(table.local),
            "speed": speed,
        }
    name = table.path.stem if table.path and table.path.parent == SHIPPED_DIR else HOST
    return {"table": name, "this_machine": True, "entries": len(table), "speed": speed}


def _text(result: dict) -> str:
    machine = Fingerprint(**result["this_machine"])
    host = result["host"]
    if host["this_machine"]:
        stands = f"the {host['table']} table ({host['entries']} entries), of this machine"
    elif host["factors"]:
        factors = ", ".join(f"{backbone} x{factor}" for backbone, factor in host["factors"].items())
        stands = (
            f"this machine's blocks, timed here on demand ({host['measured_here']} so "
            f"far); with --no-measure, the {host['table']} table times this machine's "
            f"factors ({factors}; fitted {host['calibrated']})"
        )
    else:
        stands = (
            f"this machine's blocks, timed here on demand, after a first calibration "
            f"against the {host['table']} table (about 3 minutes; or run `nas latency "
            "calibrate --device host`)"
        )
    lines = [
        f"this machine: {machine.describe()} ({machine.runtime})",
        f"speed: {describe_speed(host['speed'])}",
    ]
    notice = drift_notice(host["speed"])
    if notice:
        lines.append(notice)
    lines.append(f"host: {stands}")
    for row in result["devices"]:
        meta = row["metadata"]
        sizes = ", ".join(
            "x".join(str(value) for value in size) for size in meta.get("input_sizes", [])
        )
        match = (
            "this machine"
            if row["this_machine"]
            else "another machine"
            + (
                f": the reference takes {row['speed_ratio']:.2f}x as long here"
                if row["speed_ratio"]
                else ""
            )
        )
        lines.append(
            f"{row['device']} ({row['source']}): {row['entries']} entries; "
            f"{meta.get('runtime')} {meta.get('runtime_version')}, "
            f"{meta.get('delegate')}, {meta.get('threads')} thread(s); machine: "
            f"{row['machine']} ({match}); measured {meta.get('date')}; "
            f"sizes {sizes or '-'}"
        )
    return "\n".join(lines)
