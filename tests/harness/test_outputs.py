"""Every user-given output path (``run -o``, ``report -o``, ``compare -o``, ``csv -o``): a link, a
FIFO, a device, a socket or a folder where a file belongs is refused in one line with exit 2
before any work; a folder is written only when new, empty or the suite's own, and then only the
suite's files in it are replaced (benchmarks/core/outputs.py)."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from analysis import cli as analysis_cli
from benchmarks.core.outputs import MARKER, OutputError, check_file, check_folder, publish_folder
from tests.support.cli import run_cli

DATA = Path(__file__).resolve().parent.parent / "data"
SMALL = DATA / "small.json"


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _dangling(path: Path) -> None:
    path.symlink_to(path.parent / "nowhere")


def _link_to_file(path: Path) -> None:
    (path.parent / "target").write_text("the user's")
    path.symlink_to(path.parent / "target")


def _folder(path: Path) -> None:
    path.mkdir()


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device node (a twin of /dev/null) in the test's own folder: a test of code that
    wrongly renames over it replaces this node, never the system's /dev/null (as one such check,
    run as root before the fix, once did)."""
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return node


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    held: list[socket.socket] = []

    def make(path: Path) -> None:
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        held.append(sock)

    yield make
    for sock in held:
        sock.close()


NODES: dict[str, Callable[[Path], None]] = {
    "a symbolic link": _link_to_file, "a dangling symbolic link": _dangling, "a FIFO": _fifo,
    "a directory": _folder,
}


def _node_kind(name: str) -> str:
    return "a symbolic link" if "symbolic link" in name else name


def _listing(root: Path) -> dict[str, tuple[int, bytes | str]]:
    """Every node under ``root``: its type and its content (a link: where it points)."""
    found: dict[str, tuple[int, bytes | str]] = {}
    for path in sorted(root.rglob("*")):
        mode = os.lstat(path).st_mode
        content: bytes | str = (os.readlink(path) if path.is_symlink() else
                                path.read_bytes() if path.is_file() else "")
        found[str(path.relative_to(root))] = (mode, content)
    return found


@pytest.mark.parametrize("kind", sorted(NODES))
def test_check_file_refuses_every_node_but_a_regular_file(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out.csv"
    NODES[kind](target)
    with pytest.raises(OutputError, match=f"is {_node_kind(kind)}"):
        check_file(target)


def test_check_file_refuses_a_socket_and_a_device(tmp_path: Path, device: Path,
                                                   unix_socket: Callable[[Path], None]) -> None:
    unix_socket(tmp_path / "s")
    with pytest.raises(OutputError, match="is a socket"):
        check_file(tmp_path / "s")
    with pytest.raises(OutputError, match="is a character device"):
        check_file(device)
    assert check_file(tmp_path / "new.csv") is False
    (tmp_path / "old.csv").write_text("x")
    assert check_file(tmp_path / "old.csv") is True


def test_a_name_too_long_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="name too long for the file system"):
        check_file(tmp_path / ("a" * 300 + ".csv"))


@pytest.mark.parametrize("kind", sorted(NODES))
def test_run_o_refuses_the_node_before_any_work(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "x.json"
    NODES[kind](target)
    before = _listing(tmp_path)
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "sequential", "-o", str(target), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("python -m benchmarks: error: ")
    assert "already exists" in proc.stderr or f"is {_node_kind(kind)}" in proc.stderr
    assert _listing(tmp_path) == before  # nothing written, the node as it was


def test_run_o_a_dangling_link_is_refused_not_followed(tmp_path: Path) -> None:
    """It used to run everything, then fail with a FileExistsError traceback and no .runinfo."""
    target = tmp_path / "x.json"
    _dangling(target)
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "sequential", "-o", str(target), cwd=tmp_path)
    assert proc.returncode == 2
    assert "is a symbolic link" in proc.stderr
    assert not (tmp_path / "nowhere").exists()


