"""Who calls: the persona and its parts (script lines, turn taking, speech, temperament)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ..backends import Voice
from ..backends.voices import VoiceShift
from .models import ImpairmentsConfig, Strict


def _check_regex(pattern: str | None) -> str | None:
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
    return pattern


class Interrupt(Strict):
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


# a pause inside a line: `{pause}` (the persona's `speech.pause_s`) or `{pause: SECONDS}`
_BRACES = re.compile(r"\{([^{}]*)\}")
_PAUSE = re.compile(r"^\s*pause\s*(?::\s*(\d+(?:\.\d+)?|\.\d+)\s*)?$")
PAUSE_MAX_S = 10.0


def pause_parts(say: str, default_pause_s: float) -> list[tuple[str, float]]:
    """`say` cut at its pause markers: (words, then silence in seconds), the last silence 0.

    `ValueError` on a marker that is not `{pause}` or `{pause: SECONDS}`, or one with no words
    on one side (a pause belongs inside a line; silence before it is `stall_s`)."""
    parts: list[tuple[str, float]] = []
    rest = say
    while (found := _BRACES.search(rest)) is not None:
        marker = _PAUSE.match(found.group(1))
        if marker is None:
            raise ValueError(
                f"{found.group(0)!r} is not a pause marker: write {{pause}} or {{pause: SECONDS}}"
            )
        seconds = float(marker.group(1)) if marker.group(1) else default_pause_s
        if not 0 < seconds <= PAUSE_MAX_S:
            raise ValueError(
                f"{found.group(0)!r}: a pause lasts more than 0 and at most {PAUSE_MAX_S:g} seconds"
            )
        parts.append((rest[: found.start()].strip(), seconds))
        rest = rest[found.end() :]
    if "{" in rest or "}" in rest:
        raise ValueError("an unmatched brace: a pause is written {pause} or {pause: SECONDS}")
    parts.append((rest.strip(), 0.0))
    if len(parts) > 1 and not all(words for words, _ in parts):
        raise ValueError("a pause must have words before and after it inside the line")
    return parts


# -- tone: how the delivery of the lines changes over the call (issue 26) ------------------------


class Tone(Strict):
    """A line's delivery against the persona's voice."""

    pitch_semitones: float = Field(0.0, ge=-12, le=12, description="higher (+) or lower (-)")
    level_db: float = Field(0.0, ge=-30, le=12, description="louder (+) or quieter (-)")
    pace: float = Field(1.0, ge=0.5, le=2.0, description="speaking-rate factor: 1.2 is 20 % faster")

    def shift(self) -> VoiceShift:
        return VoiceShift(self.pitch_semitones, self.level_db, self.pace)


class ToneRamp(Strict):
    """The delivery changing evenly over the script, from the first line's to the last's by a
    line's position in it (rising frustration: first_line: {level_db: -6}, last_line:
    {pitch_semitones: 4}). The scripted caller on an offline voice (espeak or Piper) renders it;
    Piper's pace moves less than asked (benchmarks/README.md)."""

    first_line: Tone = Field(default_factory=Tone, description="the first line's delivery")
    last_line: Tone = Field(default_factory=Tone, description="the last line's delivery")

    def at(self, position: float) -> Tone:
        """The tone `position` (0 first line .. 1 last line) of the way along."""
        a, b = self.first_line, self.last_line
        return Tone(
            pitch_semitones=a.pitch_semitones + (b.pitch_semitones - a.pitch_semitones) * position,
            level_db=a.level_db + (b.level_db - a.level_db) * position,
            pace=a.pace + (b.pace - a.pace) * position,
        )


def line_tones(persona: Persona) -> list[VoiceShift]:
    """Each script line's delivery: its own `tone:` if it has one, else the ramp's point."""
    last = max(len(persona.script) - 1, 1)
    ramp = persona.tone or ToneRamp()
    return [
        (line.tone or ramp.at(index / last)).shift() for index, line in enumerate(persona.script)
    ]


