"""Install-time names: the folders `harness/` and `agent_under_test/` install as `crosstalk_harness`
and `crosstalk_agent`, so crosstalk never shadows a user's own `harness` or `agent_under_test`.

Everything else about the distribution is in pyproject.toml; only the renamed package list, which
pyproject's static `packages.find` cannot express, is computed here.
"""

from setuptools import find_packages, setup

IMPORT_NAMES = {"harness": "crosstalk_harness", "agent_under_test": "crosstalk_agent"}


def renamed_packages() -> list[str]:
    found = find_packages(include=[f"{folder}*" for folder in IMPORT_NAMES])
    return [IMPORT_NAMES[name.split(".")[0]] + name[len(name.split(".")[0]) :] for name in found]


setup(
    packages=renamed_packages(),
    package_dir={name: folder for folder, name in IMPORT_NAMES.items()},
)
