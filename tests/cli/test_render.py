"""narvaro render and the map of narvaro analyze, checked from outside: pixels probed at
points known to lie inside municipalities (their representative points, read from the
database) compared with the legend's colour for their class, the SVG's paths counted,
the PDF opened by poppler, the fonts and the words on the page, and the failures.

PNGs are read with Pillow and the polygons through GDAL's Python bindings (nvmap.py, shared
with the compare maps' test). The transform from CRS metres to pixels comes from the --info JSON."""
import os
import re
import sqlite3
import struct
import subprocess
import xml.etree.ElementTree as ET

from nvcli import (HERE, PLANS, case, check, check_eq, finish, read_json, run, tmpdir)
from nvmap import Image, probe_point, rings_by_code

os.environ["SOURCE_DATE_EPOCH"] = "1700000000"  # 2023-11-14: a fixed date on every map
DATE = "2023-11-14"
RENDER_DATA = os.path.join(HERE, "..", "data", "render")

OUT = os.path.join(tmpdir(), "run2020")
rc, out, err = run("analyze", "--out", OUT, "-q")
DB = os.path.join(OUT, "narvaro.sqlite")
MAPS = tmpdir()


# ---- PNGs and geometries: read by nvmap.py (Pillow, GDAL) ----

def municipalities(db):
    con = sqlite3.connect(db)
    rows = con.execute("SELECT kommunkod, namn, presence, nearest_office_km, rep_x, rep_y"
                       " FROM municipalities ORDER BY kommunkod").fetchall()
    offices = con.execute("SELECT x, y, type FROM offices WHERE status <> 'rejected'").fetchall()
    con.close()
    rings = rings_by_code(db)
    return {r[0]: {"namn": r[1], "presence": r[2], "km": r[3], "rep": (r[4], r[5]),
                   "rings": rings[r[0]]} for r in rows}, offices


def presence_key(m):
    return m["presence"] if m["presence"] in ("staffed", "booked", "none") else "other"


def distance_key(m, breaks):
    if m["km"] is None:
        return "no_data"
    k = 0
    while k < len(breaks) and m["km"] > breaks[k]:
        k += 1
    return "class%d" % (k + 1)


def check_map_colours(png, info, munis, offices, key_of, what):
    """Every municipality with a usable probe point has its class colour, and that colour
    is the one of the legend's swatch for the class, both in the JSON and in the pixels."""
    img = Image(png)
    check_eq((img.w, img.h), (int(info["width"]), int(info["height"])), what + ": PNG size")
    classes = {c["key"]: c for c in info["classes"]}
    for k, c in classes.items():
        sx, sy, sw, sh = c["swatch"]
        check_eq(img.at(sx + sw / 2, sy + sh / 2), c["color"], f"{what}: legend swatch of {k}")
    s, xo, yo = info["transform"]["scale"], info["transform"]["x_offset"], info["transform"]["y_offset"]
    offices_px = [(s * x + xo, yo - s * y) for x, y, _ in offices]
    probed = {}
    for code, m in munis.items():
        p = probe_point(m, info, offices_px)
        if p is None:
            continue
        key = key_of(m)
        check(key in classes, f"{what}: {code} class {key} is in the legend")
        got = img.at(*p)
        check_eq(got, classes[key]["color"], f"{what}: colour inside {code} {m['namn']} ({key}) at {p}")
        probed[code] = got
    return probed, classes


# ---- the cases ----

def national_scale():
    return read_json(os.path.join(MAPS, "presence.json"))["transform"]["scale"]


@case
def analyze_writes_the_default_map():
    check_eq(rc, 0, f"analyze exit status ({err})")
    png = os.path.join(OUT, "maps", "presence.png")
    check(os.path.exists(png), "DIR/maps/presence.png exists")
    img = Image(png)
    check_eq((img.w, img.h), (1240, 1754), "A4 portrait at 150 dpi")
    phys = struct.unpack(">IIB", img.chunks[b"pHYs"])
    check_eq(phys, (5906, 5906, 1), "the PNG records 150 dpi (5906 pixels per metre)")
    nomaps = os.path.join(tmpdir(), "nomaps")
    code, _, e = run("analyze", "--out", nomaps, "--no-maps", "-q")
    check_eq(code, 0, f"--no-maps exit status ({e})")
    check(not os.path.exists(os.path.join(nomaps, "maps")), "--no-maps: no maps folder")


