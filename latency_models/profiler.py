"""The profiler: which block signatures a config or a search space needs, and timing them.

Granularity: one entry per planned block (`space.plan_network(config, inference=True)`),
preprocessing, resize and argmax included. Each block is converted alone (batch 1, so atrous
convs stay native dilated kernels, as in the whole network) and timed by `measure_model`, and
kept at the table's reference speed: scaled by the table's reference latency / this process's
timing of the reference network, timed again when older than a few minutes
(`latency_models.speed`).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
from pathlib import Path

from tqdm import tqdm

from mobile_seg_nas import UserInputError
from space import ArchConfig, Block, SearchSpace, plan_network
from space.parameters import branch_options

from latency_models.machine import describe_machine, host_metadata, load_average, reference_now
from latency_models.measure import (
    BLOCK_RUNS,
    BLOCK_WARMUP_RUNS,
    invoke_overhead_ms,
    measure_model,
    utc_now,
)
from latency_models.table import (
    HOST,
    LatencyTable,
    check_device_name,
    compatible,
    read_table_file,
    scaled_entry,
    shipped_tables,
    table_reference,
    user_dir,
)

log = logging.getLogger(__name__)

BLOCK_MAX_SECONDS = 3.0
SAVE_EVERY = 25  # blocks between saves while profiling (an interrupted profile keeps its work)


def unique_blocks(configs) -> list[Block]:
    """The distinct blocks (by signature) of the exported networks of `configs`, in order."""
    blocks = {}
    for config in configs:
        for block in plan_network(config, inference=True).blocks:
            blocks.setdefault(block.signature, block)
    return list(blocks.values())


def covering_configs(space: SearchSpace, input_size) -> list[ArchConfig]:
    """Configs that together contain every block signature of `space` at `input_size`.

    A DPC branch's cost depends on its op and on what it reads (backbone features or an
    earlier branch's 256 channels), not on the rest of the cell: for every backbone width and
    output stride, one cell per branch op whose first branch reads the backbone and the others
    read branch 0 covers every branch block; the decoder adds its block once per width.
    """
    branch_ops = branch_options(space)
    configs = []
    for backbone, multiplier in space.backbone_widths:
        for stride in space.output_strides:
            base = dict(
                backbone=backbone,
                depth_multiplier=multiplier,
                output_stride=stride,
                num_classes=space.num_classes,
                input_size=tuple(input_size),
            )
            for decoder in space.decoders:
                configs.append(ArchConfig(head="basic", dpc_branches=(), decoder=decoder, **base))
            if "dpc" in space.heads:
                for op in branch_ops:
                    others = space.dpc_num_branches - 1
                    cell = [{**op, "input": -1}] + [{**op, "input": 0}] * others
                    configs.append(
                        ArchConfig(head="dpc", dpc_branches=cell, decoder=space.decoders[0], **base)
                    )
    return configs


def measure_block(
    block: Block,
    num_threads: int = 1,
    warmup_runs: int = BLOCK_WARMUP_RUNS,
    runs: int = BLOCK_RUNS,
    max_seconds: float | None = BLOCK_MAX_SECONDS,
) -> dict:
    """Converts one block alone to TFLite and times it; returns a table entry."""
    import keras  # timing a block needs TensorFlow; predicting from a table does not

    from space.builders import build_block_model
    from space.tflite import convert_to_tflite

    content = convert_to_tflite(build_block_model(block))
    keras.backend.clear_session()  # thousands of blocks: keep Keras' global state small
    stats = measure_model(content, num_threads, warmup_runs, runs, max_seconds)
    return table_entry(stats)


def table_entry(stats: dict) -> dict:
    """The part of `measure_model`'s statistics a table keeps (rounded to 0.1 microsecond)."""
    return {
        "ms": round(stats["latency_ms"], 4),
        "min_ms": round(stats["min_ms"], 4),
        "p90_ms": round(stats["p90_ms"], 4),
        "std_ms": round(stats["std_ms"], 4),
        "runs": stats["runs"],
    }


