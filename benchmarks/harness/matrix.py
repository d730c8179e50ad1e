"""``python -m benchmarks.harness.matrix``: the same selection on several Pythons, one report.

    make bench PYTHONS="3.11 3.12 3.13 3.13t /path/to/python3.14t"

Each name is a pyenv version (``3.12``: its newest patch release), a free-threaded or GIL
build of :file:`tools/build-python.sh` in the cache (``3.13t``, ``3.13.5``), a command on
PATH or a path.  For each interpreter found: a virtualenv of its own
(``.venv-py<version>[t]``) with what the *measuring* side needs (pyperf, numpy, psutil and, if
it installs there, uvloop; a dependency that does not install for one interpreter leaves its
model unsupported there, with the reason), then the whole selection run natively, one results
file per interpreter.  An interpreter that is missing is skipped with a warning.  Finally the
suite's own environment writes one combined report of every file.

The runs are one after another, not interleaved: a ratio between two interpreters compares
measurements minutes apart, so the report estimates it without pairing rounds (wider
intervals, and the drift between runs is not cancelled); within each interpreter's file every
comparison is paired as usual.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "concbench" / "pythons"
PYENV = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
#: what a measuring virtualenv needs, pinned as in constraints.txt; uvloop is optional
REQUIRED = ("pyperf", "numpy", "psutil", "hdrhistogram", "pbr")
OPTIONAL = ("uvloop",)


def _say(text: str) -> None:
    print(f"matrix: {text}", file=sys.stderr, flush=True)


def find_python(name: str) -> Path | None:
    """The interpreter a name on the command line means, or None."""
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
        for found in (pyenv, built):  # pyenv's own first: "3.13" means what pyenv calls 3.13
            if found:
                return Path(found[-1])
        on_path = shutil.which(f"python{minor}{suffix}")
        return Path(on_path) if on_path else None
    on_path = shutil.which(name)
    return Path(on_path) if on_path else None


def _version_key(path: str | Path) -> tuple[int, ...]:
    numbers = re.findall(r"(\d+)\.(\d+)\.(\d+)", str(path))
    return tuple(int(n) for n in numbers[-1]) if numbers else (0,)


def describe(python: Path) -> tuple[str, bool]:
    """(its version, whether it is a free-threaded build)."""
    out = subprocess.run([str(python), "-c", "import platform, sysconfig; print(platform.python_version(), "
                          "bool(sysconfig.get_config_var('Py_GIL_DISABLED')))"],
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


def venv_for(python: Path, tag: str) -> Path:
    """A virtualenv with the measuring side's dependencies; made once, reused while neither its
    interpreter nor the pinned requirements change (a venv made before a dependency was added
    would fail every run on it)."""
    venv = REPO / f".venv-py{tag}"
    marker = venv / ".concbench-measuring"
    versions = pins()
    wanted = "\n".join([str(python), *(f"{p}=={versions[p]}" for p in (*REQUIRED, *OPTIONAL))]) + "\n"
    if marker.exists() and marker.read_text() == wanted:
        return venv / "bin" / "python"
    _say(f"making {venv.name} for {python}")
    subprocess.run([str(python), "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *(f"{p}=={versions[p]}" for p in REQUIRED)], check=True, timeout=900)
    for package in OPTIONAL:
        done = subprocess.run([*pip, f"{package}=={versions[package]}"], capture_output=True, text=True,
                              timeout=900, check=False)
        if done.returncode != 0:
            _say(f"WARNING: {package} does not install for {tag}: its model is unsupported there")
    marker.write_text(wanted)
    return venv / "bin" / "python"


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
            _say(f"WARNING: no interpreter {name!r} here (a pyenv version, a build of "
                 "tools/build-python.sh such as 3.13t, a command or a path): skipped")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.harness.matrix",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("pythons", help="interpreters, separated by spaces (one argument, as PYTHONS=)")
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
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    results: list[Path] = []
    status = 0
    for _name, python, tag in found:
        measuring = venv_for(python, tag)
        out = REPO / "results" / f"{stamp}_matrix_py{tag}.json"
        _say(f"{tag} ({python}): running")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        done = subprocess.run([str(measuring), "-m", "benchmarks", "run", *run_args, "-o", str(out)],
                              cwd=REPO, env=env, check=False)
        if done.returncode == 2:
            return 2  # bad input: the same for every interpreter
        status = max(status, done.returncode)
        if out.exists():
            results.append(out)
    if not results:
        _say("no interpreter ran: nothing to report")
        return status or 1
    report = REPO / "results" / f"{stamp}_matrix.report"
    subprocess.run([sys.executable, "-m", "analysis", "report", *map(str, results), "-o", str(report)],
                   cwd=REPO, check=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
