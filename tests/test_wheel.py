"""crosstalk in someone else's repository: the wheel, installed into a fresh virtualenv outside
this checkout, scaffolds and tests a small agent in a repository that has its own `harness`.

The README's install section shows these same commands. The dependencies come into the fresh
virtualenv from a cached one that pip filled from the wheel's own metadata and then removed
crosstalk from, so pip still checks that the wheel's requirements are met (no `--no-deps`), and
nothing of crosstalk can come from anywhere but the wheel. The first run on a machine pays for
that cache (a few minutes); later runs reuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO

pytestmark = pytest.mark.e2e

USER_REPO = FIXTURES / "user_repo"
OWN_HARNESS = 'def greet() -> str:\n    return "their own harness"\n'
OWN_TEST = (
    "from harness import greet\n\n\n"
    "def test_their_harness_is_theirs():\n"
    '    assert greet() == "their own harness"\n'
)


def _sh(*command: str | Path, cwd: Path, env: dict[str, str], timeout: float = 600):
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return result


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """`pip wheel` of a copy of the checkout (the build leaves nothing in the checkout)."""
    source = tmp_path_factory.mktemp("source") / "crosstalk"

    def ignore(folder: str, names: list[str]) -> set[str]:
        """What is not source: the virtualenv, run directories and build leftovers."""
        top = {".git", ".venv", "reports", "build"} if Path(folder) == REPO else set()
        return {n for n in names if n in top or n.endswith(".egg-info") or n == "__pycache__"}

    shutil.copytree(REPO, source, ignore=ignore)
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, source]
    _ok(_sh(*command, cwd=dist, env=dict(os.environ)))
    [built] = dist.glob("crosstalk_voice-*.whl")
    return built


def _requirements(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(name).decode()
    return sorted(
        line.split(":", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    )


def _dependencies_venv(wheel: Path) -> Path:
    """A virtualenv with the wheel's dependencies (and pytest) and without crosstalk, cached."""
    key = hashlib.sha256("\n".join([sys.version, *_requirements(wheel)]).encode()).hexdigest()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    venv = cache / "crosstalk-tests" / f"wheel-deps-{key[:16]}"
    if (venv / "ready").is_file():
        return venv
    building = venv.with_name(venv.name + f".{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    env = dict(os.environ)
    _ok(_sh(sys.executable, "-m", "venv", building, cwd=cache, env=env))
    pip = [building / "bin" / "python", "-m", "pip", "-q"]
    _ok(_sh(*pip, "install", wheel, "pytest", cwd=cache, env=env, timeout=1800))
    _ok(_sh(*pip, "uninstall", "-y", "crosstalk-voice", cwd=cache, env=env))
    (building / "ready").write_text("")
    shutil.rmtree(venv, ignore_errors=True)
    building.rename(venv)
    return venv


def _site_packages(venv: Path) -> Path:
    [found] = (venv / "lib").glob("python3*/site-packages")
    return found


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    """A new virtualenv outside the checkout, with crosstalk installed from the wheel only."""
    deps = _dependencies_venv(wheel)
    venv = tmp_path_factory.mktemp("elsewhere") / "venv"
    _ok(_sh(sys.executable, "-m", "venv", venv, cwd=venv.parent, env=dict(os.environ)))
    (_site_packages(venv) / "dependencies.pth").write_text(f"{_site_packages(deps)}\n")
    pip = [venv / "bin" / "python", "-m", "pip", "install", "-q", wheel]
    _ok(_sh(*pip, cwd=venv.parent, env=dict(os.environ)))
    return venv


@pytest.fixture(scope="module")
def user_repo(fresh_venv, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """An empty git repository with its own `harness` package, then `crosstalk init`."""
    repo = tmp_path_factory.mktemp("their_repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTHON"))}
    env.update(PATH=f"{fresh_venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", PYTHONPATH=str(repo))
    _ok(_sh("git", "init", "-q", cwd=repo, env=env))
    (repo / "harness").mkdir()
    (repo / "harness" / "__init__.py").write_text(OWN_HARNESS)
    (repo / "tests").mkdir()
    (repo / "tests" / "test_own.py").write_text(OWN_TEST)
    shutil.copytree(USER_REPO, repo, dirs_exist_ok=True)
    init = _ok(_sh("crosstalk", "init", "--agent", "shop_agent:create_agent", cwd=repo, env=env))
    assert "wrote scenarios/first_call.yaml" in init.stdout
    return repo, env


def test_the_wheel_carries_the_library_and_unique_import_names(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "crosstalk_harness/library/judges/task_completion.yaml" in names
    assert "crosstalk_harness/library/personas/order_status_caller.yaml" in names
    assert "crosstalk_harness/library/scenarios/suites/smoke.yaml" in names
    assert not [n for n in names if n.split("/")[0] in ("harness", "agent_under_test")]
    assert "livekit-agents==" not in "".join(_requirements(wheel))


@pytest.mark.slow
def test_init_and_validate_in_their_repository(user_repo):
    repo, env = user_repo
    assert "reports/" in (repo / ".gitignore").read_text().splitlines()
    assert (repo / ".github" / "workflows" / "crosstalk.yml").is_file()
    _ok(
        _sh(
            "crosstalk",
            "validate",
            "scenarios/",
            "scenarios/suites/",
            "personas/",
            cwd=repo,
            env=env,
        )
    )
    listed = json.loads(_ok(_sh("crosstalk", "list", "--json", cwd=repo, env=env)).stdout)
    origins = {(row["name"], row["origin"]) for row in listed["entries"]}
    assert {("task_completion", "built-in"), ("order_checker", "project")} <= origins


@pytest.mark.slow
def test_their_own_pytest_still_runs_with_crosstalk_installed(user_repo):
    repo, env = user_repo
    result = _ok(
        _sh(
            "python",
            "-m",
            "pytest",
            "tests/test_own.py",
            "-q",
            "-p",
            "no:cacheprovider",
            cwd=repo,
            env=env,
        )
    )
    assert "1 passed" in result.stdout
    plugin = _ok(_sh("python", "-m", "pytest", "--help", cwd=repo, env=env))
    assert "--crosstalk" in plugin.stdout  # the plugin is loaded, and harmless


@pytest.mark.slow
def test_pytest_crosstalk_places_their_agents_call_with_its_tool(user_repo):
    repo, env = user_repo
    result = _sh(
        "python",
        "-m",
        "pytest",
        "--crosstalk",
        "--crosstalk-allow-inconclusive",  # the rubric has no judge model offline
        "scenarios/order_lookup.yaml",
        "-q",
        "-p",
        "no:cacheprovider",
        cwd=repo,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed" in result.stdout
    [run] = (repo / "reports").iterdir()
    [session] = json.loads((run / "results.json").read_text())["sessions"]
    # nothing failed; task_completion was named but not run (no judge model offline)
    assert session["outcome"] == "inconclusive", session
    [judgement] = run.glob("*/judgement.json")
    text = judgement.read_text()
    verdicts = {v["judge"]: v for v in json.loads(text)["verdicts"]}
    assert verdicts["tool_called"]["status"] == "passed", verdicts
    assert "lookup_order with order_id 42791" in verdicts["tool_called"]["reason"]
    assert "task_completion" in text and "not_run" in text
