"""How often the drift defaults flag planted changes, and how often they flag nothing.

Runs every case of ``tests/core/drift/drift_cases.py`` (a category's share moved, the
missing rate rising from ~0, the spread changing at the same mean, a new category; and
a negligible 0.02 SD shift and unchanged columns) over seeds and magnitudes, with the
current defaults and with the previous ones (Wasserstein >= 0.1 SD for numbers, PSI >=
0.05 for categories, a missing-rate change of 5 points), and prints the detection rates.

    python benchmarks/drift_detection.py [--rows 100000] [--seeds 5]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.core.drift.settings import DriftSettings
from tests.core.drift.drift_cases import CASES, detection_rate


def previous(kind: str) -> DriftSettings:
    """The defaults before the share/KS-distance gates (emulated with today's knobs)."""
    if kind == "category":
        return DriftSettings(multivariate=False, min_share_change=1.0, min_psi=0.05,
                             min_missing_change=0.05)  # fmt: skip
    return DriftSettings(multivariate=False, min_ks_distance=1.0, min_psi=1e9,
                         min_missing_change=0.05)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    seeds = tuple(range(args.seeds))
    print(f"{args.rows:,} rows a side, {len(seeds)} seeds; share of seeds flagged")
    print(f"{'case':<28} {'magnitude':>16} {'defaults':>9} {'previous':>9}  wanted")
    for case in CASES:
        for magnitude in case.magnitudes:
            now = detection_rate(case, magnitude, seeds=seeds, rows=args.rows)
            before = detection_rate(
                case, magnitude, seeds=seeds, rows=args.rows, settings=previous(case.kind)
            )
            shown = f"{magnitude:g} {case.unit}".strip()
            wanted = "flagged" if case.should_drift else "not flagged"
            print(f"{case.name:<28} {shown:>16} {now:>9.0%} {before:>9.0%}  {wanted}")


if __name__ == "__main__":
    main()
