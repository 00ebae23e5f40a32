"""The validated shapes of what users author: personas and scenarios (unknown keys are errors)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..backends import Voice
from ..judging.spec import SuccessConfig

BackendName = Literal["offline", "openai"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VoiceConfig(_Strict):
    espeak: str = Field("en-us", description="espeak-ng voice name (offline backend)")
    words_per_minute: int = Field(165, ge=80, le=450)
    pitch: int = Field(50, ge=0, le=99)
    openai: str = Field("alloy", description="OpenAI Realtime voice (openai backend)")

    def to_voice(self) -> Voice:
        return Voice(self.espeak, self.words_per_minute, self.pitch, self.openai)


class Persona(_Strict):
    """Who calls and what they say."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    goal: str = Field(description="what the caller wants, in their own words")
    voice: VoiceConfig = VoiceConfig()
    script: list[str] = Field(min_length=1, description="the caller's lines, in order")


class AgentConfig(_Strict):
    factory: str = Field(
        "agent_under_test:create_agent",
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="import path `package.module:function` of a function returning an Agent",
    )
    backend: BackendName = "offline"
    options: dict[str, Any] = Field(
        default_factory=dict, description="keyword arguments for the factory"
    )
    voice: VoiceConfig = VoiceConfig(
        espeak="en-gb-x-rp", words_per_minute=175, pitch=45, openai="sage"
    )


class CallerConfig(_Strict):
    backend: BackendName = "offline"


class NoiseImpairment(_Strict):
    type: Literal["noise"]
    kind: Literal["white", "pink"] = "pink"
    snr_db: float = Field(ge=-10, le=60)


class TelephoneImpairment(_Strict):
    """8 kHz, 300-3400 Hz and G.711 mu-law: a narrowband phone line."""

    type: Literal["telephone"]


class LossImpairment(_Strict):
    type: Literal["loss"]
    percent: float = Field(gt=0, lt=100)
    mean_burst_frames: float = Field(1.0, ge=1, le=50)


ImpairmentConfig = Annotated[
    NoiseImpairment | TelephoneImpairment | LossImpairment, Field(discriminator="type")
]


class ImpairmentsConfig(_Strict):
    """What each direction of the line does to the audio, applied in the order listed."""

    caller_to_agent: list[ImpairmentConfig] = Field(default_factory=list)
    agent_to_caller: list[ImpairmentConfig] = Field(default_factory=list)


class LinkConfig(_Strict):
    sample_rate: Literal[8000, 16000, 24000, 48000] = 16_000
    one_way_latency_ms: float = Field(0.0, ge=0, le=2000)
    impairments: ImpairmentsConfig = ImpairmentsConfig()


class TimingBudgets(_Strict):
    """Limits on what the caller heard (probes.json), in milliseconds; unset means unchecked."""

    greeting_latency_ms: float | None = Field(None, gt=0)
    response_latency_p50_ms: float | None = Field(None, gt=0)
    response_latency_p95_ms: float | None = Field(None, gt=0)
    response_latency_max_ms: float | None = Field(None, gt=0)
    interruption_stop_p95_ms: float | None = Field(None, gt=0)
    interruption_stop_max_ms: float | None = Field(None, gt=0)
    interruption_recovery_p95_ms: float | None = Field(None, gt=0)

    def limits(self) -> dict[str, float]:
        return {name: limit for name, limit in self.model_dump().items() if limit is not None}


class Scenario(_Strict):
    """One call to place: which agent, which persona, and the limits of the call."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    persona: str = Field(description="persona name (personas/<name>.yaml) or a path to its YAML")
    agent: AgentConfig = AgentConfig()
    caller: CallerConfig = CallerConfig()
    opening: Literal["agent", "caller"] = "agent"
    max_duration_s: float = Field(90.0, gt=0, le=3600)
    link: LinkConfig = LinkConfig()
    budgets: TimingBudgets = TimingBudgets()
    seed: int = 0
    success: SuccessConfig = Field(
        SuccessConfig(), description="checks and rubrics that decide whether the call went right"
    )