# -- end of tone --------------------------------------------------------------------------------


class ScriptLine(Strict):
    """One caller line; a plain string in YAML is `{say: ...}`."""

    say: str = Field(
        min_length=1,
        description="what the caller says; `{pause}` or `{pause: SECONDS}` inside it is a "
        "silence mid-turn (the caller goes quiet, then goes on with the same turn)",
    )
    aside: bool = Field(
        False,
        description="said to someone else in the room, not to the agent (quieter and muffled, "
        "see speech.aside): the agent should not answer it, and it is no barge-in",
    )
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
    tone: Tone | None = Field(None, description="this line's delivery (overrides persona tone)")

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, dict) and any("{pause" in str(key) for key in data):
            # YAML read an unquoted `... {pause: 1.2} ...` as a mapping
            raise ValueError(
                "a line holding {pause: SECONDS} must be quoted in YAML: "
                '- "I\'d like to... {pause: 1.2} ...change it"'
            )
        return {"say": data} if isinstance(data, str) else data

    _when_is_regex = field_validator("when")(_check_regex)

    @field_validator("say")
    @classmethod
    def _pauses_well_formed(cls, say: str) -> str:
        pause_parts(say, 1.0)
        return say


class Backchannels(Strict):
    """Short acknowledgements said while the agent talks, without taking the turn."""

    phrases: list[str] = Field(default_factory=lambda: ["mm-hm"], min_length=1)
    every_s: float = Field(4.0, ge=0.5, le=60, description="one per this much agent speech")


class BargeIn(Strict):
    """Interrupt the agent's longer utterances with the next line, some of the time."""

    probability: float = Field(ge=0, le=1, description="chance per agent utterance")
    after_ms: float = Field(1500.0, ge=0, le=60_000, description="into the agent's utterance")


class TurnTaking(Strict):
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


class Aside(Strict):
    """A line said to someone else in the room: turned away from the phone."""

    level_db: float = Field(
        -12.0, ge=-40, le=0, description="loudness against the caller's own voice, in dB"
    )
    lowpass_hz: float | None = Field(
        1500.0, ge=200, le=8000, description="muffled above this frequency; null: not filtered"
    )
    wait_s: float = Field(
        3.0,
        gt=0,
        le=30,
        description="after an aside between turns the caller goes on with its script this much "
        "later; an agent that starts speaking within it answered the aside",
    )


class Speech(Strict):
    """How the persona's lines are spoken (offline TTS renders the words as written)."""

    fillers: list[str] = Field(default_factory=lambda: ["um", "uh"])
    filler_rate: float = Field(0.0, ge=0, le=1, description="chance a line starts with a filler")
    hesitation_rate: float = Field(
        0.0,
        ge=0,
        le=1,
        description="chance of a mid-sentence pause per line (an ellipsis, then pause_s of "
        "silence, as `{pause}` does)",
    )
    pause_s: float = Field(
        0.8,
        gt=0,
        le=PAUSE_MAX_S,
        description="seconds of silence of a pause inside a line that does not give its own "
        "length (`{pause}`, hesitations)",
    )
    aside: Aside = Field(
        default_factory=lambda: Aside(), description="how lines marked `aside` sound"
    )


class Temperament(Strict):
    """Rendered into an `llm` caller's instructions; the scripted caller follows its script."""

    patience: Literal["low", "medium", "high"] = "medium"
    politeness: Literal["rude", "neutral", "polite"] = "polite"
    verbosity: Literal["terse", "normal", "chatty"] = "normal"
    frustration: str = Field(
        "rises when the agent is slow, repeats itself or does not understand",
        description="what makes this caller more frustrated",
    )


class Persona(Strict):
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
    tone: ToneRamp | None = Field(
        None, description="the lines' delivery changing over the script, from first to last"
    )
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
