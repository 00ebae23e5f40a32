"""Write generated personas and scenarios: validated as `run` loads them, never over a file.

Each pair is first written to a scratch folder and loaded there (schema, persona reference, the
agent's own description: tool names, `db_state` SQL); only a pair that loads is copied into
`personas/` and `scenarios/` under the output folder. A pair whose files exist with the same
text is skipped; a name taken by other content gets the next free `_2`, `_3`, ... suffix. Every
file starts with a comment saying where it came from.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import CrosstalkError
from ..runner import load_all


@dataclass(frozen=True)
class Pair:
    """One persona and the scenarios calling it, ready to write: the persona is `key`, each
    scenario `key` + its suffix ("" for the first)."""

    key: str
    header: str  # comment lines, without the leading "# "
    persona: dict[str, Any]
    scenarios: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Written:
    key: str  # the name written, or the one skipped
    status: str  # wrote | skipped | dropped
    detail: str
    scenario_paths: tuple[Path, ...] = ()
    persona_path: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.key,
            "status": self.status,
            "detail": self.detail,
            "scenarios": [str(path) for path in self.scenario_paths],
            "persona": str(self.persona_path) if self.persona_path else None,
        }


def _render(header: str, document: dict[str, Any]) -> str:
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)


def _texts(pair: Pair, name: str, out: Path) -> dict[Path, str]:
    """Each file of the pair under `out` (the persona first) and its text."""
    texts = {
        out / "personas" / f"{name}.yaml": _render(pair.header, {"name": name, **pair.persona})
    }
    for suffix, scenario in pair.scenarios.items():
        described = {"description": scenario.get("description", ""), "persona": name}
        document = {"name": f"{name}{suffix}", **described, **scenario}
        texts[out / "scenarios" / f"{name}{suffix}.yaml"] = _render(pair.header, document)
    return texts


def _problem(texts: dict[Path, str], out: Path) -> str | None:
    """Why the files do not load as `crosstalk run` would load them, or None."""
    with tempfile.TemporaryDirectory(prefix="crosstalk-generated-") as scratch:
        root = Path(scratch)
        scenarios = []
        for path, text in texts.items():
            copy = root / path.relative_to(out)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(text, encoding="utf-8")
            scenarios += [copy] if copy.parent.name == "scenarios" else []
        try:
            load_all(scenarios)
        except CrosstalkError as exc:
            return exc.message.replace(str(root) + "/", "")
    return None


def _free_name(pair: Pair, out: Path) -> tuple[str, bool]:
    """The first name whose files are all free, and whether an earlier one holds this very pair."""
    for number in range(1, 1000):
        name = pair.key if number == 1 else f"{pair.key}_{number}"
        texts = _texts(pair, name, out)
        if not any(path.exists() for path in texts):
            return name, False
        if all(
            path.exists() and path.read_text(encoding="utf-8") == t for path, t in texts.items()
        ):
            return name, True
    raise CrosstalkError(f"{out}: no free name for {pair.key} up to {pair.key}_999")


def write_pair(pair: Pair, out: Path) -> Written:
    """Validate `pair` and write it under `out` (personas/ and scenarios/), never over a file."""
    name, already = _free_name(pair, out)
    texts = _texts(pair, name, out)
    persona_path, *scenario_paths = texts
    if already:
        return Written(name, "skipped", "the same files exist", tuple(scenario_paths), persona_path)
    problem = _problem(texts, out)
    if problem is not None:
        return Written(pair.key, "dropped", f"does not validate: {problem}")
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as file:  # "x": fails rather than overwrite
            file.write(text)
    moved = f" ({pair.key} is taken)" if name != pair.key else ""
    listed = ", ".join(str(path) for path in texts)
    return Written(name, "wrote", f"wrote {listed}{moved}", tuple(scenario_paths), persona_path)