@case
def presence_png_colours_match_the_legend():
    png = os.path.join(MAPS, "presence.png")
    code, _, e = run("render", "--db", DB, "--map", "presence", "--out", png, "--info", "-q")
    check_eq(code, 0, f"render exit status ({e})")
    info = read_json(os.path.join(MAPS, "presence.json"))
    munis, offices = municipalities(DB)
    probed, classes = check_map_colours(png, info, munis, offices, presence_key, "presence")
    check(len(probed) >= 260, f"probed {len(probed)} of 290 municipalities")
    # Kiruna, the largest municipality, has no office; the small ones around Stockholm
    # are probed on the county map below.
    check_eq(probed.get("2584"), classes["none"]["color"], "2584 Kiruna drawn as none")
    # Stockholm county, zoomed: Upplands Väsby has a staffed office, Vallentuna booked
    # visits only; Stockholm 0180 has none in the illustrative plan.
    folder = os.path.join(MAPS, "presence-counties")
    code, _, e = run("render", "--db", DB, "--map", "presence", "--by-county", "--out", folder, "--info", "-q")
    check_eq(code, 0, f"presence --by-county exit status ({e})")
    cinfo = read_json(os.path.join(folder, "presence-01.json"))
    sthlm = {k: m for k, m in munis.items() if k.startswith("01")}
    cprobed, cclasses = check_map_colours(os.path.join(folder, "presence-01.png"), cinfo, sthlm, offices,
                                          presence_key, "presence, Stockholm county")
    check_eq(cclasses["staffed"]["color"], classes["staffed"]["color"], "the same colours on both maps")
    for code, key in (("0114", "staffed"), ("0115", "booked"), ("0180", "none")):
        check_eq(cprobed.get(code), classes[key]["color"], f"{code} {sthlm[code]['namn']} drawn as {key}")
    check_eq({k: c["count"] for k, c in cclasses.items()}, {"staffed": 16, "booked": 3, "none": 7},
             "Stockholm county legend counts")
    check(classes["staffed"]["color"] != classes["none"]["color"], "staffed and none differ")
    counts = {k: c["count"] for k, c in classes.items()}
    check_eq(counts, {"staffed": 82, "booked": 24, "none": 184}, "legend counts")
    check_eq({s["type"]: s["count"] for s in info["symbols"]}, {"staffed": 88, "booked": 24}, "office counts")
    check_eq((info["municipalities"], info["offices"]), (290, 112), "all drawn")
    check_eq(info["illustrative"], True, "the 2020 plan is illustrative")
    check_eq(info["date"], DATE, "SOURCE_DATE_EPOCH gives the date")
    check("Illustrativ" in info["source"] and "af-2020-illustrative.csv" in info["source"]
          and "kommuner.shp" in info["source"] and DATE in info["source"], info["source"])


@case
def the_whole_country_fits_and_the_legend_covers_no_land():
    info = read_json(os.path.join(MAPS, "presence.json"))
    s, xo, yo = info["transform"]["scale"], info["transform"]["x_offset"], info["transform"]["y_offset"]
    fx, fy, fw, fh = info["frame"]
    munis, _ = municipalities(DB)
    pts = [(s * x + xo, yo - s * y) for m in munis.values() for r in m["rings"] for x, y in r]
    check(all(fx - 0.5 <= x <= fx + fw + 0.5 and fy - 0.5 <= y <= fy + fh + 0.5 for x, y in pts),
          "every vertex (Gotland, the northern mountains) lies inside the map frame")
    check(0 <= fx and fx + fw <= info["width"] and 0 <= fy and fy + fh <= info["height"], "frame on the page")
    px, py, pw, ph = info["panel"]
    inside = [(x, y) for x, y in pts if px <= x <= px + pw and py <= y <= py + ph]
    check_eq(inside, [], "no boundary vertex under the legend")
    # The panel is drawn over nothing: its pixels are the panel's own (white background,
    # swatches, text), checked at its corners just inside the border.
    img = Image(os.path.join(MAPS, "presence.png"))
    for cx, cy in ((px + 3, py + 3), (px + pw - 3, py + ph - 3)):
        check_eq(img.at(cx, cy), "#ffffff", f"legend panel background at {cx:.0f},{cy:.0f}")


