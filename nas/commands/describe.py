"""`nas describe`: GFLOPs, parameters and float32 TFLite size of a config."""

from __future__ import annotations

import logging

from nas.arguments import (
    add_config_arguments,
    add_json_argument,
    config_from_arguments,
    print_result,
)
from space import plan_network

log = logging.getLogger(__name__)


def register(subparsers):
    parser = subparsers.add_parser("describe", help="GFLOPs, params and TFLite size of a config")
    add_config_arguments(parser)
    add_json_argument(parser)
    parser.set_defaults(run=run)


def describe(config) -> dict:
    """GFLOPs (2 x MACs, the converter's estimate), params and float32 TFLite bytes."""
    from space.builders import build_inference_model, count_flops, count_params
    from space.tflite import convert_to_tflite

    log.info("building %s at %dx%d", config.id, *config.input_size)
    model = build_inference_model(config)
    log.info("converting to TFLite (float32)")
    tflite_bytes = len(convert_to_tflite(model))
    return {
        "gflops": count_flops(model) / 1e9,
        "params": count_params(model),
        "tflite_bytes": tflite_bytes,
        "blocks": len(plan_network(config, inference=True).blocks),
        "config_id": config.id,
        "config": config.to_dict(),
    }


def run(args):
    config = config_from_arguments(args)
    print_result(args, describe(config), _text)


def _text(result: dict) -> str:
    config = result["config"]
    height, width = config["input_size"]
    return "\n".join(
        [
            f"config {result['config_id']}: {config['backbone']} x{config['depth_multiplier']}, "
            f"output stride {config['output_stride']}, head {config['head']}, decoder "
            f"{config['decoder']}, {config['num_classes']} classes, input {height}x{width}",
            f"GFLOPs:      {result['gflops']:.3f}",
            f"parameters:  {result['params']:,}",
            f"TFLite size: {result['tflite_bytes']:,} bytes ({result['tflite_bytes'] / 1e6:.2f} MB, "
            "float32)",
        ]
    )
