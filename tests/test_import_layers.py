"""The import graph of harness/ and agent_under_test/: no circles, no import pointing up a layer.

Every import counts: module level, inside functions and under `TYPE_CHECKING` (the circles this
test was written against hid in the last two). The layer order below is the declared architecture
(README, "How it fits together"); a unit may import itself and any unit of a lower layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FOLDERS = {"harness": "crosstalk_harness", "agent_under_test": "crosstalk_agent"}

# Top to bottom. Units of one layer may not import each other.
LAYERS: list[set[str]] = [
    {"harness.__main__", "agent_under_test.__main__"},
    {"harness.cli", "harness.pytest_plugin"},
    {"harness.commands"},
    {"harness.generate"},
    {"harness.worker"},
    {"harness.runner"},
    {"harness.callers", "harness.transport"},
    {"harness.reports"},
    {"harness.config"},
    {"harness.judging"},
    {"harness.probes"},
    {"agent_under_test", "harness.testing"},
    {"harness.backends", "harness.brains", "harness.agent_description", "harness.library"},
    {
        "harness.rundir",
        "harness.audiofile",
        "harness.module_files",
        "harness.native_exit",
        "harness.yaml_models",
    },
    {"harness.errors", "harness"},
]


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def local_name(name: str) -> str:
    for folder, installed in FOLDERS.items():
        if name == installed or name.startswith(installed + "."):
            return folder + name[len(installed) :]
    return name


def imported_names(current: str, is_package: bool, node: ast.AST) -> list[str]:
    """Every module an import statement may name (`from a import b` may mean module `a.b`)."""
    if isinstance(node, ast.Import):
        return [local_name(alias.name) for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    if node.level:
        base = current.split(".") if is_package else current.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = local_name(node.module or "")
    return [stem] + [f"{stem}.{alias.name}" for alias in node.names]


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the project modules it imports, read with ast from every .py file."""
    paths = {module_name(root, p): p for f in FOLDERS for p in (root / f).rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            for target in imported_names(name, path.name == "__init__.py", node):
                # A module taking names from its own package's face is not a circle of design.
                if target in paths and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def unit_of(module: str) -> str:
    """The layered unit a module belongs to: the most specific name declared in LAYERS."""
    declared = set().union(*LAYERS)
    parts = module.split(".")
    for cut in range(len(parts), 0, -1):
        candidate = ".".join(parts[:cut])
        # `harness` names only the package's face (__version__), not every top-level module.
        if candidate in declared and (candidate != "harness" or module == "harness"):
            return candidate
    raise AssertionError(f"{module} is in no declared layer: add its package to LAYERS")


def layer_of(unit: str) -> int:
    return next(depth for depth, units in enumerate(LAYERS) if unit in units)


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    found = []
    for source, targets in graph.items():
        for target in targets:
            a, b = unit_of(source), unit_of(target)
            if a != b and layer_of(a) >= layer_of(b):
                found.append(f"{source} -> {target} ({a} may not import {b})")
    return sorted(found)


def test_the_project_has_no_import_circles():
    assert circles(import_graph(REPO)) == []


def test_every_import_points_down_the_declared_layers():
    assert upward_imports(import_graph(REPO)) == []


def test_every_module_sits_in_a_declared_layer():
    for module in import_graph(REPO):
        unit_of(module)


def _plant(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_circle_hidden_in_a_function_and_under_type_checking_is_found(tmp_path):
    _plant(
        tmp_path,
        {
            "harness/__init__.py": "",
            "harness/judging/__init__.py": "",
            "harness/judging/a.py": "def f():\n    from crosstalk_harness.judging import b\n",
            "harness/judging/b.py": (
                "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from .a import f\n"
            ),
            "agent_under_test/__init__.py": "",
        },
    )
    assert circles(import_graph(tmp_path)) == [["harness.judging.a", "harness.judging.b"]]


def test_an_import_up_a_layer_is_found(tmp_path):
    _plant(
        tmp_path,
        {
            "harness/__init__.py": "",
            "harness/probes/__init__.py": "",
            "harness/probes/timing.py": "def f():\n    import crosstalk_harness.reports.html\n",
            "harness/reports/__init__.py": "",
            "harness/reports/html.py": "from crosstalk_harness.probes import timing\n",
            "agent_under_test/__init__.py": "",
        },
    )
    assert upward_imports(import_graph(tmp_path)) == [
        "harness.probes.timing -> harness.reports.html "
        "(harness.probes may not import harness.reports)"
    ]
