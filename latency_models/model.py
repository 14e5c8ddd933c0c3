"""A deployment's latency model: a device and the input size networks are deployed at.

Every caller that predicts a searched network's latency asks one `LatencyModel`: it sets the
config to the deployment size and predicts it from the device's table (`predict_latency`: in
milliseconds at this machine's speed for a table of this machine: now, or at the reference
timing the model is `pinned` to, as a search pins its start's). The table is read once, on
first use, and not pickled (Ray Tune ships the model to other processes, which read it again).
"""

from __future__ import annotations

from latency_models.devices import load_table
from latency_models.machine import reference_now
from latency_models.predictor import predict_latency, predicts_here
from latency_models.table import LatencyTable


class LatencyModel:
    """Latency on `device` (a device name or table file, as `load_table` takes it) of
    networks deployed at `input_size` (height, width), at this machine's speed `speed` (a
    reference timing, `latency_models.speed`; None: the speed at each prediction)."""

    def __init__(self, device: str, input_size, speed: dict | None = None):
        self.device, self.input_size, self.speed = device, tuple(input_size), speed
        self._table = None

    def pinned(self) -> LatencyModel:
        """This model with its speed pinned to this machine's now (a reference timing), where
        its table predicts this machine; itself otherwise."""
        if not predicts_here(self.table):
            return self
        model = LatencyModel(self.device, self.input_size, reference_now())
        model._table = self._table
        return model

    @property
    def table(self) -> LatencyTable:
        """The device's table, read on first use (`UserInputError` for an unknown device)."""
        if self._table is None:
            self._table = load_table(self.device)
        return self._table

    def deployed(self, config):
        """`config` at the deployment size."""
        return config.replace(input_size=self.input_size)

    def predict(self, config) -> float:
        """Predicted latency (ms) of `config`'s network at the deployment size."""
        return float(predict_latency(self.deployed(config), self.table, speed=self.speed))

    def costs(self, config) -> dict:
        """Predicted latency (ms), GFLOPs and parameters of `config` at the deployment size."""
        from space.builders import build_inference_model, count_flops, count_params  # TensorFlow

        model = build_inference_model(self.deployed(config))
        return {
            "latency_ms": self.predict(config),
            "gflops": count_flops(model) / 1e9,
            "params": int(count_params(model)),
        }

    def __getstate__(self):
        return {**self.__dict__, "_table": None}  # read again where it is unpickled

    def __repr__(self) -> str:
        return f"LatencyModel({self.device!r}, {'x'.join(map(str, self.input_size))})"
