"""Which sessions of a suite one machine runs: `--shard I/N`, a deterministic round-robin slice.

Shard I of N (1-based, like `--shard 1/4`) takes the sessions at positions I, I+N, I+2N, ... of
the expanded session list (scenario files in the order given, folders in name order). The list
depends only on the arguments and the checkout, so every machine computes the same slices: they
are disjoint, together they cover the suite, and sizes differ by at most one. Sessions keep the
number they have in the whole suite, so shard run directories merge into the same report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..errors import ConfigError

T = TypeVar("T")

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "count": self.count}


def parse_shard(text: str) -> Shard:
    """`"2/4"` -> Shard(2, 4); anything else, or I outside 1..N, is a `ConfigError`."""
    match = _SHARD.match(text)
    if not match:
        raise ConfigError(
            f"--shard {text!r}: expected I/N, e.g. 1/4",
            hint="I counts from 1; on Kubernetes use $((JOB_COMPLETION_INDEX + 1))/N",
        )
    index, count = int(match[1]), int(match[2])
    if count < 1 or not 1 <= index <= count:
        raise ConfigError(
            f"--shard {text}: the shard index must be between 1 and {max(count, 1)}",
            hint="I counts from 1; on Kubernetes use $((JOB_COMPLETION_INDEX + 1))/N",
        )
    return Shard(index, count)


def select_shard(items: Sequence[T], shard: Shard | None) -> list[tuple[int, T]]:
    """The `(position, item)` pairs shard `shard` runs, positions 1-based in the whole suite."""
    numbered = list(enumerate(items, start=1))
    if shard is None:
        return numbered
    return [
        (position, item)
        for position, item in numbered
        if (position - 1) % shard.count == shard.index - 1
    ]
