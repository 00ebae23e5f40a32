"""Rubrics (`judges/*.yaml`): named criteria with a scale, anchors, a weight and a pass threshold.

A rubric is found by name in a `judges/` folder near the scenario, in the current directory, and
finally among the rubrics shipped with crosstalk (`crosstalk_harness.library`); or by a path to
its YAML file, relative to the scenario. Rubric files are validated like scenarios: each error
names file:line and field.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..errors import ConfigError
from ..library import absolute, find, known_names, library_root, search_folders
from ..rundir.layout import PROBES_FILE
from ..yaml_models import parse_model

Scale = Literal["pass_fail", "1-5"]
Side = Literal["agent", "caller"]
SCALE_LEVELS: dict[str, tuple[str, ...]] = {
    "pass_fail": ("pass", "fail"),
    "1-5": ("1", "2", "3", "4", "5"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Criterion(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    description: str = Field(description="what the judge looks for")
    scale: Scale = "pass_fail"
    anchors: dict[str, str] = Field(
        default_factory=dict,
        description="what each level means: 1..5 (all five) for 1-5; pass/fail for pass_fail",
    )
    weight: float = Field(1.0, gt=0)
    pass_threshold: int = Field(
        4, ge=1, le=5, description="lowest passing score on the 1-5 scale (unused for pass_fail)"
    )

    @field_validator("anchors", mode="before")
    @classmethod
    def _keys_as_text(cls, anchors: Any) -> Any:
        return (
            {str(key): value for key, value in anchors.items()}
            if isinstance(anchors, dict)
            else anchors
        )

    @model_validator(mode="after")
    def _anchors_match_scale(self) -> Criterion:
        levels = SCALE_LEVELS[self.scale]
        unknown = sorted(set(self.anchors) - set(levels))
        if unknown:
            raise ValueError(f"anchors {unknown} are not levels of the {self.scale} scale {levels}")
        if self.scale == "1-5" and set(self.anchors) != set(levels):
            missing = [level for level in levels if level not in self.anchors]
            raise ValueError(f"the 1-5 scale needs an anchor for every level (missing {missing})")
        return self

    @property
    def max_score(self) -> float:
        return 1.0 if self.scale == "pass_fail" else 5.0

    @property
    def levels(self) -> tuple[str, ...]:
        return SCALE_LEVELS[self.scale]

    def passes(self, score: float) -> bool:
        return score >= (1 if self.scale == "pass_fail" else self.pass_threshold)


class Example(_Strict):
    """A worked example shown to the judge (few-shot): a short transcript and how it scores."""

    transcript: str
    scores: dict[str, str] = Field(description="criterion name -> level")
    rationale: str = ""

    @field_validator("scores", mode="before")
    @classmethod
    def _levels_as_text(cls, scores: Any) -> Any:
        return (
            {key: str(value) for key, value in scores.items()}
            if isinstance(scores, dict)
            else scores
        )


class Rubric(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str
    instructions: str = Field("", description="extra guidance for the judge")
    sees_probes: bool = Field(
        False, description=f"show the judge the timing probes ({PROBES_FILE})"
    )
    input: Literal["transcript", "audio"] = Field(
        "transcript",
        description="audio: the judge also hears the turns of `listen_to`, cut from the recording",
    )
    listen_to: list[Side] = Field(
        default_factory=lambda: ["agent"],
        min_length=1,
        description="whose turns an audio rubric sends: agent, caller or both",
    )
    criteria: list[Criterion] = Field(min_length=1)
    examples: list[Example] = Field(default_factory=list)

    @property
    def hears_audio(self) -> bool:
        return self.input == "audio"

    @model_validator(mode="after")
    def _unique_criteria_and_known_examples(self) -> Rubric:
        names = [criterion.name for criterion in self.criteria]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"criterion names must be unique (repeated: {repeated})")
        by_name = {criterion.name: criterion for criterion in self.criteria}
        for example in self.examples:
            for name, level in example.scores.items():
                if name not in by_name:
                    raise ValueError(f"example scores unknown criterion {name!r}")
                if level not in by_name[name].levels:
                    raise ValueError(f"example level {level!r} is not on {name}'s scale")
        return self

    def criterion(self, name: str) -> Criterion | None:
        return next((c for c in self.criteria if c.name == name), None)


def shipped_rubrics() -> Path:
    """The folder of the rubrics that come with crosstalk."""
    return library_root() / "judges"


def rubric_path(reference: str, scenario_path: Path | None) -> Path | None:
    """The YAML file `reference` names (a rubric name or a path), or None if there is none."""
    if reference.endswith((".yaml", ".yml")):
        given = Path(reference)
        if scenario_path is not None and not given.is_absolute():
            given = absolute(scenario_path).parent / given  # never the cwd's file of that name
        return given if given.is_file() else None
    return find("rubric", reference, scenario_path)


def unknown_rubric_message(reference: str, scenario_path: Path | None) -> str:
    close = difflib.get_close_matches(reference, known_names("rubric", scenario_path), n=1)
    if close:
        return f"no rubric {reference!r} (did you mean {close[0]!r}?)"
    if reference.endswith((".yaml", ".yml")):
        message = f"no rubric file {reference!r} (paths are relative to the scenario"
        if scenario_path is not None and not Path(reference).is_absolute():
            message += f": looked for {absolute(scenario_path).parent / reference}"
            if Path(reference).is_file():
                message += f"; {reference} exists relative to the current directory, not there"
        return message + ")"
    looked = ", ".join(str(folder.path) for folder in search_folders("rubric", scenario_path))
    return f"no rubric {reference!r} (looked in {looked})"


def load_rubric(reference: str, scenario_path: Path | None = None) -> Rubric:
    path = rubric_path(reference, scenario_path)
    if path is None:
        raise ConfigError(
            unknown_rubric_message(reference, scenario_path),
            hint="name a file in judges/ without .yaml, or give a path to the YAML file",
        )
    return parse_model(Rubric, path)
