"""`nas describe`: GFLOPs, parameters and float32 TFLite size of a config."""

from __future__ import annotations

import logging

from nas.arguments import add_config_arguments, config_from_arguments, print_json

log = logging.getLogger(__name__)


def register(subparsers):
    parser = subparsers.add_parser("describe", help="GFLOPs, params and TFLite size of a config")
    add_config_arguments(parser)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.set_defaults(run=run)


def describe(config) -> dict:
    """GFLOPs (2 x MACs, the converter's estimate), params and float32 TFLite bytes."""
    from space import build_inference_model, count_flops, count_params, plan_network
    from space.tflite import convert_to_tflite

    log.info("building %s at %dx%d", config.id, *config.input_size)
    model = build_inference_model(config)
    log.info("converting to TFLite (float32)")
    tflite_bytes = len(convert_to_tflite(model))
    return {"gflops": count_flops(model) / 1e9, "params": count_params(model),
            "tflite_bytes": tflite_bytes, "blocks": len(plan_network(config, inference=True).blocks),
            "config_id": config.id, "config": config.to_dict()}


def run(args):
    config = config_from_arguments(args)
    result = describe(config)
    if args.json:
        print_json(result)
        return
    height, width = config.input_size
    print(f"config {result['config_id']}: {config.backbone} x{config.depth_multiplier}, "
          f"output stride {config.output_stride}, head {config.head}, decoder {config.decoder}, "
          f"{config.num_classes} classes, input {height}x{width}")
    print(f"GFLOPs:      {result['gflops']:.3f}")
    print(f"parameters:  {result['params']:,}")
    print(f"TFLite size: {result['tflite_bytes']:,} bytes ({result['tflite_bytes'] / 1e6:.2f} MB, float32)")
