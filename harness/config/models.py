"""The validated shapes of what users author: personas and scenarios (unknown keys are errors)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..backends import Voice
from ..judging.spec import SuccessConfig

BackendName = Literal["offline", "openai"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(_Strict):
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
    voice: Voice = Voice(
        espeak="en-gb-x-rp", words_per_minute=175, pitch=75, openai="sage"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """`agent: package.module:factory` is short for `agent: {factory: ...}`."""
        return {"factory": data} if isinstance(data, str) else data


class ReplayConfig(_Strict):
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


class CallerConfig(_Strict):
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


class NoiseImpairment(_Strict):
    type: Literal["noise"]
    kind: Literal["white", "pink", "babble", "street", "office"] = Field(
        "pink",
        description="white, pink, babble (several talkers), street (traffic, horns) or office "
        "(HVAC, murmur, keyboard)",
    )
    snr_db: float = Field(ge=-10, le=60, description="active speech level over the noise's")


class TelephoneImpairment(_Strict):
    """8 kHz, 300-3400 Hz and G.711 mu-law: a narrowband phone line."""

    type: Literal["telephone"]


class LossImpairment(_Strict):
    type: Literal["loss"]
    percent: float = Field(gt=0, lt=100)
    mean_burst_frames: float = Field(1.0, ge=1, le=50)


class JitterImpairment(_Strict):
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


class ImpairmentsConfig(_Strict):
    """What each direction of the line does to the audio, applied in the order listed."""

    caller_to_agent: list[ImpairmentConfig] = Field(default_factory=list)
    agent_to_caller: list[ImpairmentConfig] = Field(default_factory=list)


class LinkConfig(_Strict):
    sample_rate: Literal[8000, 16000, 24000, 48000] = 16_000
    one_way_latency_ms: float = Field(0.0, ge=0, le=2000)
    impairments: ImpairmentsConfig = ImpairmentsConfig()


def _check_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


class Interrupt(_Strict):
    """Barge in: say the line while the agent is talking, at a point of its next utterance."""

    after_ms: float | None = Field(
        None, ge=0, le=60_000, description="ms after the agent's speech starts (as heard)"
    )
    after_words: int | None = Field(
        None,
        ge=1,
        le=200,
        description="after about N of the agent's words (at 2.75 words/s, espeak's pace)",
    )

    @model_validator(mode="after")
    def _one_point(self) -> Interrupt:
        if (self.after_ms is None) == (self.after_words is None):
            raise ValueError("give exactly one of after_ms or after_words")
        return self

    def delay_s(self) -> float:
        if self.after_ms is not None:
            return self.after_ms / 1000
        return (self.after_words or 0) / WORDS_PER_SECOND


WORDS_PER_SECOND = 2.75


class ScriptLine(_Strict):
    """One caller line; a plain string in YAML is `{say: ...}`."""

    say: str = Field(min_length=1, description="what the caller says")
    when: str | None = Field(
        None,
        description="regex on the agent's last turn (as the caller heard it, case-insensitive): "
        "the line is skipped unless it matches",
    )
    stall_s: float = Field(
        0.0, ge=0, le=120, description="silence before saying it, from the end of the agent's turn"
    )
    interrupt: Interrupt | None = Field(
        None, description="say it over the agent's next utterance instead of after it"
    )

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"say": data} if isinstance(data, str) else data

    _when_is_regex = field_validator("when")(_check_regex)


class Backchannels(_Strict):
    """Short acknowledgements said while the agent talks, without taking the turn."""

    phrases: list[str] = Field(default_factory=lambda: ["mm-hm"], min_length=1)
    every_s: float = Field(4.0, ge=0.5, le=60, description="one per this much agent speech")


class BargeIn(_Strict):
    """Interrupt the agent's longer utterances with the next line, some of the time."""

    probability: float = Field(ge=0, le=1, description="chance per agent utterance")
    after_ms: float = Field(1500.0, ge=0, le=60_000, description="into the agent's utterance")


class TurnTaking(_Strict):
    backchannels: Backchannels | None = None
    barge_in: BargeIn | None = None
    reaction_s: float = Field(
        0.0, ge=0, le=10, description="extra thinking time before every reply"
    )
    hold_s: float = Field(
        3.0,
        ge=0,
        le=30,
        description="when the agent says it is checking ('let me check', 'one moment'), wait "
        "this long for the answer before speaking; 0 answers at once",
    )


class Speech(_Strict):
    """How the persona's lines are spoken (offline TTS renders the words as written)."""

    fillers: list[str] = Field(default_factory=lambda: ["um", "uh"])
    filler_rate: float = Field(0.0, ge=0, le=1, description="chance a line starts with a filler")
    hesitation_rate: float = Field(
        0.0, ge=0, le=1, description="chance of a mid-sentence pause (an ellipsis) per line"
    )


class Temperament(_Strict):
    """Rendered into an `llm` caller's instructions; the scripted caller follows its script."""

    patience: Literal["low", "medium", "high"] = "medium"
    politeness: Literal["rude", "neutral", "polite"] = "polite"
    verbosity: Literal["terse", "normal", "chatty"] = "normal"
    frustration: str = Field(
        "rises when the agent is slow, repeats itself or does not understand",
        description="what makes this caller more frustrated",
    )


class Persona(_Strict):
    """Who calls, what they want, how they talk and over what line."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    goal: str = Field(description="what the caller wants, in their own words")
    facts: dict[str, str] = Field(
        default_factory=dict,
        description="things the caller knows and reveals only when asked (order number, ...)",
    )
    goal_reached_when: str | None = Field(
        None,
        description="regex on what the agent said (as heard): the caller's goal counts as "
        "reached once it matches; without it, a finished script counts as reached",
    )
    temperament: Temperament = Temperament()
    voice: Voice = Voice()
    speech: Speech = Speech()
    turn_taking: TurnTaking = TurnTaking()
    channel: ImpairmentsConfig = Field(
        default_factory=lambda: ImpairmentsConfig(),
        description="the persona's own line and surroundings, added to the scenario's link",
    )
    script: list[ScriptLine] = Field(
        default_factory=list, description="the scripted caller's lines, in order"
    )

    _goal_is_regex = field_validator("goal_reached_when")(_check_regex)


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


class SuiteMatrix(_Strict):
    """Every scenario is run once per combination of the lists given here."""

    personas: list[str] = Field(
        default_factory=list,
        description="persona names or paths; each scenario runs with each (empty: its own)",
    )
    channels: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.+-]+$")], ImpairmentsConfig] = Field(
        default_factory=dict,
        description="label -> impairments added to each scenario's link (empty: as written)",
    )


class Suite(_Strict):
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
