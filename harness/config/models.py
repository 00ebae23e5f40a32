"""The validated shapes of what users author: personas and scenarios (unknown keys are errors)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..backends import Voice

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


class DtmfStep(_Strict):
    """Keypad tones the caller sends (SIP DTMF), e.g. to get through a phone menu."""

    digits: str = Field(pattern=r"^[0-9*#A-Da-d]+$", description="keys to press, e.g. '1' or '42#'")
    after_agent_turns: int | None = Field(
        None, ge=0, description="send once the caller has heard this many agent turns"
    )
    at_s: float | None = Field(None, ge=0, description="or: send at this session time (seconds)")

    @model_validator(mode="after")
    def _one_trigger(self) -> DtmfStep:
        if (self.after_agent_turns is None) == (self.at_s is None):
            raise ValueError("give exactly one of after_agent_turns or at_s")
        return self


_ROOM_PREFIX = Field("crosstalk-", pattern=r"^[A-Za-z0-9_-]{0,40}$", description="room names")


class LiveKitTarget(_Strict):
    """An agent deployed on a LiveKit server, dispatched by name into a room per session."""

    kind: Literal["livekit"]
    agent_name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$", description="the worker's agent_name (explicit dispatch)"
    )
    room_prefix: str = _ROOM_PREFIX
    dispatch_metadata: str = Field("", description="passed to the agent's job (ctx.job.metadata)")
    join_timeout_s: float = Field(30.0, gt=0, le=600, description="wait this long for the agent")
    dtmf: list[DtmfStep] = Field(default_factory=list)


class PhoneTarget(_Strict):
    """A phone number, called through LiveKit SIP (an outbound trunk) into the session's room."""

    kind: Literal["phone"]
    number: str = Field(pattern=r"^\+?[0-9]{3,20}$", description="E.164 number to call")
    outbound_trunk_id: str | None = Field(
        None, description="LiveKit SIP outbound trunk (default: $LIVEKIT_SIP_OUTBOUND_TRUNK_ID)"
    )
    from_number: str | None = Field(None, description="caller id, if the trunk allows several")
    room_prefix: str = _ROOM_PREFIX
    ringing_timeout_s: float = Field(30.0, gt=0, le=80, description="give up if not answered")
    dtmf: list[DtmfStep] = Field(default_factory=list)


TargetConfig = Annotated[LiveKitTarget | PhoneTarget, Field(discriminator="kind")]


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
    target: TargetConfig | None = Field(
        None, description="call a remote agent (LiveKit) or a phone number instead of `agent`"
    )
