#!/usr/bin/env python3
"""Writes an office plan of N rows to stdout for the large-plan benchmark: the offices of
the 2020 plan, each repeated with a fixed-seed jitter of up to 300 m (so that nearly
every row is placed, a few snapped), ids unique. Usage: genbigplan.py N [SEED] < plan.csv"""
import csv
import random
import sys

n = int(sys.argv[1])
random.seed(int(sys.argv[2]) if len(sys.argv) > 2 else 8)
src = list(csv.DictReader(sys.stdin))
out = sys.stdout
out.write("office_id,name,type,lat,lon\n")
for i in range(n):
    r = src[i % len(src)]
    lat = float(r["lat"]) + random.uniform(-0.0027, 0.0027)
    lon = float(r["lon"]) + random.uniform(-0.005, 0.005)
    out.write(f"B{i:08d},{r['name']} {i},{r['type']},{lat:.6f},{lon:.6f}\n")
