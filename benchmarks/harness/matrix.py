"""``python -m benchmarks.harness.matrix``: the same selection on several Pythons, one report.

    make bench PYTHONS="3.11 3.12 3.13 3.13t 3.14 /path/to/python3.14t"

Each name is a pyenv version (``3.12``: its newest patch release), a free-threaded or GIL
build of :file:`tools/build-python.sh` in the cache (``3.13t``, ``3.13.5``), a Python uv
installed (``uv python install 3.14t``), a command on PATH, Debian testing's 3.14 or 3.15 in the
root of :file:`tools/python-root.sh` (``make python-root``; run chrooted, see there), or a path.
For each interpreter found: a virtualenv of its own (``.venv-py<version>[t]``) with what the
*measuring* side needs (pyperf, numpy, psutil, hdrhistogram; if they do not install, the
interpreter is skipped with pip's reason) and every model's library where it installs (uvloop,
rloop, trio, anyio, gevent, Dask; one that does not leaves its models unsupported there, with
pip's reason, in ``concbench-not-installed.json`` of the virtualenv), then the whole selection
run natively, one results file per interpreter.  An interpreter that is missing is skipped with
a warning naming the ones found.  Finally the suite's own environment writes one combined
report of every file.

The runs are one after another, not interleaved: a ratio between two interpreters compares
measurements minutes apart, so the report estimates it without pairing rounds (wider
intervals, and the drift between runs is not cancelled); within each interpreter's file every
comparison is paired as usual.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.core.packages import NOT_INSTALLED

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "concbench" / "pythons"
#: the debootstrap roots of tools/python-root.sh (Debian testing's 3.14 and 3.15)
ROOTS = CACHE.parent / "roots"
ROOT_TOOL = REPO / "tools" / "python-root.sh"
PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
UV = Path(os.environ.get("UV_PYTHON_INSTALL_DIR") or
          Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "uv" / "python")
#: what a measuring virtualenv needs, pinned as in constraints.txt
REQUIRED = ("pyperf", "numpy", "psutil", "hdrhistogram", "pbr")
#: every model's libraries (pyproject's dependencies), one pip call per group: a group that does
#: not install leaves only its own models unsupported
OPTIONAL = (("uvloop",), ("rloop",), ("trio",), ("anyio",), ("gevent",), ("dask", "distributed"))


def _say(text: str) -> None:
    print(f"matrix: {text}", file=sys.stderr, flush=True)


def find_python(name: str) -> Path | None:
    """The interpreter a name on the command line means, or None.  One in a debootstrap root is
    its path there as the host sees it (:func:`command` runs it inside)."""
    if os.sep in name:
        path = Path(name).expanduser()
        return path if path.exists() else None
    free = name.endswith("t")
    version = name[:-1] if free else name
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", version):
        minor = ".".join(version.split(".")[:2])
        suffix = "t" if free else ""
        # a build of tools/build-python.sh: <version>t for the free-threaded one, <version> its twin
        built = [p for p in sorted(CACHE.glob(f"{version}*/bin/python{minor}{suffix}"), key=_version_key)
                 if p.parent.parent.name.endswith("t") == free]
        pyenv = [] if free else sorted(glob.glob(str(PYENV / f"{version}*" / "bin" / f"python{minor}")),
                                       key=_version_key)
        # uv's: cpython-3.14.0-linux-x86_64-gnu, cpython-3.14.0+freethreaded-linux-x86_64-gnu
        uv = [p for p in sorted(UV.glob(f"cpython-{version}[.+-]*/bin/python{minor}{suffix}"),
                                key=_version_key)
              if ("+freethreaded" in p.parent.parent.name) == free]
        for found in (pyenv, built, uv):  # pyenv's own first: "3.13" means what pyenv calls 3.13
            if found:
                return Path(found[-1])
        on_path = shutil.which(f"python{minor}{suffix}")
        if on_path:
            return Path(on_path)
        # Debian builds no free-threaded CPython, and the root holds one patch release of each
        if not free and version == minor:
            rooted = [root / "usr" / "bin" / f"python{minor}" for root in _roots()]
            return next((p for p in rooted if p.exists()), None)
        return None
    on_path = shutil.which(name)
    return Path(on_path) if on_path else None


def _roots() -> list[Path]:
    """The complete roots of tools/python-root.sh."""
    return sorted(p.parent for p in ROOTS.glob("*/.concbench-complete"))


def _root_of(python: Path) -> Path | None:
    root = next((r for r in _roots() if python.is_relative_to(r)), None)
    return root


def command(python: Path, program: Path | None = None) -> list[str]:
    """How to run ``program`` (default: the interpreter itself) of interpreter ``python``: as it
    is, or, for an interpreter of a debootstrap root, inside that root (tools/python-root.sh run
    bind-mounts the checkout, /tmp and the cache at the same paths, so a virtualenv or results
    file of the checkout is the same path inside)."""
    root = _root_of(python)
    if root is None:
        return [str(program or python)]
    return [str(ROOT_TOOL), "run", str(program or Path("/") / python.relative_to(root))]


def found_here() -> str:
    """Every interpreter a name can mean here, for the line that says one is missing."""
    names = [f"{Path(p).parent.parent.name} (pyenv)"
             for p in sorted(glob.glob(str(PYENV / "*" / "bin" / "python3*")), key=_version_key)
             if re.fullmatch(r"python3\.\d+", Path(p).name)]
    names += [f"{p.name} (tools/build-python.sh)" for p in sorted(CACHE.glob("3.*")) if (p / "bin").is_dir()]
    names += [f"{p.name.removeprefix('cpython-').split('-')[0]} (uv)" for p in sorted(UV.glob("cpython-3*"))]
    names += [f"{p.name.removeprefix('python')} (make python-root)" for r in _roots()
              for p in sorted((r / "usr" / "bin").glob("python3.1[4-9]"))]
    return ", ".join(dict.fromkeys(names)) or "none"


def _version_key(path: str | Path) -> tuple[int, ...]:
    numbers = re.findall(r"(\d+)\.(\d+)\.(\d+)", str(path))
    return tuple(int(n) for n in numbers[-1]) if numbers else (0,)


def describe(python: Path) -> tuple[str, bool]:
    """(its version, whether it is a free-threaded build)."""
    script = ("import platform, sysconfig; "
              "print(platform.python_version(), bool(sysconfig.get_config_var('Py_GIL_DISABLED')))")
    out = subprocess.run([*command(python), "-c", script],
                         capture_output=True, text=True, check=True, timeout=60).stdout.split()
    return out[0], out[1] == "True"


def pins() -> dict[str, str]:
    """Exact versions from constraints.txt."""
    found = {}
    for line in (REPO / "constraints.txt").read_text().splitlines():
        name, sep, version = line.partition("==")
        if sep and not line.startswith("#"):
            found[name.strip().lower()] = version.strip()
    return found


def venv_for(python: Path, tag: str) -> Path | str:
    """A virtualenv with the measuring side's dependencies, and every model's library that installs
    on ``python``; made once, reused while neither its interpreter nor the pinned requirements
    change (a venv made before a dependency was added would fail every run on it).  If a required
    package does not install: pip's reason, as a string."""
    venv = REPO / f".venv-py{tag}"
    marker = venv / ".concbench-measuring"
    versions = pins()
    optional = [p for group in OPTIONAL for p in group]
    wanted = "\n".join([str(python), *(f"{p}=={versions[p]}" for p in (*REQUIRED, *optional))]) + "\n"
    if marker.exists() and marker.read_text() == wanted:
        return venv / "bin" / "python"
    _say(f"making {venv.name} for {python}")
    subprocess.run([*command(python), "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
    # -c: what the libraries pull in is pinned too, as in the suite's own virtualenv
    pip = [*command(python, venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
           "--disable-pip-version-check", "-c", str(REPO / "constraints.txt")]
    done = subprocess.run([*pip, *(f"{p}=={versions[p]}" for p in REQUIRED)], capture_output=True,
                          text=True, timeout=900, check=False)
    if done.returncode != 0:
        return pip_reason(done.stderr)
    not_installed: dict[str, str] = {}
    for group in OPTIONAL:
        done = subprocess.run([*pip, *(f"{p}=={versions[p]}" for p in group)], capture_output=True, text=True,
                              timeout=900, check=False)
        if done.returncode != 0:
            reason = pip_reason(done.stderr)
            _say(f"WARNING: {' and '.join(group)} do not install for {tag}: their models are unsupported "
                 f"there ({reason})")
            not_installed.update(dict.fromkeys(group, reason))
    (venv / NOT_INSTALLED).write_text(json.dumps(not_installed, indent=1, sort_keys=True) + "\n")
    marker.write_text(wanted)
    return venv / "bin" / "python"


#: pip's closing lines that explain nothing
_PIP_FOOTERS = ("note:", "hint:", "WARNING:", "[notice]", "See above", "|")
#: how pip lists, under an error, the packages it is about ("\u2570\u2500> hdrhistogram")
_PIP_NAMES = "\N{BOX DRAWINGS LIGHT ARC UP AND RIGHT}"


def pip_reason(stderr: str) -> str:
    """pip's failure in one line: the last line of its error (with the packages pip lists under
    it), without the footers that follow ("note: This error originates from a subprocess ...")."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if not line.startswith((*_PIP_FOOTERS, _PIP_NAMES))]
    if not errors:
        return lines[-1] if lines else "pip failed and said nothing"
    last = re.sub(r"^(ERROR:|error:|\N{MULTIPLICATION SIGN})\s*", "", lines[errors[-1]])
    arrow = _PIP_NAMES + "\N{BOX DRAWINGS LIGHT HORIZONTAL}> "
    names = [line.lstrip(arrow) for line in lines[errors[-1] + 1:] if line.startswith(_PIP_NAMES)]
    return f"{last}: {', '.join(names)}" if names else last


def check_run_args(run_args: list[str]) -> int | None:
    """``ARGS`` parsed and planned here, as every interpreter's run will: the exit status of a bad
    one (its one line said), or None.  Before any virtualenv is built."""
    from benchmarks.cli import PROG, run_parser
    from benchmarks.core.params import BadInput
    from benchmarks.harness.runner import prepare

    try:
        prepare(run_parser(), run_args, check_only=True)
    except BadInput as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # argparse's usage error (exit 2, its line said) or pyperf's (exit 1)
        return exc.code if isinstance(exc.code, int) else 2
    return None


def interpreters(names: list[str]) -> list[tuple[str, Path, str]] | str:
    """(name, interpreter, tag) of every name that is here, or the one line that refuses a name
    naming something that is not a Python that runs."""
    found = []
    for name in names:
        python = find_python(name)
        if python is None:
            _say(f"WARNING: no interpreter {name!r} here (a pyenv version, a build of tools/build-python.sh "
                 "such as 3.13t, a uv Python, 3.14 or 3.15 of make python-root, a command or a path; "
                 f"found: {found_here()}): skipped")
            continue
        try:
            version, free = describe(python)
            minor = tuple(int(x) for x in version.split(".")[:2])
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            return (f"PYTHONS: {name!r} ({python}) is not a Python that runs here; give pyenv versions, "
                    "builds such as 3.13t, commands or paths of Python interpreters")
        if minor < (3, 11):
            _say(f"WARNING: {name!r} is Python {version}; concbench needs 3.11 or newer: skipped")
            continue
        found.append((name, python, version + ("t" if free else "")))
    return found


def _native_helpers() -> None:
    """tcp_echo's C helpers, compiled here for a root that has no compiler (it sees the cache)."""
    from benchmarks.scenarios.tcp_echo import native

    for name in native.NAMES:
        try:
            native.binary(name)
        except (native.NoCompiler, OSError, subprocess.SubprocessError):
            return  # tcp_echo declines its native generator there, saying why


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harness.matrix",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", help="interpreters, separated by spaces (one argument, as PYTHONS=)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the folder for the results files and the report (default: results/)")
    parser.add_argument("run_args", nargs=argparse.REMAINDER,
                        help="after --: options of `python -m benchmarks run` (--profile, --scenario, ...)")
    args = parser.parse_args(argv)
    run_args = [a for a in args.run_args if a != "--"]
    if any(a in ("-o", "--output") for a in run_args):
        parser.exit(2, f"{parser.prog}: error: -o is chosen per interpreter; leave it out\n")
    # Everything that can be wrong is checked before the first virtualenv is built.
    found = interpreters(args.pythons.split())
    if isinstance(found, str):
        parser.exit(2, f"{parser.prog}: error: {found}\n")
    bad = check_run_args(run_args)
    if bad is not None:
        return bad
    out_dir = (args.out or REPO / "results").resolve()
    if not out_dir.is_dir():
        parser.exit(2, f"{parser.prog}: error: --out {args.out}: not a folder\n")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results: list[Path] = []
    status = 0
    for _name, python, tag in found:
        measuring = venv_for(python, tag)
        if isinstance(measuring, str):
            _say(f"WARNING: {tag} ({python}) skipped: the measuring side's packages do not install there "
                 f"({measuring})")
            status = max(status, 1)
            continue
        if _root_of(python) is not None:
            _native_helpers()
        out = out_dir / f"{stamp}_matrix_py{tag}.json"
        _say(f"{tag} ({python}): running")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([*command(python, measuring), "-m", "benchmarks", "run", *run_args,
                               "-o", str(out)], cwd=REPO, env=env, check=False)
        if done.returncode == 2:
            return 2  # bad input: the same for every interpreter
        status = max(status, done.returncode)
        if out.exists():
            results.append(out)
    if not results:
        _say("no interpreter ran: nothing to report")
        return status or 1
    report = out_dir / f"{stamp}_matrix.report"
    subprocess.run([sys.executable, "-m", "analysis", "report", *map(str, results), "-o", str(report)],
                   cwd=REPO, check=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
