"""The maps of narvaro compare (issue 5): the difference map and the two plans side by side,
drawn into DIR/maps/ and again by narvaro render from DIR/compare.sqlite. One comparison,
2019 -> 2020, serves every case. Pixels are probed at points known to lie inside each
municipality (from the polygons in compare.sqlite and the transform of --info) and
compared with the legend's colour for the class the database gives it."""
import os
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET

from nvcli import PLAN_2020, PLANS, case, check, check_eq, finish, read_csv, read_json, run, tmpdir
from nvmap import Image, probe_point, rings_by_code

os.environ["SOURCE_DATE_EPOCH"] = "1700000000"  # 2023-11-14 on every map
DATE = "2023-11-14"
PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")

OUT = os.path.join(tmpdir(), "cmp")
RC, STDOUT, STDERR = run("compare", PLAN_2019, PLAN_2020, "--out", OUT, "-q")
CDB = os.path.join(OUT, "compare.sqlite")
MAPS = tmpdir()
PUOR5 = ["#e66101", "#fdb863", "#f7f7f7", "#b2abd2", "#5e3c99"]
CHANGES = ["lost_presence", "longer", "unchanged", "shorter", "gained_presence"]


def comparison():
    """Municipalities with their change and both distances; the offices of each plan."""
    con = sqlite3.connect(CDB)
    rows = con.execute("SELECT kommunkod, namn, change, nearest_office_km_before, nearest_office_km_after,"
                       " rep_x, rep_y FROM municipalities ORDER BY kommunkod").fetchall()
    offices = {p: con.execute("SELECT x, y, closed FROM offices WHERE plan = ? AND status <> 'rejected'",
                              (p,)).fetchall() for p in ("before", "after")}
    con.close()
    rings = rings_by_code(CDB)
    munis = {r[0]: {"namn": r[1], "change": r[2], "km": (r[3], r[4]), "rep": (r[5], r[6]),
                    "rings": rings[r[0]]} for r in rows}
    return munis, offices


MUNIS, OFFICES = comparison() if RC == 0 else ({}, {})


def render(*args):
    code, _, e = run("render", "--db", CDB, *args)
    check_eq(code, 0, f"render {args} ({e})")


def to_px(t, x, y):
    return t["scale"] * x + t["x_offset"], t["y_offset"] - t["scale"] * y


def distance_class(km):
    k = 0
    for limit in (10, 25, 50, 100):
        k += km > limit
    return "class%d" % (k + 1)


def probe_all(img, info, transform, offices, key_of, what, also=None):
    """Every municipality with a usable probe point has the colour of its class; the same
    points of also (the same map drawn by compare) have the same colours. Returns
    {code: colour}."""
    view = dict(info, transform=transform)
    classes = {c["key"]: c for c in info["classes"]}
    offices_px = [to_px(transform, x, y) for x, y in offices]
    probed = {}
    for code, m in MUNIS.items():
        p = probe_point(m, view, offices_px)
        if p is None:
            continue
        key = key_of(m)
        got = img.at(*p)
        check_eq(got, classes[key]["color"], f"{what}: colour inside {code} {m['namn']} ({key}) at {p}")
        if also is not None:
            check_eq(also.at(*p), got, f"{what}: compare's own map has the same colour inside {code}")
        probed[code] = got
    check(len(probed) >= 240, f"{what}: probed {len(probed)} of {len(MUNIS)} municipalities")
    return probed


def check_fits(info, frame, transform, what):
    """Every vertex (Gotland, the northern mountains) inside the frame, none under the legend."""
    fx, fy, fw, fh = frame
    pts = [to_px(transform, x, y) for m in MUNIS.values() for r in m["rings"] for x, y in r]
    check(all(fx - 0.5 <= x <= fx + fw + 0.5 and fy - 0.5 <= y <= fy + fh + 0.5 for x, y in pts),
          f"{what}: every vertex inside the map frame")
    check(0 <= fx and fx + fw <= info["width"] and 0 <= fy and fy + fh <= info["height"], f"{what}: frame on the page")
    px, py, pw, ph = info["panel"]
    check_eq([p for p in pts if px <= p[0] <= px + pw and py <= p[1] <= py + ph], [],
             f"{what}: no boundary vertex under the legend")