@case
def distance_map_classes_fixed_quantile_and_jenks():
    munis, offices = municipalities(DB)
    for breaks in ("fixed", "quantile", "jenks"):
        png = os.path.join(MAPS, f"distance-{breaks}.png")
        code, _, e = run("render", "--db", DB, "--map", "distance", "--breaks", breaks, "--out", png, "--info")
        check_eq(code, 0, f"distance {breaks} exit status ({e})")
        info = read_json(png[:-4] + ".json")
        check_eq(info["breaks_method"], breaks, "breaks method")
        b = info["breaks_km"]
        if breaks == "fixed":
            check_eq(b, [10, 25, 50, 100], "fixed breaks")
            check_eq([c["label"] for c in info["classes"]], ["0–10 km", "10–25 km", "25–50 km", "50–100 km", "> 100 km"],
                     "class labels")
        else:
            check_eq(len(b), 4, f"{breaks}: 4 limits for 5 classes")
            check(b == sorted(b) and len(set(b)) == 4, f"{breaks}: ascending limits {b}")
        km = sorted(m["km"] for m in munis.values())
        counts = [sum(1 for v in km if (i == 0 or v > b[i - 1]) and (i == len(b) or v <= b[i])) for i in range(len(b) + 1)]
        check_eq([c["count"] for c in info["classes"]], counts, f"{breaks}: legend counts")
        check_eq(sum(counts), 290, f"{breaks}: every municipality in a class")
        if breaks == "quantile":
            check(max(counts) - min(counts) <= 3, f"quantile classes about equal: {counts}")
        probed, _ = check_map_colours(png, info, munis, offices, lambda m: distance_key(m, b), "distance " + breaks)
        check(len(probed) >= 260, f"{breaks}: probed {len(probed)}")


@case
def svg_has_one_path_per_municipality_and_one_symbol_per_office():
    svg = os.path.join(MAPS, "presence.svg")
    code, _, e = run("render", "--db", DB, "--out", svg, "--info")
    check_eq(code, 0, f"svg exit status ({e})")
    info = read_json(os.path.join(MAPS, "presence.json"))
    check_eq(info["units"], "pt", "SVG info in points")
    root = ET.parse(svg).getroot()  # parses as XML
    check_eq(root.tag, "{http://www.w3.org/2000/svg}svg", "root element")
    check_eq((root.get("width"), root.get("height")), ("595.275591pt", "841.889764pt"), "A4 in points")

    def rgb(hexcol):
        r, g, b = (int(hexcol[i:i + 2], 16) for i in (1, 3, 5))
        return r, g, b

    def parse_rgb(style, prop):
        m = re.search(prop + r":rgb\(([\d.]+)%,([\d.]+)%,([\d.]+)%\)", style)
        return tuple(round(float(v) * 2.55) for v in m.groups()) if m else None

    fills = []
    for p in root.iter("{http://www.w3.org/2000/svg}path"):
        st = p.get("style", "")
        fills.append((parse_rgb(st, "fill"), parse_rgb(st, "stroke"), "stroke:none" in st))
    # Municipalities are filled paths without a stroke (edges are drawn once, as a network).
    for c in info["classes"]:
        n = sum(1 for f, s, nostroke in fills if f == rgb(c["color"]) and nostroke)
        check_eq(n, c["count"], f"SVG paths filled {c['key']}")
    total = sum(1 for f, s, nostroke in fills if nostroke and f in [rgb(c["color"]) for c in info["classes"]])
    check_eq(total, 290, "one path per municipality")
    # Offices: one symbol each, with its fill and stroke; the legend holds one more.
    for sym in info["symbols"]:
        n = sum(1 for f, s, _ in fills if f == rgb(sym["fill"]) and s == rgb(sym["stroke"]))
        check_eq(n, sym["count"] + 1, f"SVG symbols of {sym['type']} offices (+1 in the legend)")


