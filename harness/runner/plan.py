"""From the paths a user gives to the list of sessions to run: suites expanded, tags applied.

A path is a scenario file, a suite file or a folder (its `*.yaml` files, in name order). A suite
runs each of its scenarios once per persona × channel of its matrix, `repeats` times; each
repeat gets its own seed (`seed + repeat`), so repeats differ where chance plays a part (noise,
loss, a persona's barge-ins) and the same repeat is the same call every time. The persona's
own `channel` and the matrix channel are added to the scenario's link impairments.
"""

from __future__ import annotations

import dataclasses
import glob
from dataclasses import dataclass
from pathlib import Path

from ..config import LoadedScenario, load_scenario
from ..config.load import check_caller, file_kind, load_persona, load_suite
from ..config.models import ImpairmentsConfig, Suite
from ..errors import ConfigError
from ..library import absolute, find


@dataclass(frozen=True)
class SessionPlan:
    """One call to place: the scenario as it will run, and its place in the suite."""

    loaded: LoadedScenario
    repeat: int = 0
    repeats: int = 1
    variant: str = ""  # the matrix cell: persona and/or channel label
    tags: tuple[str, ...] = ()
    suite: str | None = None
    mode: str = "audio"  # or "text": the same call in text turns (transport/text_link.py)

    @property
    def label(self) -> str:
        """`scenario[-variant][-rN][-text]`: what the session directory is named after."""
        parts = [self.loaded.scenario.name, self.variant]
        if self.repeats > 1:
            parts.append(f"r{self.repeat + 1}")
        if self.mode != "audio":
            parts.append(self.mode)
        return "-".join(part for part in parts if part)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their `*.yaml` files in name order (not their
    subfolders); a bare name that is no file is a scenario or suite by name, the project's
    `scenarios/` (and `scenarios/suites/`) first, then the built-in library's."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise ConfigError(f"{path}: no scenario files (*.yaml) in this folder")
            expanded.extend(found)
        elif path.exists():
            expanded.append(path)
        elif (named := _by_name(path)) is not None:
            expanded.append(named)
        else:
            raise ConfigError(
                f"{path}: no such file or folder",
                hint="`crosstalk list` shows the scenarios and suites that can be named",
            )
    return expanded


def _by_name(path: Path) -> Path | None:
    if len(path.parts) != 1 or path.suffix in (".yaml", ".yml"):
        return None
    return find("scenario", path.name)


def _merge(*parts: ImpairmentsConfig) -> ImpairmentsConfig:
    return ImpairmentsConfig(
        caller_to_agent=[item for part in parts for item in part.caller_to_agent],
        agent_to_caller=[item for part in parts for item in part.agent_to_caller],
    )


def _with_channel(loaded: LoadedScenario, channel: ImpairmentsConfig | None) -> LoadedScenario:
    link = loaded.scenario.link
    impairments = _merge(link.impairments, loaded.persona.channel, channel or ImpairmentsConfig())
    scenario = loaded.scenario.model_copy(
        update={"link": link.model_copy(update={"impairments": impairments})}
    )
    return dataclasses.replace(loaded, scenario=scenario)


def _repeated(
    loaded: LoadedScenario, repeats: int, variant: str, tags: tuple[str, ...], suite: str | None
) -> list[SessionPlan]:
    plans = []
    for repeat in range(repeats):
        scenario = loaded.scenario.model_copy(update={"seed": loaded.scenario.seed + repeat})
        plans.append(
            SessionPlan(
                dataclasses.replace(loaded, scenario=scenario),
                repeat,
                repeats,
                variant,
                tags,
                suite,
            )
        )
    return plans


def _suite_scenarios(suite: Suite, suite_path: Path, where: str) -> list[Path]:
    found: list[Path] = []
    for entry in suite.scenarios:
        pattern = str(absolute(suite_path).parent / entry)
        matches = sorted(absolute(Path(match)) for match in glob.glob(pattern))
        if not matches:
            raise ConfigError(f"{where}: scenarios: {entry!r} matches no file")
        found.extend(expand_paths(matches))
    return found


def plan_suite(path: Path) -> list[SessionPlan]:
    suite, document = load_suite(path)
    plans: list[SessionPlan] = []
    personas = [
        load_persona(name, path, document.where(("matrix", "personas", index)))
        for index, name in enumerate(suite.matrix.personas)
    ]
    channels: list[tuple[str, ImpairmentsConfig | None]] = list(suite.matrix.channels.items())
    for scenario_path in _suite_scenarios(suite, path, document.where(("scenarios",))):
        base = load_scenario(scenario_path)
        tags = tuple(dict.fromkeys([*base.scenario.tags, *suite.tags]))
        repeats = suite.repeats or base.scenario.repeats
        for persona, persona_path in personas or [(base.persona, base.persona_path)]:
            check_caller(base.scenario, persona, persona_path, base.scenario_document)
            with_persona = dataclasses.replace(
                base,
                persona=persona,
                persona_path=persona_path,
                scenario=base.scenario.model_copy(update={"persona": str(persona_path)}),
            )
            for label, channel in channels or [("", None)]:
                variant = "-".join(
                    part for part in (persona.name if personas else "", label) if part
                )
                cell = _with_channel(with_persona, channel)
                plans.extend(_repeated(cell, repeats, variant, tags, suite.suite))
    return plans


def _on_backends(plan: SessionPlan, backends: dict[str, str]) -> SessionPlan:
    scenario = plan.loaded.scenario
    update = {
        side: getattr(scenario, side).model_copy(update={"backend": backend})
        for side, backend in backends.items()
    }
    loaded = dataclasses.replace(plan.loaded, scenario=scenario.model_copy(update=update))
    return dataclasses.replace(plan, loaded=loaded)


def plan_sessions(
    paths: list[Path],
    tags: list[str] | None = None,
    backends: dict[str, str] | None = None,
    mode: str | None = None,
) -> list[SessionPlan]:
    """Every session the paths ask for, in order; with `tags`, only those with one of them.

    `backends` ({"agent": "openai"}, say) overrides the scenarios' backend of those sides;
    `mode` (audio, text or both) the suites' `mode:` (a scenario alone runs in audio).
    """
    plans: list[SessionPlan] = []
    for path in expand_paths(paths):
        if file_kind(path) == "suite":
            plans.extend(in_modes(plan_suite(path), mode or load_suite(path)[0].mode))
            continue
        if file_kind(path) == "persona":
            raise ConfigError(
                f"{path}: this is a persona; run a scenario that names it",
                hint=f"crosstalk new scenario NAME, with `persona: {path.stem}`",
            )
        loaded = load_scenario(path)
        repeated = _repeated(
            _with_channel(loaded, None),
            loaded.scenario.repeats,
            "",
            tuple(loaded.scenario.tags),
            None,
        )
        plans.extend(in_modes(repeated, mode or "audio"))
    if tags:
        plans = [plan for plan in plans if set(tags) & set(plan.tags)]
    if backends:
        plans = [_on_backends(plan, backends) for plan in plans]
    return plans


def in_modes(plans: list[SessionPlan], mode: str) -> list[SessionPlan]:
    """The sessions in `mode`; "both" places each twice, its text twin first (seconds)."""
    modes = ("text", "audio") if mode == "both" else (mode,)
    return [dataclasses.replace(plan, mode=each) for plan in plans for each in modes]


def suite_concurrency(paths: list[Path]) -> int:
    """Sessions at once that the suites among `paths` ask for (the largest), or 1."""
    suites = [path for path in expand_paths(paths) if file_kind(path) == "suite"]
    return max((load_suite(path)[0].concurrency for path in suites), default=1)