def test_run_o_a_name_too_long_is_one_line(tmp_path: Path) -> None:
    # the results name fits but the hidden working name beside it (.NAME.PID.metrics-partial) does not
    name = "a" * 230 + ".json"
    proc = run_cli("run", "--scenario", "cpu_pure", "--model", "sequential", "-o", name, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "name too long for the file system" in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", ["--append", "--append=x.json"])
def test_run_append_is_refused_at_parse_time(tmp_path: Path, option: str) -> None:
    """pyperf's --append edited an earlier results file in place (its runs doubled), exit 0."""
    earlier = tmp_path / "x.json"
    earlier.write_text("{}")
    args = [option] if "=" in option else [option, str(earlier)]
    proc = run_cli("run", "--scenario", "cpu_pure", *args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert "--append is not offered: results files are never edited" in proc.stderr
    assert earlier.read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.json"]


def _analysis(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = analysis_cli.main(list(argv))
    return status, capsys.readouterr().err


@pytest.mark.parametrize("kind", sorted(NODES))
def test_csv_o_refuses_the_node_and_leaves_it(tmp_path: Path, kind: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """csv -o on a link, a FIFO or a device replaced it with a regular file, exit 0."""
    target = tmp_path / "out.csv"
    NODES[kind](target)
    before = _listing(tmp_path)
    status, err = _analysis(capsys, "csv", str(SMALL), "-o", str(target))
    assert status == 2
    assert err.count("\n") == 1
    assert f"is {_node_kind(kind)}" in err
    assert _listing(tmp_path) == before


def test_csv_o_onto_a_device_is_refused(device: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """As root, csv -o replaced a device node with a regular file."""
    status, err = _analysis(capsys, "csv", str(SMALL), "-o", str(device))
    assert status == 2
    assert f"{str(device)!r} is a character device" in err
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_csv_o_replaces_its_own_csv_but_not_another_file(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    ours = tmp_path / "ours.csv"
    assert _analysis(capsys, "csv", str(SMALL), "-o", str(ours))[0] == 0
    first = ours.read_bytes()
    ours.write_bytes(first + b"an edit\n")
    assert _analysis(capsys, "csv", str(SMALL), "-o", str(ours))[0] == 0
    assert ours.read_bytes() == first  # the suite's CSV (its header) is replaced whole
    theirs = tmp_path / "theirs.csv"
    theirs.write_text("name,value\nmine,1\n")
    status, err = _analysis(capsys, "csv", str(SMALL), "-o", str(theirs))
    assert status == 2
    assert "exists and was not written by concbench" in err
    assert theirs.read_text() == "name,value\nmine,1\n"


@pytest.mark.parametrize("command", ["report", "compare"])
def test_report_o_a_folder_of_the_users_is_refused_untouched(
        tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    """report -o EXISTING_DIR overwrote report.md and results.csv and deleted the whole charts/."""
    out = tmp_path / "mine"
    (out / "charts").mkdir(parents=True)
    (out / "report.md").write_text("my notes")
    (out / "charts" / "keep.png").write_bytes(b"my chart")
    before = _listing(tmp_path)
    inputs = [str(SMALL)] if command == "report" else [str(SMALL), str(DATA / "sweep.json")]
    status, err = _analysis(capsys, command, *inputs, "-o", str(out))
    assert status == 2
    assert err.count("\n") == 1
    assert "holds files concbench did not write" in err
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("kind", sorted(NODES))
def test_report_o_onto_a_node_that_is_not_a_folder(tmp_path: Path, kind: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    if kind == "a directory":
        out.symlink_to(tmp_path / "elsewhere")  # a link to a folder: refused as a link
        (tmp_path / "elsewhere").mkdir()
    else:
        NODES[kind](out)
    before = _listing(tmp_path)
    status, err = _analysis(capsys, "report", str(SMALL), "-o", str(out))
    assert status == 2
    assert err.count("\n") == 1
    assert "output folder" in err
    assert _listing(tmp_path) == before


def test_a_report_folder_replaces_only_the_suites_files(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert _analysis(capsys, "report", str(SMALL), str(DATA / "sweep.json"), "-o", str(out))[0] == 0
    listed = check_folder(out)
    assert {"report.md", "report.html", "results.csv"} <= listed
    stale = {rel for rel in listed if "scaling" in rel}
    assert stale  # a chart the next report (one file, no sweep) will not draw
    (out / "notes.txt").write_text("mine")
    (out / "charts" / "mine.png").write_bytes(b"mine")
    assert _analysis(capsys, "report", str(SMALL), "-o", str(out))[0] == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "charts" / "mine.png").read_bytes() == b"mine"
    assert not any((out / rel).exists() for rel in stale)  # the suite's stale charts are gone
    now = check_folder(out)
    assert not now & stale
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert on_disk == now | {MARKER, "notes.txt", "charts/mine.png"}


def test_a_file_the_marker_does_not_list_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / MARKER).write_text("report.md\n")
    (out / "results.csv").write_text("the user's")
    staged = out / ".staging-x"
    staged.mkdir()
    (staged / "report.md").write_text("new")
    (staged / "results.csv").write_text("new")
    with pytest.raises(OutputError, match=r"results\.csv' was not written by concbench"):
        publish_folder(staged, out)
    assert (out / "results.csv").read_text() == "the user's"
    assert not (out / "report.md").exists()  # refused before anything moved


@pytest.mark.parametrize("line", ["../outside.txt", "/etc/passwd", "charts/../../x"])
def test_a_marker_naming_a_file_outside_its_folder_is_refused(tmp_path: Path, line: str) -> None:
    (tmp_path / MARKER).write_text(f"{line}\n")
    with pytest.raises(OutputError, match="not a file of this folder"):
        check_folder(tmp_path)