@case
def pdf_opens_with_the_page_size_and_only_dejavu_fonts():
    for paper, size, pts in (("a4", "A4", (595, 842)), ("a3", "A3", (842, 1191))):
        pdf = os.path.join(MAPS, f"presence-{paper}.pdf")
        code, _, e = run("render", "--db", DB, "--out", pdf, "--paper", paper, "--lang", "en")
        check_eq(code, 0, f"pdf {paper} exit status ({e})")
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
        check(f"({size})" in info, f"pdfinfo says {size}: {info}")
        ppm = os.path.join(MAPS, f"page-{paper}")
        p = subprocess.run(["pdftoppm", "-r", "72", "-singlefile", pdf, ppm], capture_output=True, text=True)
        check_eq(p.returncode, 0, f"pdftoppm renders the {paper} PDF ({p.stderr})")
        with open(ppm + ".ppm", "rb") as f:
            head = f.read(20).split()
        got = (int(head[1]), int(head[2]))
        check(abs(got[0] - pts[0]) <= 1 and abs(got[1] - pts[1]) <= 1, f"{paper} page at 72 dpi: {got} ~ {pts}")
        fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout.splitlines()[2:]
        names = {line.split()[0].split("+")[-1] for line in fonts if line.strip()}
        check_eq(names, {"DejaVuSans", "DejaVuSans-Bold"}, f"{paper}: embedded fonts are DejaVu Sans only")
        text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
        for words in ("Local presence by municipality", "No presence", "Staffed office", "184",
                      "Illustrative", "af-2020-illustrative.csv", "kommuner.shp", DATE, "km", "N"):
            check(words in text, f"{paper} PDF says {words!r}")


@case
def swedish_by_default():
    pdf = os.path.join(MAPS, "sv.pdf")
    code, _, e = run("render", "--db", DB, "--out", pdf)
    check_eq(code, 0, f"sv exit status ({e})")
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    for words in ("Lokal närvaro per kommun", "Ingen närvaro", "Endast bokade besök", "Illustrativ", "Källor"):
        check(words in text, f"Swedish PDF says {words!r}")


@case
def one_map_per_county_with_names():
    folder = os.path.join(MAPS, "counties")
    code, out_, e = run("render", "--db", DB, "--by-county", "--out", folder, "--info", "--map", "distance",
                        "--breaks", "quantile")
    check_eq(code, 0, f"--by-county exit status ({e})")
    pngs = sorted(n for n in os.listdir(folder) if n.endswith(".png"))
    check_eq(len(pngs), 21, "21 maps for Sweden")
    check_eq(pngs[0], "distance-01.png", "named MAP-LANSKOD")
    national = read_json(os.path.join(MAPS, "distance-quantile.json"))["breaks_km"]
    total, names = 0, 0
    munis, offices = municipalities(DB)
    for n in pngs:
        info = read_json(os.path.join(folder, n[:-4] + ".json"))
        check_eq(info["breaks_km"], national, f"{n}: the national class breaks")
        check_eq(info["labels"], info["labels_wanted"], f"{n}: every municipality named")
        total += info["municipalities"]
        names += info["labels"]
    check_eq((total, names), (290, 290), "each municipality on one county map, named")
    # Stockholm county: zoomed, its municipalities in their class colours.
    info = read_json(os.path.join(folder, "distance-01.json"))
    sthlm = {k: m for k, m in munis.items() if k.startswith("01")}
    probed, _ = check_map_colours(os.path.join(folder, "distance-01.png"), info, sthlm, offices,
                                  lambda m: distance_key(m, national), "Stockholm county")
    check(len(probed) >= 20, f"probed {len(probed)} of 26 in Stockholm county")
    check(info["transform"]["scale"] > 4 * national_scale(), "the county map is zoomed in")


