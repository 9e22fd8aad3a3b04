"""Write the perturbation table (ptable) of the cell-key method.

Run ``python scripts/make_ptable.py`` to (re)write
``vaerested/services/ptable.csv``; ``tests/services/test_protection.py``
checks that the committed file is what this script writes, and proves the
table's properties (docs/privacy.md explains them).

The table gives, for a raw count ``n`` and a cell key ``k`` (0-255), the noise
added to ``n``. Each raw count has a distribution over the noise -2..+2 in
256ths; the keys are dealt out to the noise values in the order 0, -1, +1,
-2, +2, so a noise value of probability ``p/256`` gets ``p`` consecutive keys
(key 0 always means no change: the test factories pin record keys to 0 so
that the exact definition tests stay exact). Rows exist for raw counts
0 to :data:`TOP`; a larger count uses the row of :data:`TOP`.
"""

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "vaerested" / "services" / "ptable.csv"
#: Largest raw count with a row of its own; larger counts use this row.
TOP = 10
#: Keys (of 256) per noise -2, -1, 0, +1, +2.
#: Raw 0 is never changed. Raw 1 cannot go below 0, so its noise is -1..+2,
#: with mean 0 and variance 1: (-120 + 104 + 2*8) / 256 = 0 and
#: (120 + 104 + 4*8) / 256 = 1. From 2 up the noise is symmetric with
#: variance (2*112 + 2*4*4) / 256 = 1; a change of two is rare (4 keys each).
DISTRIBUTIONS = {
    0: {0: 256},
    1: {-1: 120, 0: 24, 1: 104, 2: 8},
}
SYMMETRIC = {-2: 4, -1: 112, 0: 24, 1: 112, 2: 4}


def rows() -> list[tuple[int, int, int, int]]:
    """Return ``(raw_count, key_from, key_to, noise)`` rows, keys inclusive."""
    out = []
    for raw in range(TOP + 1):
        weights = DISTRIBUTIONS.get(raw, SYMMETRIC)
        assert sum(weights.values()) == 256, raw
        key = 0
        for noise in sorted(weights, key=lambda d: (abs(d), d)):
            n = weights[noise]
            if n:
                out.append((raw, key, key + n - 1, noise))
                key += n
    return out


def write(path: Path = OUT) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["raw_count", "key_from", "key_to", "noise"])
        writer.writerows(rows())


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
