"""The built-in library (rubrics, personas, scenarios and suites) and how names are looked up.

In a source checkout the library is the repository's own `judges/`, `personas/` and `scenarios/`;
an installed wheel carries copies of them inside this package (see setup.py). A name in a file is
looked up next to that file (its folder and up to two folders above), then in the library, so a
user's own `personas/NAME.yaml` or `judges/NAME.yaml` overrides the built-in one of the same name.
The current directory is searched only for a name given on the command line (no naming file):
a scenario means the same file wherever it is run from, and never picks up a same-named file
from whatever folder the command happens to run in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["persona", "rubric", "scenario"]
FOLDERS: dict[Kind, tuple[str, ...]] = {
    "persona": ("personas",),
    "rubric": ("judges",),
    "scenario": ("scenarios", "scenarios/suites"),
}
ABOVE_THE_NAMING_FILE = 2  # scenarios/suites/smoke.yaml still finds the project's personas/


def library_root() -> Path:
    """The folder holding the built-in judges/, personas/ and scenarios/.

    Inside an installed wheel they sit in this package; in an editable install this package
    holds only code and they are the checkout's top-level folders.
    """
    packaged = Path(__file__).resolve().parent
    if (packaged / "judges").is_dir():
        return packaged
    return packaged.parents[1]


@dataclass(frozen=True)
class Folder:
    path: Path
    origin: Literal["project", "built-in"]


def absolute(path: Path) -> Path:
    """`path` made absolute and free of `..`, without following symlinks."""
    return Path(os.path.abspath(path))


def search_folders(kind: Kind, naming_file: Path | None = None) -> list[Folder]:
    """Where a `kind` named without a path is looked for, in order, nearest first."""
    if naming_file is not None:
        here = absolute(naming_file).parent
        bases = [here, *list(here.parents)[:ABOVE_THE_NAMING_FILE]]
    else:
        bases = [absolute(Path.cwd())]
    library = [library_root() / sub for sub in FOLDERS[kind]]
    folders = [
        Folder(path, "built-in" if path in library else "project")
        for path in [*(base / sub for base in bases for sub in FOLDERS[kind]), *library]
    ]
    unique: dict[Path, Folder] = {}
    for folder in folders:
        unique.setdefault(folder.path, folder)
    return list(unique.values())


def find(kind: Kind, name: str, naming_file: Path | None = None) -> Path | None:
    """The YAML file `name` stands for, or None if no folder has one."""
    for folder in search_folders(kind, naming_file):
        for suffix in (".yaml", ".yml"):
            path = folder.path / f"{name}{suffix}"
            if path.is_file():
                return path
    return None


@dataclass(frozen=True)
class Entry:
    kind: Kind
    name: str
    path: Path
    origin: Literal["project", "built-in"]
    overrides: Path | None = None  # the built-in file a project file of the same name hides


def entries(kind: Kind, naming_file: Path | None = None) -> list[Entry]:
    """Every `kind` reachable by name, the one that wins for each name, sorted by name."""
    found: dict[str, Entry] = {}
    for folder in search_folders(kind, naming_file):
        for path in sorted([*folder.path.glob("*.yaml"), *folder.path.glob("*.yml")]):
            winner = found.get(path.stem)
            if winner is None:
                found[path.stem] = Entry(kind, path.stem, path, folder.origin)
            elif winner.origin == "project" and folder.origin == "built-in":
                found[path.stem] = Entry(kind, path.stem, winner.path, "project", path)
    return [found[name] for name in sorted(found)]


def known_names(kind: Kind, naming_file: Path | None = None) -> list[str]:
    return [entry.name for entry in entries(kind, naming_file)]
