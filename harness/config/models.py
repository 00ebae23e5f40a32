"""The validated shapes of what users author: scenarios, suites, the agent, the line and targets.

The persona (who calls) is in `persona.py`; unknown keys are errors everywhere."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..backends import Voice
from ..judging.spec import SuccessConfig

BackendName = Literal["offline", "openai"]


class Strict(BaseModel):
    """Base of every authored model: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(Strict):
    factory: str = Field(
        "crosstalk_agent:create_agent",
        pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$",
        description="import path `package.module:function` of a function returning an Agent",
    )
    backend: BackendName = "offline"
    options: dict[str, Any] = Field(
        default_factory=dict, description="keyword arguments for the factory"
    )
    # higher and quicker than a caller by default, so the two channels are easy to tell apart
    voice: Voice = Voice(espeak="en-gb-x-rp", words_per_minute=175, pitch=75, openai="sage")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`agent: package.module:factory` is short for `agent: {factory: ...}`."""
        return {"factory": data} if isinstance(data, str) else data


class ReplayConfig(Strict):
    source: str = Field(
        description="a crosstalk session directory (its caller channel and turns), or a "
        "recording (WAV, FLAC, OGG/Opus, MP3): stereo, or the caller's side alone"
    )
    channel: int = Field(0, ge=0, le=1, description="the recording's channel holding the caller")
    agent: str | None = Field(
        None,
        description="a mono recording of the agent's side, when `source` is the caller's alone "
        "(both start at the call's start); keeps the caller's reaction times",
    )
    min_silence_s: float = Field(
        0.7, gt=0, le=10, description="a recording without turns is split at silences this long"
    )


class CallerConfig(Strict):
    """The simulated caller's brain and voice stack."""

    backend: BackendName = "offline"
    brain: Literal["scripted", "llm", "replay"] = Field(
        "scripted",
        description="scripted: the persona's lines (deterministic); llm: a chat model plays the "
        "persona; replay: a recorded caller",
    )
    model: str | None = Field(
        None, description="llm brain: chat model name (default: $CROSSTALK_CALLER_MODEL)"
    )
    template: str | None = Field(
        None, description="llm brain: a jinja2 file for the caller's instructions (overrides ours)"
    )
    replay: ReplayConfig | None = None

    @model_validator(mode="after")
    def _replay_needs_source(self) -> CallerConfig:
        if self.brain == "replay" and self.replay is None:
            raise ValueError("brain: replay needs a `replay: {source: ...}` section")
        return self


class NoiseImpairment(Strict):
    type: Literal["noise"]
    kind: Literal["white", "pink", "babble", "street", "office"] = Field(
        "pink",
        description="white, pink, babble (several talkers), street (traffic, horns) or office "
        "(HVAC, murmur, keyboard)",
    )
    snr_db: float = Field(ge=-10, le=60, description="active speech level over the noise's")


class TelephoneImpairment(Strict):
    """8 kHz, 300-3400 Hz and G.711 mu-law: a narrowband phone line."""

    type: Literal["telephone"]


class LossImpairment(Strict):
    type: Literal["loss"]
    percent: float = Field(gt=0, lt=100)
    mean_burst_frames: float = Field(1.0, ge=1, le=50)


class JitterImpairment(Strict):
    """Network delay varying per 20 ms frame; a fixed jitter buffer drops frames that come late."""

    type: Literal["jitter"]
    std_ms: float = Field(ge=0, le=500, description="standard deviation of the network delay")
    buffer_ms: float = Field(
        60.0, ge=0, le=1000, description="jitter buffer: how long frames wait to absorb jitter"
    )
    extra_latency_ms: float = Field(0.0, ge=0, le=2000, description="fixed network delay added")
    correlation: float = Field(
        0.0, ge=0, le=0.99, description="0 = independent frames; near 1 = long delay spikes"
    )
    late: Literal["silence", "conceal"] = Field(
        "silence", description="what plays in a late frame's slot: silence or the last frame"
    )


ImpairmentConfig = Annotated[
    NoiseImpairment | TelephoneImpairment | LossImpairment | JitterImpairment,
    Field(discriminator="type"),
]


class ImpairmentsConfig(Strict):
    """What each direction of the line does to the audio, applied in the order listed."""

    caller_to_agent: list[ImpairmentConfig] = Field(default_factory=list)
    agent_to_caller: list[ImpairmentConfig] = Field(default_factory=list)