@case
def breaks_from_another_run_are_shared():
    other = os.path.join(tmpdir(), "run2019")
    code, _, e = run("analyze", "--offices", os.path.join(PLANS, "af-2019-illustrative.csv"), "--out", other,
                     "--no-maps", "-q")
    check_eq(code, 0, f"2019 analyze ({e})")
    a, b = os.path.join(MAPS, "a.svg"), os.path.join(MAPS, "b.svg")
    odb = os.path.join(other, "narvaro.sqlite")
    run("render", "--db", DB, "--breaks-from", odb, "--map", "distance", "--breaks", "jenks", "--out", a, "--info")
    run("render", "--db", odb, "--breaks-from", DB, "--map", "distance", "--breaks", "jenks", "--out", b, "--info")
    ba, bb = read_json(a[:-4] + ".json")["breaks_km"], read_json(b[:-4] + ".json")["breaks_km"]
    check(len(ba) == 4 and ba == bb, f"the same jenks breaks for 2020 and 2019: {ba} {bb}")
    alone = os.path.join(MAPS, "alone.svg")
    run("render", "--db", odb, "--map", "distance", "--breaks", "jenks", "--out", alone, "--info")
    check(read_json(alone[:-4] + ".json")["breaks_km"] != bb, "without --breaks-from the 2019 breaks differ")


def share_key(m, breaks):
    """A share's class: a limit belongs to the class above it (99 % is in "≥ 99 %")."""
    if m["share"] is None:
        return "no_data"
    return "class%d" % (1 + sum(1 for b in breaks if m["share"] >= b))


@case
def population_map_share_within_25km():
    png = os.path.join(MAPS, "population.png")
    code, _, e = run("render", "--db", DB, "--map", "population", "--out", png, "--info", "-q")
    check_eq(code, 0, f"population exit status ({e})")
    info = read_json(png[:-4] + ".json")
    check_eq((info["measure"], info["breaks_method"], info["breaks_km"]), ("share_within_25km", "fixed", [50, 75, 90, 99]),
             "measure and limits in percent")
    check_eq([c["label"] for c in info["classes"]], ["< 50 %", "50–75 %", "75–90 %", "90–99 %", "≥ 99 %"],
             "class labels (no municipality lacks population figures)")
    # YlOrRd from its dark end: the lowest share, the worst, is the strongest colour.
    check_eq([c["color"] for c in info["classes"]], ["#bd0026", "#f03b20", "#fd8d3c", "#fecc5c", "#ffffb2"],
             "class colours")
    check_eq(info["title"], "Andel av befolkningen med kontor inom 25 km", "title from population.map")
    munis, offices = municipalities(DB)
    con = sqlite3.connect(DB)
    for code_, pop, within in con.execute("SELECT kommunkod, population, population_within_25km FROM municipalities"):
        munis[code_]["share"] = 100 * within / pop if pop else None
    con.close()
    b = info["breaks_km"]
    want = {}
    for m in munis.values():
        want[share_key(m, b)] = want.get(share_key(m, b), 0) + 1
    check_eq({c["key"]: c["count"] for c in info["classes"] if c["count"]}, want, "legend counts from the database")
    probed, classes = check_map_colours(png, info, munis, offices, lambda m: share_key(m, b), "population")
    check(len(probed) >= 260, f"probed {len(probed)} of 290 municipalities")
    # Kiruna's people are all beyond 50 km in the 2020 plan: 0 %, the lowest class.
    check_eq(munis["2584"]["share"], 0, "2584 Kiruna: no one within 25 km")
    check_eq(probed.get("2584"), classes["class1"]["color"], "2584 Kiruna drawn in the lowest class")
    # Upplands Väsby is small on the national map: probed on the Stockholm county map.
    folder = os.path.join(MAPS, "population-counties")
    code, _, e = run("render", "--db", DB, "--map", "population", "--by-county", "--out", folder, "--info", "-q")
    check_eq(code, 0, f"population --by-county exit status ({e})")
    cinfo = read_json(os.path.join(folder, "population-01.json"))
    sthlm = {k: m for k, m in munis.items() if k.startswith("01")}
    cprobed, _ = check_map_colours(os.path.join(folder, "population-01.png"), cinfo, sthlm, offices,
                                   lambda m: share_key(m, b), "population, Stockholm county")
    check_eq(munis["0114"]["share"], 100, "0114 Upplands Väsby: everyone within 25 km")
    check_eq(cprobed.get("0114"), classes["class5"]["color"], "0114 Upplands Väsby drawn as ≥ 99 %")
    # With the municipal totals at representative points, the mean distance of the people
    # is the distance map's: the same classes, municipality for municipality.
    spec = os.path.join(tmpdir(), "mean.map")
    with open(spec, "w", encoding="utf-8") as f:
        f.write("measure = mean_distance_km\n")
    svg = os.path.join(MAPS, "mean.svg")
    code, _, e = run("render", "--db", DB, "--map", spec, "--out", svg, "--info", "--lang", "en")
    check_eq(code, 0, f"mean_distance_km exit status ({e})")
    mean, dist = read_json(svg[:-4] + ".json"), read_json(os.path.join(MAPS, "distance-fixed.json"))
    check_eq([(c["label"], c["count"]) for c in mean["classes"]], [(c["label"], c["count"]) for c in dist["classes"]],
             "mean_distance_km classes = nearest_office_km classes")
    check_eq(mean["title"], "Mean distance of the population to the nearest office", "default title")


