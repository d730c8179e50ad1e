"""cpu_pure's unit: the LCG its closed form predicts, written so that free-threaded builds scale."""

from __future__ import annotations

import dis

from benchmarks.core.work import MODULUS
from benchmarks.scenarios import cpu_pure


def test_the_unit_is_the_lcg_of_the_closed_form() -> None:
    for i, size in ((0, 1), (5, 17), (31, 1000)):
        x = i + 1
        for _ in range(size):
            x = (cpu_pure.A * x + cpu_pure.C) % MODULUS
        assert cpu_pure.unit(i, size=size) == x == cpu_pure.closed_form(i, size)


def test_the_units_loop_reads_no_global() -> None:
    """Module globals shared by every thread cost a free-threaded build its parallelism (reference
    counts of the same objects changed by all threads); the loop's numbers are code constants."""
    globals_read = {ins.argval for ins in dis.get_instructions(cpu_pure.unit) if ins.opname == "LOAD_GLOBAL"}
    assert globals_read == {"range"}  # a builtin, read once before the loop
    assert {cpu_pure.A, cpu_pure.C, MODULUS} <= set(cpu_pure.unit.__code__.co_consts)