@case
def compare_draws_the_difference_and_side_by_side_maps():
    check_eq(RC, 0, f"compare exit status ({STDERR})")
    check_eq(sorted(os.listdir(os.path.join(OUT, "maps"))), ["difference.png", "side-by-side.png"], "DIR/maps/")
    check_eq((Image(os.path.join(OUT, "maps", "difference.png")).w, Image(os.path.join(OUT, "maps",
                                                                                        "difference.png")).h),
             (1240, 1754), "difference: A4 portrait at 150 dpi")
    sbs = Image(os.path.join(OUT, "maps", "side-by-side.png"))
    check_eq((sbs.w, sbs.h), (2480, 1754), "side by side: A3 landscape at 150 dpi")
    check_eq(len(MUNIS), 290, "compare.sqlite holds every municipality")
    # The change classes of compare.sqlite are those of changes.csv (which lists the
    # municipalities whose situation changes; the others are unchanged).
    listed = {r["kommunkod"]: r["change"] for r in read_csv(os.path.join(OUT, "changes.csv"))}
    check_eq({k: m["change"] for k, m in MUNIS.items() if k in listed}, listed, "changes.csv agrees")
    check_eq({m["change"] for k, m in MUNIS.items() if k not in listed}, {"unchanged"}, "the rest is unchanged")
    check_eq(MUNIS["2584"]["change"], "lost_presence", "2584 Kiruna lost its presence")


@case
def difference_map_colours_legend_and_texts():
    png = os.path.join(MAPS, "difference.png")
    render("--map", "difference", "--out", png, "--info")
    info = read_json(png[:-4] + ".json")
    check_eq([c["key"] for c in info["classes"]], CHANGES, "the five classes, worst first")
    check_eq([c["color"] for c in info["classes"]], PUOR5,
             "PuOr: lost and gained presence at the strong ends, unchanged neutral")
    counts = {k: sum(m["change"] == k for m in MUNIS.values()) for k in CHANGES}
    check_eq({c["key"]: c["count"] for c in info["classes"]}, counts, "legend counts")
    check_eq((counts["lost_presence"], counts["longer"], counts["gained_presence"]), (112, 43, 0), "2019 -> 2020")
    closed = sum(c for _, _, c in OFFICES["before"])
    check_eq({s["type"]: s["count"] for s in info["symbols"]}, {"staffed": 88, "booked": 24, "closed": closed},
             "the new plan's offices and the closed ones")
    check(closed > 100, f"{closed} offices closed")
    img, own = Image(png), Image(os.path.join(OUT, "maps", "difference.png"))
    for c in info["classes"]:
        sx, sy, sw, sh = c["swatch"]
        check_eq(img.at(sx + sw / 2, sy + sh / 2), c["color"], f"legend swatch of {c['key']}")
    offices = [(x, y) for x, y, _ in OFFICES["after"]] + [(x, y) for x, y, c in OFFICES["before"] if c]
    probed = probe_all(img, info, info["transform"], offices, lambda m: m["change"], "difference", also=own)
    colour = {c["key"]: c["color"] for c in info["classes"]}
    check_eq(probed.get("2584"), colour["lost_presence"], "2584 Kiruna in the lost-presence colour")
    check_eq(probed.get("2510"), colour["unchanged"], "2510 Jokkmokk (unchanged) in the neutral colour")
    check_fits(info, info["frame"], info["transform"], "difference")
    check_eq(info["title"], "Vad den nya kontorsplanen förändrar", "Swedish title by default")
    for words in ("af-2019-illustrative.csv", "af-2020-illustrative.csv", "kommuner.shp", "Illustrativa", DATE):
        check(words in info["source"], f"source line names {words!r}: {info['source']}")


@case
def difference_svg_has_a_path_per_municipality():
    svg = os.path.join(MAPS, "difference.svg")
    render("--map", "difference", "--out", svg, "--info")
    info = read_json(svg[:-4] + ".json")
    root = ET.parse(svg).getroot()  # parses as XML
    # Municipalities are filled paths without a stroke, fill:rgb(r%,g%,b%).
    colours = {tuple(int(c["color"][i:i + 2], 16) for i in (1, 3, 5)): c["key"] for c in info["classes"]}
    fills = {}
    for p in root.iter("{http://www.w3.org/2000/svg}path"):
        m = re.search(r"fill:rgb\(([\d.]+)%,([\d.]+)%,([\d.]+)%\)", p.get("style", ""))
        if m and "stroke:none" in p.get("style", ""):
            key = colours.get(tuple(round(float(v) * 2.55) for v in m.groups()))
            if key:
                fills[key] = fills.get(key, 0) + 1
    check_eq(sum(fills.values()), 290, f"290 municipality paths ({fills})")
    check_eq({k: fills.get(k, 0) for k in CHANGES}, {c["key"]: c["count"] for c in info["classes"]},
             "paths per class")