@case
def share_of_a_radius_the_run_lacks_exits_2():
    spec = os.path.join(tmpdir(), "share30.map")
    with open(spec, "w", encoding="utf-8") as f:
        f.write("# 30 km was not asked for\nmeasure = share_within_30km\n")
    png = os.path.join(MAPS, "share30.png")
    code, _, e = run("render", "--db", DB, "--map", spec, "--out", png)
    check_eq(code, 2, "exit status")
    check("share30.map:2: measure share_within_30km:" in e, f"file:line: what: {e}")
    check("the run's radii are 10, 25, 50 km (give share_within_10km, share_within_25km or share_within_50km"
          in e, f"the radii listed: {e}")
    check(not os.path.exists(png), "nothing written")


@case
def sizes_paper_dpi_and_pixels():
    for args, want in ((["--height", "2000"], (1414, 2000)), (["--dpi", "72"], (595, 842)),
                       (["--paper", "a3", "--dpi", "100"], (1169, 1654)), (["--width", "800"], (800, 1131)),
                       (["--width", "1000", "--height", "1000"], (1000, 1000))):
        png = os.path.join(MAPS, "size.png")
        code, _, e = run("render", "--db", DB, "--out", png, *args)
        check_eq(code, 0, f"{args} ({e})")
        with open(png, "rb") as f:
            head = f.read(24)
        check_eq(struct.unpack(">II", head[16:24]), want, f"PNG size for {args}")


@case
def a_spec_file_by_path_and_labels_everywhere():
    spec = os.path.join(RENDER_DATA, "distance_jenks.map")
    png = os.path.join(MAPS, "jenks-en.png")
    code, _, e = run("render", "--db", DB, "--map", spec, "--out", png, "--info")
    check_eq(code, 0, f"spec by path ({e})")
    info = read_json(png[:-4] + ".json")
    check_eq((info["map"], info["lang"], info["breaks_method"], len(info["classes"])),
             ("distance_jenks", "en", "jenks", 4), "spec settings")
    check_eq(info["title"], "Distance to the nearest office (natural breaks)", "title from the spec")


@case
def failures_exit_2_with_a_hint():
    cases = [
        (["render", "--db", DB, "--map", "nonesuch", "--out", "x.png"], "no map named 'nonesuch'",
         "available: difference, distance, population, presence, side-by-side"),
        (["render", "--db", DB, "--out", os.path.join(MAPS, "x.jpg")], "x.jpg: the file name's extension",
         "give .png, .svg or .pdf"),
        (["render", "--db", DB, "--map", os.path.join(RENDER_DATA, "unknown_key.map"), "--out", "x.png"],
         "unknown_key.map:3: unknown key 'titel'", "keys: title"),
        (["render", "--db", DB, "--map", os.path.join(RENDER_DATA, "bad_color.map"), "--out", "x.png"],
         "bad_color.map:2:", "#rrggbb"),
        (["render", "--db", "/nonexistent/narvaro.sqlite", "--out", "x.png"], "/nonexistent/narvaro.sqlite",
         "narvaro analyze --out DIR writes DIR/narvaro.sqlite"),
        (["render", "--db", OUT, "--out", "x.png"], "is not a file", "not the folder DIR"),
        (["render", "--db", os.path.join(OUT, "summary.json"), "--out", "x.png"], "file is not a database",
         "not a narvaro result"),
        (["render", "--db", DB, "--out", "x.png", "--lang", "de"], "--lang 'de'", "sv or en"),
        (["render", "--db", DB, "--out", "x.png", "--breaks", "natural"], "--breaks 'natural'", "jenks"),
        (["render", "--db", DB, "--out", "x.png", "--paper", "letter"], "--paper 'letter'", "a4 or a3"),
        (["render", "--db", DB, "--out", "x.png", "--height", "50"], "--height '50'", "100 to 20000"),
        (["render", "--db", DB], "no output", "--out FILE.png"),
        (["render", "--out", "x.png"], "no database", "--db FILE"),
        (["render", "--db", DB, "--out", "x.png", "--format", "svg"], "--format is for --by-county", "extension"),
        (["analyze", "--out", os.path.join(tmpdir(), "r")], "no map named 'presence'", "--no-maps"),
    ]
    for args, where, hint in cases:
        env_maps = args[0] == "analyze"
        if env_maps:
            os.environ["NARVARO_MAPS"] = tmpdir()  # an empty maps folder
        code, _, e = run(*args)
        if env_maps:
            del os.environ["NARVARO_MAPS"]
        check_eq(code, 2, f"exit status of {args[:6]}")
        check(where in e and hint in e, f"stderr names {where!r} and {hint!r}: {e}")
    check(not os.path.exists("x.png"), "nothing written on failure")


