"""Install-time names and the built-in library.

The folders `harness/` and `agent_under_test/` install as `crosstalk_harness` and
`crosstalk_agent`, so crosstalk never shadows a user's own `harness` or `agent_under_test`. The
repository's `judges/`, `personas/` and `scenarios/` (the product is specified with them, so
they stay at the top) install inside the package as `crosstalk_harness/library/<folder>`, where
`crosstalk_harness.library.library_root()` finds them.

Everything else about the distribution is in pyproject.toml; only the renamed package list, the
library's data packages and the data files of both (one `package_data`, since pyproject's
static tables cannot express the computed names) are here.
"""

from pathlib import Path

from setuptools import find_packages, setup

IMPORT_NAMES = {"harness": "crosstalk_harness", "agent_under_test": "crosstalk_agent"}
LIBRARY = ("judges", "personas", "scenarios")


def renamed_packages() -> list[str]:
    found = find_packages(include=[f"{folder}*" for folder in IMPORT_NAMES])
    return [IMPORT_NAMES[name.split(".")[0]] + name[len(name.split(".")[0]) :] for name in found]


def library_packages() -> dict[str, str]:
    """Data-only packages, one per library folder and subfolder: import name -> folder."""
    packages = {}
    for top in LIBRARY:
        for folder in [Path(top), *sorted(p for p in Path(top).rglob("*") if p.is_dir())]:
            packages["crosstalk_harness.library." + ".".join(folder.parts)] = folder.as_posix()
    return packages


setup(
    packages=[*renamed_packages(), *library_packages()],
    package_dir={
        **{name: folder for folder, name in IMPORT_NAMES.items()},
        **library_packages(),
    },
    package_data={
        "crosstalk_harness.reports": ["templates/*"],
        "crosstalk_agent": ["data/*.sql", "data/*.yaml", "data/kb/*.md"],
        **{name: ["*.yaml", "*.yml", "*.md"] for name in library_packages()},
    },
)
