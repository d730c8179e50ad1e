"""The loops cache: kept per key, merged, and never replacing a file it could not read."""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from benchmarks.harness.loopcache import FILE_NAME, LoopCache, cache_key


def test_missing_file_gives_nothing_and_save_creates_it(tmp_path: Path) -> None:
    cache = LoopCache.beside(tmp_path / "r.json", "k")
    assert cache.path == tmp_path / FILE_NAME
    assert cache.load() == {}
    cache.save({"s/m[n=1]": 8})
    assert LoopCache(cache.path, "k").load() == {"s/m[n=1]": 8}
    assert cache.problem == ""


def test_keys_are_kept_apart_and_entries_merge(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    for key, loops in (("a", {"x": 2}), ("b", {"x": 4}), ("a", {"y": 16})):
        cache = LoopCache(path, key)
        cache.load()
        cache.save(loops)
    assert LoopCache(path, "a").load() == {"x": 2, "y": 16}
    assert LoopCache(path, "b").load() == {"x": 4}


@pytest.mark.parametrize("text", ["{not json", '{"k": {"x": 0}}', '{"k": {"x": "8"}}', "[1, 2]"])
def test_an_unreadable_file_is_reported_and_left_as_it_was(tmp_path: Path, text: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(text)
    cache = LoopCache(path, "k")
    assert cache.load() == {}
    assert cache.problem.startswith(f"{path}: ")
    cache.save({"x": 2})
    assert path.read_text() == text


def test_the_key_depends_on_min_time_and_the_gil() -> None:
    keys = {cache_key(0.05, None), cache_key(0.1, None), cache_key(0.05, "0"), cache_key(0.05, None)}
    assert len(keys) == 3


def _save_many(path: str, key: str, prefix: str, count: int, start: Any) -> None:
    """One run's loop saves: each adds one benchmark, as a run's pilot does, after all have loaded."""
    cache = LoopCache(Path(path), key)
    cache.load()
    start.wait()
    for index in range(count):
        cache.save({f"{prefix}/b{index}": 2 ** (index % 8)})
    assert cache.problem == ""


@pytest.mark.parametrize("same_key", [True, False])
def test_two_runs_saving_at_once_lose_nothing(tmp_path: Path, same_key: bool) -> None:
    """Two runs in one results folder: a save used to write what its run had read at start, so the
    other run's entries were lost."""
    path = tmp_path / FILE_NAME
    LoopCache(path, "k").save({"earlier": 4})
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    keys = ("k", "k") if same_key else ("k", "other")
    runs = [context.Process(target=_save_many, args=(str(path), key, name, 40, start))
            for key, name in zip(keys, ("one", "two"), strict=True)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
        assert run.exitcode == 0
    found = {key: LoopCache(path, key).load() for key in set(keys)}
    for key, name in zip(keys, ("one", "two"), strict=True):
        assert {f"{name}/b{i}" for i in range(40)} <= set(found[key])
    assert found["k"]["earlier"] == 4
    assert not list(tmp_path.glob("*.tmp"))


def test_a_file_spoilt_after_the_run_read_it_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    cache = LoopCache(path, "k")
    assert cache.load() == {}
    path.write_text("{spoilt")
    cache.save({"x": 2})
    assert path.read_text() == "{spoilt"
    assert cache.problem.startswith(f"{path}: not saved: ")
