"""Import a user's module (an agent factory, a check) by the file it names, not by its bare name.

`agent:create_agent` in `v1/scenario.yaml` and in `v2/scenario.yaml` name two files, `v1/agent.py`
and `v2/agent.py`. A plain `import_module("agent")` would hand the second scenario the first
one's cached module, so a module found beside the naming file is loaded from that file under a
name unique to its path; anything else is imported as usual (current directory, installed).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType


def _local_file(module_name: str, folder: Path) -> Path | None:
    stem = folder.joinpath(*module_name.split("."))
    for candidate in (stem.with_suffix(".py"), stem / "__init__.py"):
        if candidate.is_file():
            return candidate.resolve()
    return None


def import_user_module(module_name: str, folder: Path | None) -> ModuleType:
    """`module_name` from `folder` when it holds that file, else a normal import.

    Raises ImportError (the file's own import errors included) like `import_module`.
    """
    path = _local_file(module_name, folder) if folder is not None else None
    if path is None:
        if "" not in sys.path:
            sys.path.append("")  # the current directory, as on the command line
        return importlib.import_module(module_name)
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:12]
    unique = f"crosstalk_user_{digest}_{module_name.replace('.', '_')}"
    if unique in sys.modules:
        return sys.modules[unique]
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    # its own sibling imports (`import helpers`) resolve from its folder
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[unique]
        raise
    return module
