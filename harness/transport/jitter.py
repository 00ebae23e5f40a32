"""Network jitter and extra latency on the link: a varying delay per frame, a fixed jitter buffer.

The model, netem's `delay TIME JITTER CORRELATION distribution normal` followed by a receiver
with a fixed jitter buffer, one 20 ms frame per packet:

- Frame i leaves at i x 20 ms and arrives D_i = max(0, extra_latency_ms + J_i) later, where J_i
  is normal with mean 0 and standard deviation `std_ms`. With `correlation` rho, J is an AR(1)
  process, J_i = rho J_(i-1) + sqrt(1 - rho^2) std e_i, so a delay spike lasts several frames as
  congestion does; every J_i still has the same normal distribution, so the late rate below holds.
- The receiver plays frame i at slot i + P, P = round((extra_latency_ms + buffer_ms) / 20): every
  frame that is played is delayed by the same P x 20 ms, so order is kept and one frame leaves per
  frame that arrives (the output is exactly as long as the input; the first P are silence).
- A frame arriving after its slot (D_i > P x 20 ms) is late, and dropped as a real jitter buffer
  drops it; in its slot the listener hears silence (`late="silence"`) or the last frame played,
  repeated at half the amplitude per repeat (`late="conceal"`, a simple packet-loss concealment).
- So the late fraction is P(late) = 1/2 erfc((P x 20 ms - extra_latency_ms) / (std_ms sqrt 2)),
  `JitterBuffer.predicted_late_fraction`. A sensible buffer is about 2-3 x std_ms (2-0.1 % late).

All the randomness is one seeded generator, so a run is reproducible.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Literal

import numpy as np

from .clock import FRAME_MS

LateFrames = Literal["silence", "conceal"]

_NOT_YET = np.zeros(0)  # the slots before the first frame can arrive: plain silence


class JitterBuffer:
    """Frames delayed by `extra_latency_ms` plus normal jitter, played out by a fixed buffer."""

    def __init__(
        self,
        std_ms: float,
        buffer_ms: float = 60.0,
        extra_latency_ms: float = 0.0,
        correlation: float = 0.0,
        late: LateFrames = "silence",
        seed: int = 0,
    ) -> None:
        if std_ms < 0 or buffer_ms < 0 or extra_latency_ms < 0 or not 0 <= correlation < 1:
            raise ValueError("jitter needs std, buffer and latency >= 0 and 0 <= correlation < 1")
        self.std_ms = std_ms
        self.extra_latency_ms = extra_latency_ms
        self.correlation = correlation
        self.late = late
        self.delay_frames = round((extra_latency_ms + buffer_ms) / FRAME_MS)
        self._rng = np.random.default_rng(seed)
        self._jitter_ms: float | None = None
        self._slots: deque[np.ndarray | None] = deque([_NOT_YET] * self.delay_frames)
        self._last_played: np.ndarray | None = None
        self._repeats = 0

    @property
    def added_delay_ms(self) -> float:
        return self.delay_frames * FRAME_MS

    def predicted_late_fraction(self) -> float:
        """The share of frames that miss their slot, from the model's parameters."""
        margin_ms = self.added_delay_ms - self.extra_latency_ms
        if self.std_ms == 0:
            return 0.0 if margin_ms >= 0 else 1.0
        return 0.5 * math.erfc(margin_ms / (self.std_ms * math.sqrt(2)))

    def _next_jitter_ms(self) -> float:
        innovation = self.std_ms * float(self._rng.standard_normal())
        if self._jitter_ms is None:  # start in the steady state of the AR(1) process
            self._jitter_ms = innovation
        else:
            rho = self.correlation
            self._jitter_ms = rho * self._jitter_ms + math.sqrt(1 - rho**2) * innovation
        return self._jitter_ms

    def process(self, frame: np.ndarray) -> np.ndarray:
        network_delay_ms = max(0.0, self.extra_latency_ms + self._next_jitter_ms())
        on_time = network_delay_ms <= self.added_delay_ms
        self._slots.append(frame.copy() if on_time else None)
        played = self._slots.popleft()
        if played is _NOT_YET:
            return np.zeros_like(frame)
        if played is not None:
            self._last_played, self._repeats = played, 0
            return played
        if self.late == "conceal" and self._last_played is not None:
            self._repeats += 1
            return self._last_played * 0.5**self._repeats
        return np.zeros_like(frame)
