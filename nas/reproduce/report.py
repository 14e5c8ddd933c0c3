"""The report of a reproduction: val mIOU per stage, per-class and category IoU of the last stage,
the paper's numbers beside them (the recipe's `reference`) and the export. No TensorFlow."""

from __future__ import annotations

from space import PRESETS, ArchConfig, get_preset

# The paper's per-class test IoUs (its Table 3) were not found in the sources this toolkit could
# read (the arXiv text, github.com/sercant/mobile-segmentation): only its mIOUs are compared.
PER_CLASS_NOTE = (
    "the paper's per-class test IoUs (Table 3) are not part of this toolkit's "
    "reference; only its mIOUs are compared"
)
STAGE_KEYS = (
    "stage",
    "skipped",
    "data",
    "train_split",
    "eval_split",
    "steps",
    "train_seconds",
    "miou",
    "category_miou",
    "eval_size",
    "full_resolution",
    "images",
    "run",
)


def paper_model(config: ArchConfig) -> str | None:
    """The preset `config` is (input size and class count aside), or None."""
    for name in PRESETS:
        preset = get_preset(name).replace(
            input_size=config.input_size, num_classes=config.num_classes
        )
        if preset == config:
            return name
    return None


def build_report(plan, stages: list[dict], exported: dict, out) -> dict:
    """The report as JSON-ready data: `stages` are the stages' evaluations (or skips), the last
    one trained is `final`; `exported` is `nas.export.export`'s summary (or `{"error": ...}`)."""
    final = [row for row in stages if not row.get("skipped")][-1]
    model = paper_model(plan.config)
    reference = plan.recipe.reference
    return {
        "out": str(out),
        "model": model,
        "config_id": plan.config.id,
        "recipe": plan.recipe.name,
        "steps_scale": plan.steps_scale,
        "demo": plan.demo,
        "stages": [{key: row[key] for key in STAGE_KEYS if key in row} for row in stages],
        "final": {
            "stage": final["stage"],
            "data": final["data"],
            "split": final["eval_split"],
            "eval_size": final["eval_size"],
            "miou": final["miou"],
            "per_class": dict(zip(final["class_names"], final["per_class"])),
            "category_iou": final.get("category_iou"),
            "category_miou": final.get("category_miou"),
        },
        "paper": {
            "model": model,
            "source": reference.get("source"),
            "evaluation": reference.get("evaluation"),
            "val_miou": reference.get("val_miou", {}).get(model),
            "test_miou": reference.get("test_miou", {}).get(model),
            "per_class": None,
            "note": PER_CLASS_NOTE,
        },
        "export": {
            key: exported[key]
            for key in ("out", "files", "verification", "error")
            if key in exported
        },
    }


def report_text(report: dict) -> str:
    """The report for people: a table of stages, then classes, categories, paper and export."""
    scale = f", steps x{report['steps_scale']:g}" if report["steps_scale"] != 1 else ""
    lines = [
        f"{report['model'] or 'config ' + report['config_id']} trained with recipe "
        f"{report['recipe']}{scale}{' (demo, synthetic data)' if report['demo'] else ''} "
        f"in {report['out']}",
        f"  {'stage':<10} {'data':<36} {'trained on':<12} {'steps':>7}  "
        f"{'evaluated on':<26} {'mIOU':>6}",
    ]
    lines += [_stage_line(row) for row in report["stages"]]
    final = report["final"]
    height, width = final["eval_size"]
    lines.append(f"IoU per class (stage {final['stage']}, {final['split']} at {height}x{width}):")
    lines += [f"  {name:<20} {_percent(iou)}" for name, iou in final["per_class"].items()]
    if final["category_iou"]:
        lines.append(f"IoU per category (mean {_percent(final['category_miou'])}):")
        lines += [f"  {name:<20} {_percent(iou)}" for name, iou in final["category_iou"].items()]
    lines += _paper_lines(report) + _export_lines(report["export"])
    return "\n".join(lines)


def _stage_line(row: dict) -> str:
    if row.get("skipped"):
        return f"  {row['stage']:<10} skipped (--skip)"
    height, width = row["eval_size"]
    how = "whole images" if row["full_resolution"] else "resized"
    evaluated = f"{row['eval_split']} {height}x{width} {how}"
    return (
        f"  {row['stage']:<10} {row['data'][-36:]:<36} {row['train_split']:<12} "
        f"{row['steps']:>7}  {evaluated:<26} {_percent(row['miou'])}"
    )


def _paper_lines(report: dict) -> list[str]:
    paper, measured = report["paper"], _percent(report["final"]["miou"]).strip()
    if paper["val_miou"] is None:
        return ["the paper: no figures for this network (only for its presets)"]
    test = f" ({paper['test_miou']:.2f}% test)" if paper["test_miou"] is not None else ""
    here = (
        f"this demo on synthetic scenes {measured} (not comparable)"
        if report["demo"]
        else f"this run {measured}"
    )
    return [
        f"the paper: {paper['model']} {paper['val_miou']:.1f}% val mIOU{test}; {here}",
        f"  evaluated on {paper['evaluation']}; source: {paper['source']}",
        f"  {paper['note']}",
    ]


def _export_lines(exported: dict) -> list[str]:
    if "error" in exported:
        return [f"export failed: {exported['error']}"]
    lines = [f"export: {exported['out']} (metadata.json, labels.txt, benchmark_on_phone.sh)"]
    for name, figures in exported["files"].items():
        lines.append(
            f"  {name} {figures['bytes']:,} bytes, {figures['precision']}, agrees with "
            f"Keras on {figures['agreement']:.2%} of pixels, "
            f"{figures['host_latency_ms']:.1f} ms on LiteRT here"
        )
    return lines


def _percent(value) -> str:
    return f"{'-':>6}" if value is None else f"{100 * value:5.1f}%"
