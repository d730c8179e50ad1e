"""round_order: a reproducible permutation per pair of rounds, the second round of a pair reversed."""

from __future__ import annotations

import pytest

from benchmarks.harness.schedule import round_order

NAMES = [f"scenario/model{i}" for i in range(8)]


@pytest.mark.parametrize("round_index", range(6))
def test_a_permutation(round_index: int) -> None:
    order = round_order(NAMES, round_index, seed=1)
    assert sorted(order) == sorted(NAMES)
    assert len(order) == len(NAMES)


def test_reproducible() -> None:
    assert [round_order(NAMES, r, 7) for r in range(10)] == [round_order(NAMES, r, 7) for r in range(10)]


def test_odd_round_reverses_its_pair() -> None:
    for pair in range(5):
        assert round_order(NAMES, 2 * pair + 1, 3) == round_order(NAMES, 2 * pair, 3)[::-1]


def test_positions_balance_over_a_pair() -> None:
    """Why the reversal: every benchmark's positions in a pair sum to n-1, so a linear drift
    adds the same to every benchmark."""
    for pair in range(5):
        first, second = round_order(NAMES, 2 * pair, 0), round_order(NAMES, 2 * pair + 1, 0)
        assert {first.index(n) + second.index(n) for n in NAMES} == {len(NAMES) - 1}


def test_pairs_get_fresh_shuffles() -> None:
    orders = {tuple(round_order(NAMES, 2 * pair, 0)) for pair in range(10)}
    assert len(orders) > 5  # 8! orders: ten pairs repeating one would be a broken seed


def test_different_seeds_give_different_orders() -> None:
    by_seed = {tuple(tuple(round_order(NAMES, r, seed)) for r in range(4)) for seed in range(20)}
    assert len(by_seed) == 20


def test_does_not_modify_its_input() -> None:
    names = list(NAMES)
    round_order(names, 0, 0)
    assert names == NAMES


def test_edge_cases() -> None:
    assert round_order([], 0, 0) == []
    assert round_order(["only"], 3, 0) == ["only"]
    with pytest.raises(ValueError, match="unique"):
        round_order(["a", "a"], 0, 0)
    with pytest.raises(ValueError, match="negative"):
        round_order(NAMES, -1, 0)
