"""Calibration: run the LLM judge on human-labelled transcripts and measure agreement.

A labelled item is a YAML file (see judges/calibration/): the rubric, a short transcript, the
agent's logged events and timing if the rubric needs them, and a human pass/fail per criterion.
An item for an audio rubric also has a call to hear (`audio:` a recording beside it, or
`spoken`: built from each turn's `delivery`, spoken_items.py) and may give tone labels per
turn (`tone:`, tone_labels.py) instead of `labels`. A run directory counts as a folder of items
too: every session a person gave tone labels by ear (`crosstalk review --tone`) is one.
Agreement is reported per criterion and overall as accuracy and Cohen's kappa.
"""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import ConfigError
from ..rundir.documents import read_transcript
from ..rundir.layout import RunPaths
from ..rundir.models import AgentEvent, Turn
from ..yaml_models import parse_model
from .llm import LlmJudge
from .review import tone_labels
from .rubrics import load_rubric
from .session_data import SessionData
from .settings import JudgeSettings
from .spoken_items import Delivery, SpokenTurn, build_recording
from .tone_labels import LABEL_CHOICES, TONE_RUBRIC, criterion_labels

Label = Literal["pass", "fail"]
ToneLabel = Literal[LABEL_CHOICES]  # type: ignore[valid-type]
SPOKEN = "spoken"
_CONCURRENT_ITEMS = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LabelledTurn(_Strict):
    speaker: Literal["agent", "caller"]
    text: str
    start_s: float | None = None
    end_s: float | None = None
    interrupted: bool = False
    delivery: Delivery = Field(default_factory=Delivery, description="how `audio: spoken` says it")


class LabelledEvent(_Strict):
    t: float | None = None
    type: str
    data: dict[str, Any] = Field(default_factory=dict)


class LabelledItem(_Strict):
    """One transcript with a human's pass/fail for each criterion of its rubric."""

    rubric: str
    note: str = Field("", description="what this item tests, for people")
    context: str = ""
    turns: list[LabelledTurn] = Field(min_length=1)
    agent_events: list[LabelledEvent] = Field(default_factory=list)
    probes: dict[str, Any] = Field(default_factory=dict)
    audio: str | None = Field(
        None, description=f"a stereo recording beside the item, or {SPOKEN!r}: spoken as written"
    )
    tone: dict[int, ToneLabel] = Field(
        default_factory=dict, description="turn number -> tone label; labels follow from them"
    )
    labels: dict[str, Label] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _labelled(self) -> LabelledItem:
        if self.tone and not self.labels:
            object.__setattr__(self, "labels", criterion_labels(self.tone))
        if not self.labels:
            raise ValueError("give `labels` (criterion: pass|fail) or `tone` (turn: label)")
        return self

    def session(self, path: Path, scratch: Path) -> SessionData:
        """The item as a session; a `spoken` call is built in `scratch` first."""
        rows = [t.model_dump(exclude={"delivery"}) for t in self.turns]
        recording = None
        if self.audio == SPOKEN:
            recording = scratch / f"{path.stem}.wav"
            spoken = [SpokenTurn(t.speaker, t.text, t.delivery) for t in self.turns]
            for row, (start, end) in zip(rows, build_recording(spoken, recording), strict=True):
                row.update(start_s=start, end_s=end)
        elif self.audio is not None:
            recording = path.parent / self.audio
        turns = tuple(Turn(number=i, **row) for i, row in enumerate(rows, start=1))
        events = tuple(AgentEvent(**e.model_dump()) for e in self.agent_events)
        return SessionData(
            path.parent, turns, probes=self.probes, agent_events=events, recording=recording
        )


def reviewed_items(run_dir: Path) -> list[tuple[Path, LabelledItem]]:
    """One item per session of `run_dir` that a person gave tone labels by ear."""
    items = []
    for paths in RunPaths(run_dir).judged_sessions():
        tone = tone_labels(paths.directory)
        if not criterion_labels(tone):
            continue
        turns = [
            LabelledTurn(
                speaker=t.speaker if t.speaker == "caller" else "agent",
                text=t.text,
                start_s=t.start_s,
                end_s=t.end_s,
                interrupted=t.interrupted,
            )
            for t in read_transcript(paths.directory).turns
        ]
        note = f"labelled by ear in {run_dir.name}/{paths.directory.name}"
        item = LabelledItem(
            rubric=TONE_RUBRIC, note=note, turns=turns, audio=str(paths.recording), tone=tone
        )
        items.append((paths.directory, item))
    return items


