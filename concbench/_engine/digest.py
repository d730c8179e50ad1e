"""A unit's result as one int: a digest of its canonical form, with the unit's index beside it.

The suite checks a run by its checksum (count, sum modulo 2**61 - 1) of ints; a user's unit
returns anything.  Each result is reduced to 32 bits of a BLAKE2b hash of a canonical encoding
that does not depend on dict or set order nor on PYTHONHASHSEED (floats by ``repr``, objects
the encoding does not know by ``repr``), and the unit's index is kept in the bits above: a
wrong result in a run can then be traced to the unit that returned it.
"""

from __future__ import annotations

import hashlib
from typing import Any

DIGEST_BITS = 32
DIGEST_MASK = (1 << DIGEST_BITS) - 1
#: indices below this keep every packed value under the checksum's modulus (2**61 - 1)
MAX_UNITS = 1 << (61 - DIGEST_BITS - 1)


def _encode(value: Any, out: list[bytes]) -> None:
    # A tag per kind keeps 1, 1.0, "1" and b"1" apart; lengths keep ("ab",) apart from ("a", "b").
    if value is None or isinstance(value, bool):
        out.append(f"z{value!r};".encode())
    elif isinstance(value, int):
        out.append(f"i{value};".encode())
    elif isinstance(value, float):
        out.append(f"f{value!r};".encode())
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out.append(b"s%d:" % len(data) + data)
    elif isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        out.append(b"b%d:" % len(data) + data)
    elif isinstance(value, list | tuple):
        out.append(b"l%d:" % len(value))
        for item in value:
            _encode(item, out)
    elif isinstance(value, dict):
        pairs = sorted(canonical(k) + canonical(v) for k, v in value.items())
        out.append(b"d%d:" % len(pairs) + b"".join(pairs))
    elif isinstance(value, set | frozenset):
        items = sorted(canonical(item) for item in value)
        out.append(b"e%d:" % len(items) + b"".join(items))
    else:
        data = repr(value).encode("utf-8", "backslashreplace")
        out.append(b"r%d:" % len(data) + data)


def canonical(value: Any) -> bytes:
    """The bytes that stand for ``value``: equal for equal results, whatever their order."""
    out: list[bytes] = []
    _encode(value, out)
    return b"".join(out)


def digest(value: Any) -> int:
    """32 bits of the hash of ``value``'s canonical form."""
    return int.from_bytes(hashlib.blake2b(canonical(value), digest_size=DIGEST_BITS // 8).digest(), "big")


def pack(i: int, value_digest: int) -> int:
    """Unit ``i``'s result as the suite's int: the index above the digest."""
    return (i << DIGEST_BITS) | value_digest


def unpack(result: int) -> tuple[int, int]:
    """(index, digest) of a packed result."""
    return result >> DIGEST_BITS, result & DIGEST_MASK
