"""Reading maps back, for the CLI tests of maps: PNGs decoded with zlib, SpatiaLite
geometry blobs parsed, and a probe point inside a municipality that keeps clear of its
edges, the office symbols, the names and the legend. Stdlib only. (The same helpers as
test_render.py's, in a module of their own so that other map tests can share them.)"""
import math
import struct
import zlib


# ---- PNG, decoded with zlib ----

def read_png(path):
    """(width, height, bytes per pixel, pixel bytes) of an 8-bit RGB or RGBA PNG."""
    with open(path, "rb") as f:
        b = f.read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    i, idat, chunks = 8, [], {}
    while i < len(b):
        n, = struct.unpack(">I", b[i:i + 4])
        t, d = b[i + 4:i + 8], b[i + 8:i + 8 + n]
        crc, = struct.unpack(">I", b[i + 8 + n:i + 12 + n])
        assert zlib.crc32(t + d) == crc, "bad CRC in " + t.decode()
        chunks[t] = d
        if t == b"IDAT":
            idat.append(d)
        i += 12 + n
    w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and ctype in (2, 6), (depth, ctype)
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(b"".join(idat)), w * bpp
    out, prev = bytearray(h * stride), bytearray(stride)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for x in range(bpp, stride):
                line[x] = (line[x] + line[x - bpp]) & 255
        elif f == 2:
            for x in range(stride):
                line[x] = (line[x] + prev[x]) & 255
        elif f == 3:
            for x in range(stride):
                line[x] = (line[x] + (((line[x - bpp] if x >= bpp else 0) + prev[x]) >> 1)) & 255
        elif f == 4:
            for x in range(stride):
                a, u, c = (line[x - bpp] if x >= bpp else 0), prev[x], (prev[x - bpp] if x >= bpp else 0)
                p = a + u - c
                pa, pb, pc = abs(p - a), abs(p - u), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else u if pb <= pc else c)) & 255
        out[y * stride:(y + 1) * stride] = line
        prev = line
    return w, h, bpp, out, chunks


class Image:
    def __init__(self, path):
        self.w, self.h, self.bpp, self.px, self.chunks = read_png(path)

    def at(self, x, y):
        i = (int(y) * self.w + int(x)) * self.bpp
        return "#%02x%02x%02x" % tuple(self.px[i:i + 3])


# ---- geometry from the database ----

def parse_blob(b):
    """Rings (lists of (x, y)) of a SpatiaLite (multi)polygon blob, little-endian XY."""
    assert b[0] == 0 and b[1] == 1 and b[38] == 0x7C
    cls, = struct.unpack_from("<i", b, 39)
    off, rings = 43, []

    def polygon(off):
        nr, = struct.unpack_from("<i", b, off)
        off += 4
        for _ in range(nr):
            n, = struct.unpack_from("<i", b, off)
            off += 4
            rings.append(list(struct.iter_unpack("<dd", b[off:off + 16 * n])))
            off += 16 * n
        return off

    if cls == 3:
        polygon(off)
    else:
        n, = struct.unpack_from("<i", b, off)
        off += 4
        for _ in range(n):
            off = polygon(off + 5)
    return rings


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