@case
def help_and_version():
    code, out_, _ = run("render", "--help")
    check_eq(code, 0, "render --help exit status")
    for opt in ("--db", "--map", "--out", "--by-county", "--lang", "--breaks", "--paper", "--dpi", "--width",
                "--height", "--info", "--breaks-from", "--format"):
        check(opt in out_, f"render --help lists {opt}")
    code, out_, _ = run("--version")
    check("cairo" in out_ and "pango" in out_, "--version names cairo and pango: " + out_)
    code, out_, _ = run("analyze", "--help")
    check("--no-maps" in out_, "analyze --help lists --no-maps")


@case
def presence_map_colours_every_tier_in_rank_order():
    """The 2020 offices with the cooperation arrangements: five tiers in the legend, in rank
    order, one sequential scheme darkest first, each municipality in its tier's colour and
    each type with its own symbol."""
    out = os.path.join(tmpdir(), "coop")
    plans = [os.path.join(PLANS, f) for f in ("af-2020-illustrative.csv", "af-2020-cooperation-illustrative.csv")]
    code, _, e = run("analyze", "--offices", plans[0], "--offices", plans[1], "--out", out, "-q")
    check_eq(code, 0, f"analyze exit status ({e})")
    db = os.path.join(out, "narvaro.sqlite")
    png = os.path.join(MAPS, "presence-tiers.png")
    code, _, e = run("render", "--db", db, "--map", "presence", "--out", png, "--info", "-q")
    check_eq(code, 0, f"render exit status ({e})")
    info = read_json(os.path.join(MAPS, "presence-tiers.json"))
    keys = [c["key"] for c in info["classes"]]
    check_eq(keys, ["staffed", "booked", "servicekontor", "cooperation", "none"],
             "the tiers present, in rank order (no agreement in this run)")
    munis, offices = municipalities(db)
    want = {}
    for m in munis.values():
        want[m["presence"]] = want.get(m["presence"], 0) + 1
    check_eq({c["key"]: c["count"] for c in info["classes"]}, want, "legend counts = the database's tiers")
    check_eq({s["type"]: s["count"] for s in info["symbols"]},
             {"staffed": 88, "booked": 24, "servicekontor": 3, "cooperation": 99}, "a symbol per type")
    check_eq(len({(s["fill"], s["stroke"]) for s in info["symbols"]}) >= 2, True, "solid and hollow symbols")
    # One sequential scheme, read from its dark end: each class lighter than the one before.
    def lum(c):
        r, g, b = (int(c[i:i + 2], 16) for i in (1, 3, 5)) if isinstance(c, str) else c
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    lums = [lum(c["color"]) for c in info["classes"]]
    check(all(a < b for a, b in zip(lums, lums[1:])), f"darkest first, lightest for none: {lums}")
    probed, _ = check_map_colours(png, info, munis, offices, lambda m: m["presence"], "presence tiers")
    kinds = {munis[k]["presence"] for k in probed}
    check_eq(kinds, set(keys), "probed inside municipalities of every tier")
    check(len(probed) > 200, f"most municipalities probed: {len(probed)}")


finish("test_render")
