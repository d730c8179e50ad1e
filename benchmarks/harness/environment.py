"""Facts about the interpreter and the CPUs that pyperf does not record itself.

pyperf already stores the Python version, CONFIG_ARGS, CPU count and affinity
(when restricted), hostname and load; this adds what a concurrency benchmark
needs to be read correctly: PGO/LTO, the GIL, library versions and the CPUs a
worker (and therefore every pool it starts) may run on.
"""

from __future__ import annotations

import os
import sys
import sysconfig
from collections.abc import Sequence

from benchmarks.core.packages import version as _version
from benchmarks.core.params import BadInput, Value
from benchmarks.pyperf_bridge import parse_cpus, pinned_cpus

PACKAGE = "concbench"


def gil_state() -> str:
    free_threaded_build = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    if not free_threaded_build:
        return "enabled (not a free-threaded build)"
    is_enabled = getattr(sys, "_is_gil_enabled", lambda: True)
    return "enabled" if is_enabled() else "disabled"


def set_python_gil(value: str) -> None:
    """PYTHON_GIL for every worker this process starts; 0 is fatal on a build with a GIL, so it is
    refused here, before any work."""
    if value == "0" and not sysconfig.get_config_var("Py_GIL_DISABLED"):
        raise BadInput(f"--python-gil 0 needs a free-threaded build; {sys.executable} has a GIL "
                       "(build one with `make python-ft`, or pass its path in PYTHONS)")
    os.environ["PYTHON_GIL"] = value


def interpreter_metadata() -> dict[str, Value]:
    config_args = sysconfig.get_config_var("CONFIG_ARGS") or ""
    return {
        "python_pgo": "yes" if "--enable-optimizations" in config_args else "no",
        "python_lto": "yes" if "--with-lto" in config_args else "no",
        "python_gil": gil_state(),
        "python_free_threaded_build": "yes" if sysconfig.get_config_var("Py_GIL_DISABLED") else "no",
        "pyperf_version": _version("pyperf"),
        "uvloop_version": _version("uvloop"),
        "concbench_version": _version(PACKAGE),
    }


def build_warnings(meta: dict[str, Value]) -> list[str]:
    warnings = []
    if meta["python_pgo"] != "yes" or meta["python_lto"] != "yes":
        warnings.append(
            f"{sys.executable} was built without PGO/LTO (python_pgo={meta['python_pgo']}, "
            f"python_lto={meta['python_lto']}): absolute times are slower than an optimised "
            "build's; ratios measured in one run remain comparable"
        )
    return warnings


def format_cpus(cpus: Sequence[int]) -> str:
    return ",".join(str(c) for c in sorted(cpus))


def check_affinity(affinity_option: str | None) -> None:
    """Refuse an ``--affinity`` that is not a CPU list or names a CPU this process may not use:
    pyperf would fail in a traceback when it pins the first worker (or the CPU probe would)."""
    if affinity_option is None:
        return
    try:
        cpus = parse_cpus(affinity_option)
    except ValueError:
        raise BadInput(f"invalid --affinity {affinity_option!r}: expected a CPU list such as 0 or 0,2-3") \
            from None
    available = current_cpus() or list(range(os.cpu_count() or 1))
    missing = sorted(set(cpus) - set(available))
    if missing:
        raise BadInput(f"invalid --affinity {affinity_option!r}: no CPU {format_cpus(missing)} here; "
                       f"choose from {format_cpus(available)}")


def worker_cpus(affinity_option: str | None) -> list[int] | None:
    """The CPUs pyperf will pin each worker to, computed the way pyperf does.

    ``--affinity`` wins; otherwise pyperf pins to the isolated CPUs if the
    kernel has any; otherwise the worker keeps the affinity it inherits.
    """
    return pinned_cpus(affinity_option) or current_cpus()


def current_cpus() -> list[int] | None:
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return None
