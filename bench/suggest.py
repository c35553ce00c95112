"""The suggest benchmark (issue 13): `narvaro suggest --add K --radius-km R` against PuLP +
CBC on the same instance, in the same run.

    python3 bench/suggest.py NARVARO MUNICIPALITIES_CSV [POINTS_CSV] [--runs N] [--k K] [--radius-km R]

The instance: the 2020 plan's offices (kept), the gazetteer's localities that the file
marks trusted (coords_in_named_kommun = yes) as candidates, and the demand either the
municipal populations at their representative points (municipalities.csv of a plain
analyze run) or the points of POINTS_CSV (x, y, population in EPSG:3006, as genpoints
writes them). The PuLP side builds the same maximal covering model as narvaro does
(points within R of a kept office count and leave the model; points with the same set
of candidates within R are one row) with numpy, over the points narvaro measures (not
those far outside every municipality, see far_mask), and CBC (Debian coinor-cbc) solves it;
its time is the model building plus the solve. narvaro's time is the whole process:
reading the boundaries, the plan, the candidates and the points, solving, and writing
the result folder (with --no-maps). Both must find the same optimal covered population,
else the script says MISMATCH and exits 1. Prints medians and the ratio."""
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SHARED = os.environ.get("NARVARO_DATA") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                      "shared")
PLAN = os.path.join(SHARED, "data", "plans", "af-2020-illustrative.csv")
LOCALITIES = os.path.join(SHARED, "data", "places", "localities.csv")
BOUNDARIES = os.path.join(SHARED, "shapefiles", "kommuner.shp")


