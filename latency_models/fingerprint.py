"""Machine fingerprints: what tells one machine's latencies from another's.

The CPU model string does not tell machines apart: two 2-core "AMD EPYC" VMs with the same
feature flags ran the same networks 2.3x apart (benchmarks/latency.md). A fingerprint is the
CPU model, core count and a hash of the CPU's feature flags, the runtime (LiteRT version), the
reference network (a hash of its file) and the measured latency of that reference network on
the machine (`latency_models.machine`). Two fingerprints match when everything but the
reference latency is equal and the reference latencies are within `TOLERANCE` of each other.
"""

from __future__ import annotations

import dataclasses
import math

# Largest ratio of reference latencies that still counts as the same machine (either way).
TOLERANCE = 0.05


@dataclasses.dataclass(frozen=True)
class Fingerprint:
    """What tells one machine's latencies from another's (see the module docstring)."""

    cpu: str
    cores: int
    cpu_flags: str  # sha256 prefix of the sorted feature flags ("" where the OS lists none)
    runtime: str
    reference_model: str  # sha256 prefix of the reference network's file
    reference_ms: float

    def identity(self) -> tuple:
        return self.cpu, self.cores, self.cpu_flags, self.runtime, self.reference_model

    def speed_ratio(self, other: Fingerprint) -> float:
        """How many times slower this machine runs the reference network than `other`."""
        return self.reference_ms / other.reference_ms

    def matches(self, other: Fingerprint | None) -> bool:
        """Same CPU, flags, cores and runtime, and reference latencies within TOLERANCE."""
        return (
            other is not None
            and self.identity() == other.identity()
            and abs(math.log(self.speed_ratio(other))) <= math.log1p(TOLERANCE)
        )

    def describe(self) -> str:
        return (
            f"{self.cpu}, {self.cores} cores, flags {self.cpu_flags or 'unknown'}, "
            f"reference {self.reference_ms:.3f} ms"
        )

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_metadata(cls, metadata: dict) -> Fingerprint | None:
        """The fingerprint a table's (or a cache's) metadata records under "machine"; None
        when it records none or an incomplete one (tables made before fingerprints)."""
        data = metadata.get("machine")
        names = [field.name for field in dataclasses.fields(cls)]
        if not isinstance(data, dict) or any(name not in data for name in names):
            return None
        return cls(**{name: data[name] for name in names})