class LinkConfig(Strict):
    sample_rate: Literal[8000, 16000, 24000, 48000] = 16_000
    one_way_latency_ms: float = Field(0.0, ge=0, le=2000)
    impairments: ImpairmentsConfig = ImpairmentsConfig()


class TimingBudgets(Strict):
    """Limits on what the caller heard (probes.json), in milliseconds unless named otherwise,
    and on what each side heard of the other (hearing.json), as fractions; unset means
    unchecked."""

    greeting_latency_ms: float | None = Field(None, gt=0)
    response_latency_p50_ms: float | None = Field(None, gt=0)
    response_latency_p95_ms: float | None = Field(None, gt=0)
    response_latency_max_ms: float | None = Field(None, gt=0)
    interruption_stop_p95_ms: float | None = Field(None, gt=0)
    interruption_stop_max_ms: float | None = Field(None, gt=0)
    interruption_recovery_p95_ms: float | None = Field(None, gt=0)
    takeover_rate_max: float | None = Field(
        None,
        ge=0,
        le=1,
        description="share of the caller's turns with a planned pause (`{pause}`, hesitations) "
        "in which the agent began to speak before the caller was done; a rate, not ms",
    )
    entity_recall_min: float | None = Field(
        None, gt=0, le=1, description="share of the persona's facts the agent heard exactly"
    )
    agent_wer_max: float | None = Field(
        None, ge=0, description="word error rate of the agent's hearing of the caller"
    )
    agent_speech_wer_max: float | None = Field(
        None, ge=0, description="word error rate of the agent's clean speech against its text"
    )

    def limits(self) -> dict[str, float]:
        return {name: limit for name, limit in self.model_dump().items() if limit is not None}


class DtmfStep(Strict):
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


class LiveKitTarget(Strict):
    """An agent deployed on a LiveKit server, dispatched by name into a room per session."""

    kind: Literal["livekit"]
    agent_name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$", description="the worker's agent_name (explicit dispatch)"
    )
    room_prefix: str = _ROOM_PREFIX
    dispatch_metadata: str = Field("", description="passed to the agent's job (ctx.job.metadata)")
    join_timeout_s: float = Field(30.0, gt=0, le=600, description="wait this long for the agent")
    dtmf: list[DtmfStep] = Field(default_factory=list)


class PhoneTarget(Strict):
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


class Scenario(Strict):
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
    repeats: int = Field(1, ge=1, le=1000, description="run the call this many times")
    max_turns: int | None = Field(
        None, ge=1, le=500, description="end the call after this many turns of both sides"
    )
    tags: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]] = Field(
        default_factory=list, description="labels for `crosstalk run --tag`"
    )
    success: SuccessConfig = Field(
        SuccessConfig(), description="checks and rubrics that decide whether the call went right"
    )
    target: TargetConfig | None = Field(
        None, description="call a remote agent (LiveKit) or a phone number instead of `agent`"
    )

    @model_validator(mode="after")
    def _greeting_needs_the_agent_to_open(self) -> Scenario:
        if self.opening == "caller" and self.budgets.greeting_latency_ms is not None:
            raise ValueError(
                "budgets.greeting_latency_ms needs `opening: agent`: with the caller speaking "
                "first there is no greeting to time, and a missing greeting fails the budget"
            )
        return self


class SuiteMatrix(Strict):
    """Every scenario is run once per combination of the lists given here."""

    personas: list[str] = Field(
        default_factory=list,
        description="persona names or paths; each scenario runs with each (empty: its own)",
    )
    channels: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+-]+$")], ImpairmentsConfig] = Field(
        default_factory=dict,
        description="label -> impairments added to each scenario's link (empty: as written)",
    )


class Suite(Strict):
    """A named set of scenarios, expanded over a matrix, selected by tags."""

    suite: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="the suite's name")
    description: str = ""
    scenarios: list[str] = Field(
        min_length=1, description="scenario files, folders or globs, relative to this file"
    )
    matrix: SuiteMatrix = SuiteMatrix()
    tags: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]] = Field(
        default_factory=list, description="added to every scenario's own tags"
    )
    repeats: int | None = Field(None, ge=1, le=1000, description="overrides the scenarios'")
    concurrency: int = Field(1, ge=1, le=64, description="sessions at once (see --concurrency)")
    mode: Literal["audio", "text", "both"] = Field(
        "audio",
        description="audio: live calls; text: the same calls in text turns (seconds, no timing); "
        "both: each session twice, its audio failures attributed (see --mode)",
    )
