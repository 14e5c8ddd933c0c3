"""`nas latency import`: a table from a probe folder's benchmark_model outputs."""

from __future__ import annotations

from pathlib import Path

from latency_models.phone import import_probes
from latency_models.table import user_dir


def register(commands):
    parser = commands.add_parser("import", help="a table from a probe folder's benchmark_model "
                                 "outputs")
    parser.add_argument("--device", required=True, help="table name for the phone")
    parser.add_argument("directory", metavar="DIR", help="the probe folder")
    parser.add_argument("--out", metavar="FILE",
                        help="table file to write (default: the user table of --device)")
    parser.set_defaults(run=run, needs_tensorflow=False)


def run(args):
    table = import_probes(args.directory, args.device)
    path = table.save(Path(args.out) if args.out else user_dir() / f"{args.device}.json")
    print(f"{args.device}: {len(table)} entries ({table.metadata['delegate']}, "
          f"{table.metadata['threads']} thread(s), {table.metadata['cpu']}) written to {path}")