def load_items(labels: Path) -> list[tuple[Path, LabelledItem]]:
    if labels.is_dir() and RunPaths(labels).judged_sessions():
        items = reviewed_items(labels)
        if not items:
            raise ConfigError(
                f"{labels}: no session here has tone labels",
                hint="label turns by ear first: crosstalk review RUN_DIR --tone",
            )
        return items
    paths = sorted(labels.glob("*.yaml")) if labels.is_dir() else [labels]
    if not paths:
        raise ConfigError(f"{labels}: no labelled items (*.yaml) in this folder")
    items = []
    for path in paths:
        item = parse_model(LabelledItem, path)
        rubric = load_rubric(item.rubric, path)
        unknown = sorted(set(item.labels) - {c.name for c in rubric.criteria})
        if unknown:
            raise ConfigError(f"{path}: labels: {unknown} are not criteria of {rubric.name}")
        items.append((path, item))
    return items


def cohens_kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Agreement beyond chance between human and judge; None when chance agreement is total."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(h == j for h, j in pairs) / n
    human_yes = sum(h for h, _ in pairs) / n
    judge_yes = sum(j for _, j in pairs) / n
    expected = human_yes * judge_yes + (1 - human_yes) * (1 - judge_yes)
    if expected >= 1.0:
        return None
    return round((observed - expected) / (1 - expected), 4)


@dataclass
class Agreement:
    name: str
    pairs: list[tuple[bool, bool]] = field(default_factory=list)

    @property
    def accuracy(self) -> float | None:
        if not self.pairs:
            return None
        return round(sum(h == j for h, j in self.pairs) / len(self.pairs), 4)

    @property
    def kappa(self) -> float | None:
        return cohens_kappa(self.pairs)

    def to_json(self) -> dict[str, Any]:
        human_passes = sum(h for h, _ in self.pairs)
        return {
            "criterion": self.name,
            "n": len(self.pairs),
            "human_passes": human_passes,
            "accuracy": self.accuracy,
            "kappa": self.kappa,
        }


@dataclass
class CalibrationResult:
    model: str
    items: int
    criteria: list[Agreement]
    overall: Agreement
    errors: list[str]
    disagreements: list[str]
    usage: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "items": self.items,
            "overall": self.overall.to_json(),
            "criteria": [agreement.to_json() for agreement in self.criteria],
            "errors": self.errors,
            "disagreements": self.disagreements,
            "usage": self.usage,
        }


async def calibrate(labels: Path, settings: JudgeSettings) -> CalibrationResult:
    items = await asyncio.to_thread(load_items, labels)
    judge = LlmJudge(settings)
    limit = asyncio.Semaphore(_CONCURRENT_ITEMS)
    by_criterion: dict[str, Agreement] = {}
    overall = Agreement("overall")
    errors: list[str] = []
    disagreements: list[str] = []
    spent: dict[str, Any] = {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": 0.0}

    async def one(path: Path, item: LabelledItem) -> None:
        rubric = load_rubric(item.rubric, path)
        async with limit:
            session = await asyncio.to_thread(item.session, path, scratch)
            verdict, usage = await judge.judge(rubric, session, item.context)
        spent["prompt_tokens"] += usage.prompt_tokens
        spent["completion_tokens"] += usage.completion_tokens
        if spent["cost_usd"] is not None and usage.cost_usd is not None:
            spent["cost_usd"] = round(spent["cost_usd"] + usage.cost_usd, 6)
        else:
            spent["cost_usd"] = None
        if verdict.status == "error":
            errors.append(f"{path.name}: {verdict.reason}")
        judged = {c.name: c.passed for c in verdict.criteria}
        for name, label in item.labels.items():
            human, machine = label == "pass", judged.get(name, False)  # errors fail closed
            key = f"{rubric.name}.{name}"
            by_criterion.setdefault(key, Agreement(key)).pairs.append((human, machine))
            overall.pairs.append((human, machine))
            if human != machine:
                disagreements.append(
                    f"{path.name}: {key}: human {label}, judge {'pass' if machine else 'fail'}"
                )

    with tempfile.TemporaryDirectory(prefix="crosstalk-calibration-") as folder:
        scratch = Path(folder)
        try:
            await asyncio.gather(*(one(path, item) for path, item in items))
        finally:
            await judge.aclose()
    return CalibrationResult(
        model=str(settings.model),
        items=len(items),
        criteria=[by_criterion[key] for key in sorted(by_criterion)],
        overall=overall,
        errors=sorted(errors),
        disagreements=sorted(disagreements),
        usage=spent,
    )
