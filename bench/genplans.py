#!/usr/bin/env python3
"""genplans — N synthetic office plans for the batch benchmark, deterministic.

Usage: bench/genplans.py N OFFICES SEED SOURCE_PLAN OUT_DIR

Each plan is OFFICES rows drawn without replacement from SOURCE_PLAN (the 2019 plan has
242 offices all over Sweden), written as OUT_DIR/plan-NNNN.csv with the same columns."""
import csv
import os
import random
import sys


def main():
    n, offices, seed, source, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    rows = list(csv.DictReader(open(source, encoding="utf-8")))
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        with open(os.path.join(out, f"plan-{i:04d}.csv"), "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(rnd.sample(rows, min(offices, len(rows))))


if __name__ == "__main__":
    main()