def far_mask(px, py, far_m=2000.0):
    """True for the points narvaro measures for nothing: outside every municipality and
    farther than --snap-km (2 km, its default) from all of them. About 12 % of genpoints'
    points lie at sea or abroad that far out; a model that counts them covers more people
    than narvaro's (by 272,500 on the 1 M instance) and the comparison means nothing.
    Exact, independent of narvaro: a point is near when a boundary segment lies within
    far_m (each segment listed in a grid of far_m cells over its box grown by far_m);
    a point farther than that from every edge lies on the same side as the whole 1 km
    cell around it, so a rasterization of the municipalities at 1 km (GDAL burns the
    cells whose centre is inside) says whether it is inside."""
    from osgeo import gdal, ogr
    ds = ogr.Open(BOUNDARIES)
    rings = []

    def walk(g):
        if g.GetGeometryCount() == 0:
            pts = np.array(g.GetPoints())[:, :2]
            if len(pts) >= 2:
                rings.append(pts)
        for i in range(g.GetGeometryCount()):
            walk(g.GetGeometryRef(i))

    for f in ds.GetLayer():
        walk(f.GetGeometryRef())
    seg = np.concatenate([np.hstack([r, np.roll(r, -1, axis=0)]) for r in rings])
    x0, y0 = min(px.min(), seg[:, [0, 2]].min()) - far_m, min(py.min(), seg[:, [1, 3]].min()) - far_m
    cell = far_m
    nx = int((max(px.max(), seg[:, [0, 2]].max()) + far_m - x0) // cell) + 2
    keys, ids = [], []
    for k, (a, b, c, d) in enumerate(seg):
        cx0, cx1 = int((min(a, c) - far_m - x0) // cell), int((max(a, c) + far_m - x0) // cell)
        cy0, cy1 = int((min(b, d) - far_m - y0) // cell), int((max(b, d) + far_m - y0) // cell)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                keys.append(cy * nx + cx)
                ids.append(k)
    keys, ids = np.array(keys), np.array(ids)
    o = np.argsort(keys, kind="stable")
    keys, ids = keys[o], ids[o]
    pkey = ((py - y0) // cell).astype(np.int64) * nx + ((px - x0) // cell).astype(np.int64)
    lo, hi = np.searchsorted(keys, pkey, "left"), np.searchsorted(keys, pkey, "right")
    near = np.zeros(len(px), bool)
    for c0 in range(0, len(px), 100000):
        sl = slice(c0, c0 + 100000)
        cnt = hi[sl] - lo[sl]
        pidx = np.repeat(np.arange(c0, c0 + len(cnt)), cnt)
        start = np.repeat(lo[sl] - (np.cumsum(cnt) - cnt), cnt) + np.arange(cnt.sum())
        s_ = seg[ids[start]]
        qx, qy = px[pidx], py[pidx]
        dx, dy = s_[:, 2] - s_[:, 0], s_[:, 3] - s_[:, 1]
        ll = dx * dx + dy * dy
        t = np.clip(np.where(ll > 0, ((qx - s_[:, 0]) * dx + (qy - s_[:, 1]) * dy) / np.where(ll > 0, ll, 1), 0), 0, 1)
        ex, ey = s_[:, 0] + t * dx - qx, s_[:, 1] + t * dy - qy
        hit = np.sqrt(ex * ex + ey * ey) <= far_m
        near[pidx[hit]] = True
    res = 1000.0
    w, h = int((px.max() - x0) // res) + 2, int((py.max() - y0) // res) + 2
    top = y0 + h * res
    r = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    r.SetGeoTransform((x0, res, 0, top, 0, -res))
    gdal.RasterizeLayer(r, [1], ds.GetLayer(), burn_values=[1])
    inside = r.GetRasterBand(1).ReadAsArray()[((top - py) // res).astype(np.int64), ((px - x0) // res).astype(np.int64)]
    return ~near & (inside == 0)


def to_3006(latlon):
    from osgeo import osr
    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(3006)
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(src, dst)
    return np.array([tr.TransformPoint(lon, lat)[:2] for lat, lon in latlon])


def within(px, py, sites, r):
    """For each site, the indices of the points within r (sqrt(dx*dx+dy*dy) <= r, as narvaro)."""
    cell = r
    x0, y0 = px.min(), py.min()
    cx = ((px - x0) // cell).astype(np.int64)
    cy = ((py - y0) // cell).astype(np.int64)
    nx = int(cx.max()) + 3
    key = cy * nx + cx
    order = np.argsort(key, kind="stable")
    skey = key[order]
    out = []
    for sx, sy in sites:
        ix, iy = int((sx - x0) // cell), int((sy - y0) // cell)
        idx = []
        for yy in (iy - 1, iy, iy + 1):
            lo = np.searchsorted(skey, yy * nx + ix - 1, "left")
            hi = np.searchsorted(skey, yy * nx + ix + 1, "right")
            idx.append(order[lo:hi])
        idx = np.concatenate(idx)
        dx, dy = px[idx] - sx, py[idx] - sy
        out.append(idx[np.sqrt(dx * dx + dy * dy) <= r])
    return out


def pulp_cbc(px, py, pw, offices, cands, k, r):
    import pulp
    t0 = time.monotonic()
    fixed = np.zeros(len(px), bool)
    for idx in within(px, py, offices, r):
        fixed[idx] = True
    const = float(pw[fixed].sum())
    pairs_p, pairs_c = [], []
    for j, idx in enumerate(within(px, py, cands, r)):
        idx = idx[~fixed[idx]]
        pairs_p.append(idx)
        pairs_c.append(np.full(len(idx), j))
    pp, pc = np.concatenate(pairs_p), np.concatenate(pairs_c)
    o = np.lexsort((pc, pp))
    pp, pc = pp[o], pc[o]
    starts = np.flatnonzero(np.r_[True, pp[1:] != pp[:-1]])
    ends = np.r_[starts[1:], len(pp)]
    sets = {}
    for a, b in zip(starts.tolist(), ends.tolist()):
        key = pc[a:b].tobytes()
        sets[key] = sets.get(key, 0.0) + float(pw[pp[a]])
    prob = pulp.LpProblem("maxcov", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{j}", cat="Binary") for j in range(len(cands))]
    obj = []
    for n, (key, w) in enumerate(sets.items()):
        js = np.frombuffer(key, dtype=pc.dtype)
        y = pulp.LpVariable(f"y{n}", 0, 1)
        prob += y <= pulp.lpSum(x[int(j)] for j in js)
        obj.append(w * y)
    prob += pulp.lpSum(obj)
    prob += pulp.lpSum(x) == k
    t1 = time.monotonic()
    status = prob.solve(pulp.COIN_CMD(path=shutil.which("cbc") or "/usr/bin/cbc", msg=False))
    t2 = time.monotonic()
    if status != 1:
        raise SystemExit(f"CBC: status {pulp.LpStatus[status]}")
    return round(const + pulp.value(prob.objective)), t1 - t0, t2 - t1, len(sets)


def main():
    args = sys.argv[1:]
    runs, k, r_km = 5, 10, 25.0
    for flag in ("--runs", "--k", "--radius-km"):
        if flag in args:
            i = args.index(flag)
            v = args[i + 1]
            del args[i:i + 2]
            if flag == "--runs":
                runs = int(v)
            elif flag == "--k":
                k = int(v)
            else:
                r_km = float(v)
    narvaro, munis = args[0], args[1]
    points = args[2] if len(args) > 2 else None
    if points:
        data = np.loadtxt(points, delimiter=",", skiprows=1)
        px, py, pw = data[:, 0], data[:, 1], data[:, 2]
    else:
        rows = list(csv.DictReader(open(munis, encoding="utf-8")))
        px = np.array([float(m["rep_x"]) for m in rows])
        py = np.array([float(m["rep_y"]) for m in rows])
        pw = np.array([float(m["population"]) for m in rows])
    n_all = len(px)
    far = far_mask(px, py)
    px, py, pw = px[~far], py[~far], pw[~far]
    offices = to_3006([(float(o["lat"]), float(o["lon"])) for o in csv.DictReader(open(PLAN, encoding="utf-8"))])
    cands = to_3006([(float(c["lat"]), float(c["lon"])) for c in csv.DictReader(open(LOCALITIES, encoding="utf-8"))
                     if c["coords_in_named_kommun"] == "yes"])
    work = tempfile.mkdtemp(prefix="nv-suggest-bench-")
    cmd = [narvaro, "suggest", "--add", str(k), "--radius-km", f"{r_km:g}", "--no-maps", "--alternatives", "0",
           "-q", "--time-limit", "600", "--out", os.path.join(work, "s")]
    if points:
        cmd[2:2] = ["--population", points]
    nv_times, pl_times, build_times, solve_times = [], [], [], []
    nv_best = pl_best = None
    subprocess.run(cmd, check=True)  # warm-up: files in the page cache
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(cmd, check=True)
        nv_times.append(time.monotonic() - t0)
        s = json.load(open(os.path.join(work, "s", "summary.json")))
        nv_best = s["covered_population"]
        if s["demand_points"] != len(px):
            print(f"MISMATCH: narvaro measures {s['demand_points']:,} demand points, this model {len(px):,}")
            sys.exit(1)
        if not s["optimal"]:
            print(f"narvaro: not proven optimal (gap {s['gap']})")
        t0 = time.monotonic()
        pl_best, tb, ts, nsets = pulp_cbc(px, py, pw, offices, cands, k, r_km * 1000)
        pl_times.append(time.monotonic() - t0)
        build_times.append(tb)
        solve_times.append(ts)
    shutil.rmtree(work)
    label = f"{n_all:,} {'demand points' if points else 'municipal points'}"
    med = statistics.median
    print(f"| {label} | {s['coverage_sets']:,} | {nv_best:,} | {med(nv_times):.2f} s | {pl_best:,} | "
          f"{med(build_times):.2f} + {med(solve_times):.2f} = {med(pl_times):.2f} s | "
          f"{med(pl_times) / med(nv_times):.1f} |")
    if nv_best != pl_best:
        print(f"MISMATCH: narvaro {nv_best}, CBC {pl_best}")
        sys.exit(1)


if __name__ == "__main__":
    main()