@case
def side_by_side_same_classes_one_legend_both_plans():
    png = os.path.join(MAPS, "side-by-side.png")
    render("--map", "side-by-side", "--out", png, "--info")
    info = read_json(png[:-4] + ".json")
    check_eq([p["plan"] for p in info["panels"]], ["before", "after"], "two panels")
    check_eq([p["label"] for p in info["panels"]], ["2019", "2020"], "headed by the plans' years")
    check_eq(info["breaks_km"], [10, 25, 50, 100], "fixed breaks")
    keys = [c["key"] for c in info["classes"]]
    check_eq(keys, ["class1", "class2", "class3", "class4", "class5"], "one legend, five classes")
    for k, plan in enumerate(("before", "after")):
        want = {key: sum(distance_class(m["km"][k]) == key for m in MUNIS.values()) for key in keys}
        got = {c["key"]: c["count_before" if k == 0 else "count"] for c in info["classes"]}
        check_eq(got, want, f"legend counts of the {plan} plan")
    img, own = Image(png), Image(os.path.join(OUT, "maps", "side-by-side.png"))
    colour = {c["key"]: c["color"] for c in info["classes"]}
    kiruna = []
    for k, panel in enumerate(info["panels"]):
        offices = [(x, y) for x, y, _ in OFFICES[panel["plan"]]]
        probed = probe_all(img, info, panel["transform"], offices, lambda m: distance_class(m["km"][k]),
                           "side by side, " + panel["plan"], also=own)
        kiruna.append(probed.get("2584"))
        check_fits(info, panel["frame"], panel["transform"], "side by side, " + panel["plan"])
    check_eq(kiruna, [colour["class3"], colour["class5"]], "2584 Kiruna: 25-50 km in 2019, > 100 km in 2020")
    (ax, ay, aw, ah), (bx, by, bw, bh) = (p["frame"] for p in info["panels"])
    px = info["panel"][0]
    check(ax + aw < bx and bx + bw < px, "before, after and the legend side by side, not overlapping")
    check_eq(info["panels"][0]["transform"]["scale"], info["panels"][1]["transform"]["scale"], "one scale")
    for words in ("af-2019-illustrative.csv", "af-2020-illustrative.csv", "Illustrativa"):
        check(words in info["source"], f"source line names {words!r}")


@case
def side_by_side_pools_both_plans_for_jenks():
    png = os.path.join(MAPS, "side-jenks.png")
    render("--map", "side-by-side", "--breaks", "jenks", "--out", png, "--info")
    pooled = read_json(png[:-4] + ".json")["breaks_km"]
    # The same pooling as render --breaks-from with the two plans' own results.
    ref = os.path.join(MAPS, "distance-jenks.svg")
    code, _, e = run("render", "--db", os.path.join(OUT, "after", "narvaro.sqlite"), "--breaks-from",
                     os.path.join(OUT, "before", "narvaro.sqlite"), "--map", "distance", "--breaks", "jenks",
                     "--out", ref, "--info")
    check_eq(code, 0, f"render --breaks-from ({e})")
    check_eq(pooled, read_json(ref[:-4] + ".json")["breaks_km"], "jenks limits over both plans' values")
    check_eq(len(pooled), 4, "four limits")


@case
def english_with_lang_en():
    pdf = os.path.join(MAPS, "difference-en.pdf")
    render("--map", "difference", "--lang", "en", "--out", pdf)
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    for words in ("What the new office plan changes", "Lost presence", "Longer distance", "Unchanged",
                  "Shorter distance", "Gained presence", "Closed", "Illustrative", "af-2019-illustrative.csv"):
        check(words in text, f"English PDF says {words!r}")


@case
def no_maps_and_maps_that_need_a_comparison():
    out = os.path.join(tmpdir(), "nomaps")
    code, _, e = run("compare", PLAN_2019, PLAN_2020, "--no-maps", "--out", out, "-q")
    check_eq(code, 0, f"--no-maps exit status ({e})")
    check(os.path.exists(os.path.join(out, "compare.sqlite")), "--no-maps: compare.sqlite still written")
    check(not os.path.exists(os.path.join(out, "maps")), "--no-maps: no maps folder")
    for spec, what in (("difference", "what changes between two plans"), ("side-by-side", "two plans side by side")):
        code, _, e = run("render", "--db", os.path.join(OUT, "after", "narvaro.sqlite"), "--map", spec,
                         "--out", os.path.join(MAPS, "x.png"))
        check_eq(code, 2, f"{spec} from a single run: exit status")
        check(what in e and "compare.sqlite" in e, f"{spec}: says what to give instead: {e}")
    check(not os.path.exists(os.path.join(MAPS, "x.png")), "nothing written on failure")


finish("test_compare_maps")
