"""The typed documents of a run directory that later stages read back.

Field order is the order the writers have always used, so a document dumped from a model is
byte for byte the file it was before; unknown keys of a newer or hand-written file are kept
(`extra="allow"`), and every field a reader may find missing has a default.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SESSION_SCHEMA = "crosstalk.session/1"
RUN_SCHEMA = "crosstalk.run/2"


class Turn(BaseModel):
    """One line of a call as it was heard: a turn of transcript.json (docs/run-directory.md)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    speaker: str = "?"
    text: str = ""
    start_s: float | None = None
    end_s: float | None = None
    interrupted: bool = False
    heard_as: str | None = None
    backchannel: bool = False  # a short acknowledgement over the other side ("mm-hm")
    # 1-based position in the transcript's turns, set when read back; never written
    number: int = Field(default=0, exclude=True)

    @field_validator("text", mode="before")
    @classmethod
    def _no_text_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value

    @field_validator("interrupted", "backchannel", mode="before")
    @classmethod
    def _none_is_false(cls, value: Any) -> Any:
        return False if value is None else value


class Transcript(BaseModel):
    """transcript.json: the call's turns in the order they were heard."""

    model_config = ConfigDict(extra="allow")

    turns: list[Turn] = Field(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        self.turns = [
            turn if turn.number == number else turn.model_copy(update={"number": number})
            for number, turn in enumerate(self.turns, start=1)
        ]

    def to_json(self) -> dict[str, Any]:
        return {"turns": [turn.model_dump() for turn in self.turns]}


class AgentEvent(BaseModel):
    """One line of agent_events.jsonl: `{"t": <session seconds>, "type": ..., "data": {...}}`."""

    model_config = ConfigDict(frozen=True)

    t: float | None = None
    type: str = ""
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("data", mode="before")
    @classmethod
    def _no_data_is_empty(cls, value: Any) -> Any:
        return value or {}


class SessionDocument(BaseModel):
    """session.json: the session as run (scenario, persona, versions) and, at the end, its
    result; `status` is "running" until the call is finalised."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_id: str = Field(default=SESSION_SCHEMA, alias="schema")
    session_id: str | None = None
    status: str | None = None
    started_at: float | None = None
    scenario_name: str | None = None
    persona_name: str | None = None
    repeat: int | None = 0
    repeats: int | None = 1
    tags: list[str] | None = Field(default_factory=list)
    variant: str | None = ""
    suite: str | None = None
    scenario_file: str | None = None
    persona_file: str | None = None
    scenario: dict[str, Any] | None = Field(default_factory=dict)
    persona: dict[str, Any] | None = Field(default_factory=dict)
    seed: int | None = None
    transport: dict[str, Any] | None = Field(default_factory=dict)
    mode: str | None = None  # "audio" or "text"; directories from before modes have none
    versions: dict[str, Any] | None = Field(default_factory=dict)
    result: dict[str, Any] | None = None

    @property
    def name_of_scenario(self) -> str | None:
        return self.scenario_name or (self.scenario or {}).get("name")

    @property
    def name_of_persona(self) -> str | None:
        return self.persona_name or (self.persona or {}).get("name")

    def to_json(self) -> dict[str, Any]:
        """The document as written: the keys it was given (or read with), in field order."""
        return self.model_dump(by_alias=True, exclude_unset=True)


class RunDocument(BaseModel):
    """run.json ("crosstalk.run/2"): what ran, each session's result and the run's outcome."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    schema_id: str = Field(default=RUN_SCHEMA, alias="schema")
    outcome: str | None = None
    passed: bool | None = None
    run_id: str | None = None
    directory: str | None = None
    sessions: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    cancelled: bool = False
    shard: dict[str, int] | None = None
    concurrency: int | None = None
    not_run: list[str] = Field(default_factory=list)
    merged_from: list[dict[str, Any]] | None = None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_unset=True)
