"""The loops cache: kept per key, merged, and never replacing a file it could not read."""

from __future__ import annotations

from pathlib import Path

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
