"""A user's file, loaded by its path as a module of a stable, unique name, in any process.

The name (``concbench_user_<stem>_<hash of the resolved path>``) is the same in the master, in
every pyperf worker, pool child, subinterpreter and Dask worker, never ``__main__`` and never a
name the file's directory could shadow.  Every :class:`concbench.Workload` among the module's
globals is one workload, named by its ``name=`` or else by the variable that holds it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
import threading
from pathlib import Path
from types import ModuleType

from concbench._workload import Workload

_LOCK = threading.Lock()


class LoadError(Exception):
    """A file that cannot be loaded as a workload file: one line, naming the file."""


def is_path(spec: str) -> bool:
    """Whether a ``--plugin`` value names a file (ends in .py or has a path separator)."""
    return spec.endswith(".py") or os.sep in spec or (os.altsep is not None and os.altsep in spec)


def module_name(path: str | Path) -> str:
    """The module name of the file at ``path``: the same wherever the file is loaded."""
    resolved = Path(path).resolve()
    stem = re.sub(r"\W", "_", resolved.stem)
    tag = hashlib.sha256(str(resolved).encode()).hexdigest()[:10]
    return f"concbench_user_{stem}_{tag}"


def load(path: str | Path) -> ModuleType:
    """The module of the file at ``path``, executed once per process (cached in ``sys.modules``)."""
    resolved = Path(path).resolve()
    name = module_name(resolved)
    with _LOCK:  # several pool threads may ask at once
        module = sys.modules.get(name)
        if module is not None:
            return module
        if not resolved.is_file():
            raise LoadError(f"no such workload file: {path}")
        spec = importlib.util.spec_from_file_location(name, resolved)
        if spec is None or spec.loader is None:
            raise LoadError(f"cannot load {path} as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # before executing it: pickle finds its classes by this name
        try:
            spec.loader.exec_module(module)
        except SyntaxError as exc:
            del sys.modules[name]
            raise LoadError(f"syntax error in {path}, line {exc.lineno}: {exc.msg}") from None
        except (Exception, SystemExit) as exc:  # Ctrl-C still stops the run
            del sys.modules[name]
            text = " ".join(str(exc).split())
            raise LoadError(f"cannot load {path}: {type(exc).__name__}: {text}") from None
        return module


def workloads(module: ModuleType) -> dict[str, tuple[str, Workload]]:
    """The module's workloads: name -> (the global that holds it, the workload), in file order.
    The same workload under two globals counts once, under the first."""
    found: dict[str, tuple[str, Workload]] = {}
    seen: set[int] = set()
    for attr, value in vars(module).items():
        if isinstance(value, Workload) and id(value) not in seen:
            seen.add(id(value))
            name = value.name or attr
            if name in found:
                raise LoadError(f"{module.__file__}: two workloads are named {name!r}: "
                                "give one another name=")
            found[name] = (attr, value)
    return found