def measure_blocks(table: LatencyTable, blocks, save=None, progress: bool = True) -> list[str]:
    """Measures the blocks missing from `table` on this machine, with the table's threads and
    runs, and adds them at the table's reference speed (`to_table_speed`). `save(signatures)`
    is called every few blocks and at the end. Returns the signatures added."""
    missing = list(
        {block.signature: block for block in blocks if block.signature not in table}.values()
    )
    threads = int(table.metadata.get("threads", 1))
    warmup_runs = int(table.metadata.get("warmup_runs", BLOCK_WARMUP_RUNS))
    runs = int(table.metadata.get("runs", BLOCK_RUNS))
    if missing and "invoke_overhead_ms" not in table.metadata:
        table.metadata["invoke_overhead_ms"] = round(
            invoke_overhead_ms(threads) * to_table_speed(table), 5
        )
    added, pending = [], []
    loads = [load_average()]
    started = time.monotonic()
    for block in tqdm(
        missing,
        desc=f"profiling {table.device}",
        unit="block",
        disable=not progress or not missing,
        leave=False,
    ):
        scale = to_table_speed(table)  # the reference timed close to the block
        table.entries[block.signature] = scaled_entry(
            measure_block(block, threads, warmup_runs, runs), scale
        )
        added.append(block.signature)
        pending.append(block.signature)
        if save and len(pending) >= SAVE_EVERY:
            loads.append(load_average())
            save(pending)
            pending = []
    if added:
        loads.append(load_average())
        _record_load(table, loads)
        log.log(
            logging.INFO if progress else logging.DEBUG,
            "measured %d blocks in %.0f s",
            len(added),
            time.monotonic() - started,
        )
        if save:
            save(pending)
    return added


def to_table_speed(table: LatencyTable) -> float:
    """The factor from a timing here now to `table`'s reference speed: the table's reference
    latency / this process's timing of the reference (`reference_now`)."""
    return table_reference(table.metadata)["ms"] / reference_now()["ms"]


def _record_load(table: LatencyTable, loads) -> None:
    """Keeps the highest 1-minute load average seen while profiling (noise indicator)."""
    loads = [load for load in loads if load is not None]
    if loads:
        previous = table.metadata.get("max_load_average", 0.0)
        table.metadata["max_load_average"] = max(previous, *loads)


def select_blocks(
    input_sizes, space: SearchSpace | None = None, configs=(), samples: int = 0, seed: int = 0
) -> list[Block]:
    """The blocks to profile at each input size: every block of `space` (or of `samples`
    random configs of it per size, when `samples` > 0), plus those of `configs`."""
    chosen = []
    rng = random.Random(seed)
    for size in input_sizes:
        size = tuple(size)
        chosen += [config.replace(input_size=size) for config in configs]
        if space is not None:
            sized = dataclasses.replace(space, input_size=size)
            chosen += (
                [sized.sample(rng) for _ in range(samples)]
                if samples
                else covering_configs(sized, size)
            )
    return unique_blocks(chosen)


def profile_device(
    device: str,
    blocks,
    input_sizes,
    threads: int = 1,
    warmup_runs: int = BLOCK_WARMUP_RUNS,
    runs: int = BLOCK_RUNS,
    out=None,
    progress: bool = True,
    dry_run: bool = False,
) -> dict:
    """Measures `blocks` on this machine into the table file of `device` (the user table, or
    `out`), skipping blocks it (or the shipped table of that name) already has; the file is
    saved every few blocks, so an interrupted run resumes where it stopped. `dry_run` only
    counts."""
    check_device_name(device)
    path = Path(out) if out else user_dir() / f"{device}.json"
    metadata = host_metadata(threads, warmup_runs, runs)
    table = read_table_file(path) if path.is_file() else LatencyTable(device, metadata, path=path)
    if not compatible(table.metadata, metadata):
        raise UserInputError(
            f"{path} holds {table.metadata.get('threads')}-thread {table.metadata.get('runtime')} "
            f"{table.metadata.get('runtime_version')} timings of another machine or thread "
            f"count ({describe_machine(table.metadata)}); profile into another table (e.g. "
            f"--device {device}-{threads}threads or --out FILE)"
        )
    known = set(table.entries)
    if not out:  # blocks a shipped table of this name (or for `host`, of this machine) has
        known |= {
            signature
            for shipped in shipped_tables()
            if device in (HOST, shipped.device) and compatible(shipped.metadata, metadata)
            for signature in shipped.entries
        }
    todo = [block for block in blocks if block.signature not in known]
    log.info(
        "%s: %d blocks needed, %d already measured, %d to measure",
        device,
        len(blocks),
        len(blocks) - len(todo),
        len(todo),
    )
    summary = {
        "device": device,
        "path": str(path),
        "needed": len(blocks),
        "measured": len(todo),
        "entries": len(table),
    }
    if dry_run:
        return summary
    for size in input_sizes:
        table.add_input_size(size)
    measure_blocks(table, todo, save=lambda signatures: table.save(path), progress=progress)
    table.metadata["updated"] = utc_now()
    table.save(path)
    return {**summary, "entries": len(table)}
