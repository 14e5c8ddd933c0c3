"""The proxy-fidelity panel on real street scenes (CamVid, 360x480 frames, 11 classes).

Every decision of the space comes in pairs of configs that differ only in it: backbone; width
0.5 / 1.0 / 1.5; output stride 8 and 16, each with the basic head and the paper's cell; four
DPC cells (the paper's, all rates 1, all rates 21, one with pyramid pooling); decoder on and off.
The reference (the synthetic panel's, `benchmarks._runs.REFERENCE`) trains 256x256 crops of
the full-resolution frames, 800 steps, batch 8 (about 17 epochs of CamVid train); the candidate
proxies are expressed relative to the frame size (`frame_scale`: frames downscaled with the
aspect ratio kept, whole or cropped), each at about a tenth of the reference's pixels trained.
Every training is evaluated on the 101 val frames at its frame scale (the reference at the
stored 360x480).
"""

from __future__ import annotations

from benchmarks._runs import Setting
from benchmarks.dpc_cells import CELLS
from nas.search.fidelity import Fidelity
from space import get_preset


def _panel() -> dict:
    basic, dpc = get_preset("paper-basic"), get_preset("paper-dpc")
    return {
        "paper-basic": basic,
        "paper-dpc": dpc,
        "mobilenet-basic": get_preset("mobilenetv2-basic"),
        "shufflenet0.5-basic": basic.replace(depth_multiplier=0.5),
        "shufflenet1.5-basic": basic.replace(depth_multiplier=1.5),
        "shufflenet0.5-dpc": dpc.replace(depth_multiplier=0.5),
        "paper-basic-os8": basic.replace(output_stride=8),
        "paper-dpc-os8": dpc.replace(output_stride=8),
        "dpc-rates1": dpc.replace(dpc_branches=CELLS["rates1"]),
        "dpc-rates21": dpc.replace(dpc_branches=CELLS["rates21"]),
        "dpc-pooling": dpc.replace(dpc_branches=CELLS["pooling"]),
        "dpc-rates1-os8": dpc.replace(output_stride=8, dpc_branches=CELLS["rates1"]),
        "dpc-rates21-os8": dpc.replace(output_stride=8, dpc_branches=CELLS["rates21"]),
        "paper-basic-decoder": basic.replace(decoder="deeplabv3plus"),
        "paper-dpc-decoder": dpc.replace(decoder="deeplabv3plus"),
        "shufflenet0.5-basic-decoder": basic.replace(depth_multiplier=0.5, decoder="deeplabv3plus"),
    }


PANEL = _panel()
# Pairs that differ in one decision, (worse on Cityscapes, better on Cityscapes).
DECISIONS = {
    "backbone": [("paper-basic", "mobilenet-basic")],
    "width": [
        ("shufflenet0.5-basic", "paper-basic"),
        ("paper-basic", "shufflenet1.5-basic"),
        ("shufflenet0.5-dpc", "paper-dpc"),
    ],
    "output_stride": [("paper-basic", "paper-basic-os8"), ("paper-dpc", "paper-dpc-os8")],
    "head": [
        ("paper-basic", "paper-dpc"),
        ("paper-basic-os8", "paper-dpc-os8"),
        ("paper-basic-decoder", "paper-dpc-decoder"),
        ("shufflenet0.5-basic", "shufflenet0.5-dpc"),
    ],
    "decoder": [
        ("paper-basic", "paper-basic-decoder"),
        ("paper-dpc", "paper-dpc-decoder"),
        ("shufflenet0.5-basic", "shufflenet0.5-basic-decoder"),
    ],
    "dpc_cell": [
        ("dpc-rates1", "paper-dpc"),
        ("dpc-rates21", "paper-dpc"),
        ("dpc-pooling", "paper-dpc"),
        ("dpc-rates1-os8", "paper-dpc-os8"),
        ("dpc-rates21-os8", "paper-dpc-os8"),
    ],
}

SETTINGS = (  # candidates: today's search proxy, then proxies relative to the frame size
    Setting("64px-crops", "64x64/200/16/1e-3"),
    Setting("quarter-frames", "90x120@0.25/250/16/4e-3"),
    Setting("third-frames", Fidelity((120, 160), 150, 16, 4e-3, frame_scale=1 / 3)),  # 1/3: no text
    Setting("half-crops", "128x128@0.5/150/16/4e-3"),
)
COST_SIZE = (360, 480)  # GFLOPs and params at the frames' size, where a CamVid user deploys
