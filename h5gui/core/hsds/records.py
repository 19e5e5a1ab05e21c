"""Records of the HSDS backend (no h5py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TransferReport:
    """What a transfer did."""

    source: str
    target: str
    groups: int
    datasets: int
    links: int
    attributes: int
    bytes: int  # values moved
    requests: int
    seconds: float
    not_carried: tuple[str, ...] = ()  # 'path: reason' for each thing left out
