"""Reading maps back, for the CLI tests of maps: PNGs read with Pillow (Debian python3-pil),
a result's polygons with GDAL's Python bindings (python3-gdal), and a probe point inside a
municipality that keeps clear of its edges, the office symbols, the names and the legend.
(The same helpers for test_render.py, test_compare_maps.py and the other map tests.)"""
import math

from osgeo import ogr
from PIL import Image as PILImage, PngImagePlugin

ogr.UseExceptions()


# ---- PNG, read with Pillow ----

def png_chunks(path):
    """Every chunk of a PNG by type (the last of a type), CRCs checked by Pillow's reader."""
    chunks = {}
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n", "not a PNG"
        stream = PngImagePlugin.ChunkStream(f)
        while True:
            cid, _, length = stream.read()
            data = f.read(length)
            stream.crc(cid, data)
            chunks[cid] = data
            if cid == b"IEND":
                return chunks


class Image:
    """A PNG's size, its pixels as #rrggbb, and its chunks (chunks[b"pHYs"])."""

    def __init__(self, path):
        with PILImage.open(path) as im:
            self.w, self.h = im.size
            self._px = im.convert("RGB").load()
        self.chunks = png_chunks(path)

    def at(self, x, y):
        return "#%02x%02x%02x" % self._px[int(x), int(y)]


# ---- geometry from the result, through OGR ----

def rings_by_code(db, layer="municipalities"):
    """kommunkod -> the rings (lists of (x, y)) of every polygon of its (multi)polygon, in
    the layer's CRS, read by GDAL from narvaro.sqlite, compare.sqlite or a copy of either."""
    ds = ogr.Open(db)
    out = {}
    for f in ds.GetLayerByName(layer):
        g = f.GetGeometryRef()
        polys = [g] if g.GetGeometryType() in (ogr.wkbPolygon, ogr.wkbPolygon25D) else \
            [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())]
        out[f.GetField("kommunkod")] = [[p[:2] for p in poly.GetGeometryRef(k).GetPoints()]
                                       for poly in polys for k in range(poly.GetGeometryCount())]
    return out


def seg_dist(p, a, b):
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = 0 if dx == dy == 0 else max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - ax - t * dx, py - ay - t * dy)


def probe_point(m, info, offices_px, min_px=3.0):
    """A pixel inside the municipality, at least min_px from its edges (antialiasing and
    the edge lines stay within 2 px), the office symbols, the names and the legend: its
    representative point if that will do, else a point of a grid."""
    s, xo, yo = info["transform"]["scale"], info["transform"]["x_offset"], info["transform"]["y_offset"]
    to_px = lambda x, y: (s * x + xo, yo - s * y)
    rings_px = [[to_px(*p) for p in r] for r in m["rings"]]
    sym = max(sy["radius"] for sy in info["symbols"]) + 2 if info["symbols"] else 0

    def inside(p):
        c = False
        for r in rings_px:
            for (ax, ay), (bx, by) in zip(r, r[1:]):
                if (ay > p[1]) != (by > p[1]) and p[0] < ax + (p[1] - ay) * (bx - ax) / (by - ay):
                    c = not c
        return c

    def good(p):
        for bx, by, bw, bh in [info["panel"]] + info["label_boxes"]:
            if bx - min_px <= p[0] <= bx + bw + min_px and by - min_px <= p[1] <= by + bh + min_px:
                return False
        if any(math.hypot(p[0] - o[0], p[1] - o[1]) < sym + min_px for o in offices_px):
            return False
        if not inside(p):
            return False
        return all(seg_dist(p, a, b) >= min_px for r in rings_px for a, b in zip(r, r[1:]))

    cand = [to_px(*m["rep"])]
    xs = [p[0] for r in rings_px for p in r]
    ys = [p[1] for r in rings_px for p in r]
    for i in range(1, 12):
        for j in range(1, 12):
            cand.append((min(xs) + (max(xs) - min(xs)) * i / 12, min(ys) + (max(ys) - min(ys)) * j / 12))
    for p in cand:
        if good(p):
            return p
    return None
