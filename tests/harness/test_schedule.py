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


# --- blocks: the members of a comparison group run one after another ------------------------------

BLOCKED = [f"{scenario}/model{i}" for scenario in "abcd" for i in range(5)]
GROUPS = [name.split("/")[0] for name in BLOCKED]  # the tests' own names; the runner passes Track.group


def _runs_of_blocks(order: list[str]) -> list[str]:
    """The group of each maximal run of consecutive names from one group."""
    runs: list[str] = []
    for name in order:
        group = GROUPS[BLOCKED.index(name)]
        if not runs or runs[-1] != group:
            runs.append(group)
    return runs


@pytest.mark.parametrize("round_index", range(6))
def test_each_group_runs_as_one_block(round_index: int) -> None:
    order = round_order(BLOCKED, round_index, 11, GROUPS)
    assert sorted(order) == sorted(BLOCKED)
    runs = _runs_of_blocks(order)
    assert sorted(runs) == sorted(set(GROUPS))  # each group once: contiguous


def test_blocks_and_their_members_are_shuffled_and_reversed_in_pairs() -> None:
    block_orders = {tuple(_runs_of_blocks(round_order(BLOCKED, 2 * pair, 0, GROUPS))) for pair in range(10)}
    member_orders = {tuple(n for n in round_order(BLOCKED, 2 * pair, 0, GROUPS) if n.startswith("a/"))
                     for pair in range(10)}
    assert len(block_orders) > 5
    assert len(member_orders) > 5
    for pair in range(5):
        first = round_order(BLOCKED, 2 * pair, 4, GROUPS)
        assert round_order(BLOCKED, 2 * pair + 1, 4, GROUPS) == first[::-1]
        assert {first.index(n) + first[::-1].index(n) for n in BLOCKED} == {len(BLOCKED) - 1}


def test_one_group_per_name() -> None:
    with pytest.raises(ValueError, match="one per name"):
        round_order(BLOCKED, 0, 0, GROUPS[:-1])
