"""The result databases opened in QGIS itself (issue 11): Debian's python3-qgis, run by
Debian's /usr/bin/python3 with QT_QPA_PLATFORM=offscreen. Each layer must come with the
style of narvaro's own map (the same classes, labels and colours as `narvaro render
--info` reports for the map), QGIS's own renderer must draw it so, and only narvaro's
layers and tables may be listed. The PNGs QGIS draws are kept in the test's folder."""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp")

from qgis.core import (QgsApplication, QgsDataSourceUri, QgsMapRendererSequentialJob, QgsMapSettings,  # noqa: E402
                       QgsPointXY, QgsProviderRegistry, QgsVectorLayer)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402
from qgis.PyQt.QtXml import QDomDocument  # noqa: E402

from nvcli import PLANS, PLAN_2020, case, check, check_eq, finish, read_csv, read_json, run, tmpdir  # noqa: E402
from nvpg import Cluster  # noqa: E402

PLAN_2019 = os.path.join(PLANS, "af-2019-illustrative.csv")
COOP = os.path.join(PLANS, "af-2020-cooperation-illustrative.csv")
app = QgsApplication([], False)
app.initQgis()
WORK = tmpdir()


def analyze(*args):
    out = os.path.join(WORK, "run" + str(len(os.listdir(WORK))))
    code, _, err = run("analyze", "-q", *args, "--out", out)
    check_eq(code, 0, f"analyze {args} ({err})")
    return out


def map_info(db, spec, *args):
    """The legend classes and symbols of narvaro's own map of db."""
    png = os.path.join(WORK, f"{spec}-{len(os.listdir(WORK))}.png")
    code, _, err = run("render", "--db", db, "--map", spec, "--info", "-q", *args, "--out", png)
    check_eq(code, 0, f"render {spec} ({err})")
    return read_json(png[:-4] + ".json")


def layer(db, name):
    lyr = QgsVectorLayer(f"{db}|layername={name}", name, "ogr")
    check(lyr.isValid(), f"QGIS opens {db}|{name}")
    return lyr


def draw(layers, path, extent_layer):
    """Renders layers (top first) with QGIS's own renderer; returns the image and the map's
    transform from CRS metres to pixels."""
    ms = QgsMapSettings()
    ms.setLayers(layers)
    ms.setDestinationCrs(extent_layer.crs())
    ms.setExtent(extent_layer.extent())
    ms.setOutputSize(QSize(700, 1400))
    ms.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(ms)
    job.start()
    job.waitForFinished()
    img = job.renderedImage()
    img.save(path)
    return img, ms.mapToPixel()


def pixel(img, m2p, x, y):
    p = m2p.transform(QgsPointXY(x, y))
    return QColor(img.pixel(int(round(p.x())), int(round(p.y())))).name()


def categories(lyr):
    r = lyr.renderer()
    return r.type(), {c.value(): (c.label(), c.symbol().color().name()) for c in r.categories()}


def munis(out):
    return {m["kommunkod"]: m for m in read_csv(os.path.join(out, "municipalities.csv"))}


def expect_presence_style(lyr, info, what):
    kind, cats = categories(lyr)
    check_eq(kind, "categorizedSymbol", f"{what}: categorised")
    check_eq(lyr.renderer().classAttribute(), "presence", f"{what}: by presence")
    want = {("" if c["key"] == "other" else c["key"]): (c["label"], c["color"]) for c in info["classes"]}
    for key, val in want.items():
        check_eq(cats.get(key), val, f"{what}: category {key!r} as on the map")


def probe_presence(db, out, info, tag):
    m = munis(out)
    lyr = layer(db, "municipalities")
    check_eq(lyr.featureCount(), 290, f"{tag}: 290 municipalities")
    expect_presence_style(lyr, info, tag)
    img, m2p = draw([lyr], os.path.join(WORK, f"qgis-{tag}-presence.png"), lyr)
    colors = {c["key"]: c["color"] for c in info["classes"]}
    # Municipalities of every class: their representative points lie inside them.
    seen = {}
    for code, row in sorted(m.items(), key=lambda kv: -float(kv[1]["area_km2"])):  # big ones: no edge in the way
        key = row["presence"] if row["presence"] in colors else "other"
        if key in seen and len(seen[key]) >= 3:
            continue
        seen.setdefault(key, []).append(code)
        got = pixel(img, m2p, float(row["rep_x"]), float(row["rep_y"]))
        check_eq(got, colors[key], f"{tag}: QGIS draws {code} {row['namn']} ({key}) in the map's colour")
    check(set(seen) >= {"staffed", "booked", "none"}, f"{tag}: probed every class ({sorted(seen)})")
    kiruna = m["2584"]["presence"] if m["2584"]["presence"] in colors else "other"
    check_eq(pixel(img, m2p, float(m["2584"]["rep_x"]), float(m["2584"]["rep_y"])), colors[kiruna],
             f"{tag}: Kiruna ({kiruna})")


@case
def narvaro_sqlite_opens_in_qgis_as_the_presence_map():
    out = analyze()
    db = os.path.join(out, "narvaro.sqlite")
    names = sorted(d.name() for d in QgsProviderRegistry.instance().providerMetadata("ogr").querySublayers(db))
    check_eq(names, ["counties", "municipalities", "offices", "runs"], "QGIS lists narvaro's four tables, no others")
    info = map_info(db, "presence")
    probe_presence(db, out, info, "sqlite")

    # Offices by type, with the map's symbols.
    offices = layer(db, "offices")
    kind, cats = categories(offices)
    check_eq((kind, offices.renderer().classAttribute()), ("categorizedSymbol", "type"), "offices by type")
    sym = {s["type"]: s for s in info["symbols"]}
    for key in ("staffed", "booked"):
        c = [x for x in offices.renderer().categories() if x.value() == key]
        check(len(c) == 1, f"a category for {key}")
        if c:
            sl = c[0].symbol().symbolLayer(0)
            check_eq((sl.color().name(), sl.strokeColor().name()), (sym[key]["fill"], sym[key]["stroke"]),
                     f"{key} offices: the map's fill and stroke")
    img, m2p = draw([offices], os.path.join(WORK, "qgis-offices.png"), layer(db, "municipalities"))
    rows = [o for o in read_csv(os.path.join(out, "offices.csv")) if o["type"] == "staffed" and o["x"]]
    hits = sum(pixel(img, m2p, float(o["x"]), float(o["y"])) == sym["staffed"]["fill"] for o in rows)
    check(hits >= 0.9 * len(rows), f"QGIS draws the staffed offices as the map's dots ({hits} of {len(rows)})")

    # The distance style, offered as a second style of the layer.
    lyr = layer(db, "municipalities")
    n, ids, names, descs, error = lyr.listStylesInDatabase()
    check(n >= 2 and "distance" in " ".join(names).lower(), f"styles in the database: {names} {error}")
    dist = [i for i, nm in zip(ids, names) if "distance" in nm.lower() or "avstånd" in nm.lower()]
    check(len(dist) >= 1, "a distance style")
    if dist:
        qml, error = lyr.getStyleFromDatabase(dist[0])
        doc = QDomDocument()
        doc.setContent(qml)
        ok, error = lyr.importNamedStyle(doc)
        check(ok, f"QGIS reads the distance style ({error})")
        r = lyr.renderer()
        check_eq((r.type(), r.classAttribute()), ("graduatedSymbol", "nearest_office_km"), "graduated by km")
        dinfo = map_info(db, "distance")
        ranges = [(rg.label(), rg.symbol().color().name()) for rg in r.ranges()]
        want = [(c["label"], c["color"]) for c in dinfo["classes"] if c["key"] != "no_data"]
        check_eq(ranges, want, "the distance map's classes, labels and colours")
        img, m2p = draw([lyr], os.path.join(WORK, "qgis-distance.png"), lyr)
        m = munis(out)
        limits = [0] + dinfo["breaks_km"]
        for code in ("2584", "0180", "0115", "1480", "0980"):
            km = float(m[code]["nearest_office_km"])
            k = sum(1 for b in dinfo["breaks_km"] if km > b)
            check_eq(pixel(img, m2p, float(m[code]["rep_x"]), float(m[code]["rep_y"])), want[k][1],
                     f"{code} at {km} km in class {k + 1} ({limits[k]}..)")


@case
def the_presence_tiers_style_is_the_tier_map():
    """With the cooperation arrangements, the style has the tier map's classes (staffed,
    booked, cooperation, none) and the offices' style a category for cooperation sites."""
    out = analyze("--offices", PLAN_2020, "--offices", COOP)
    db = os.path.join(out, "narvaro.sqlite")
    info = map_info(db, "presence")
    check("cooperation" in {c["key"] for c in info["classes"]}, f"the tier map has cooperation: {info['classes']}")
    probe_presence(db, out, info, "tiers")
    m = munis(out)
    check_eq(sum(r["presence"] not in ("staffed", "booked", "none") for r in m.values()), 102,
             "102 municipalities with presence and no office")
    offices = layer(db, "offices")
    sym = {s["type"]: s for s in info["symbols"]}
    c = [x for x in offices.renderer().categories() if x.value() == "cooperation"]
    check(len(c) == 1, "a category for the cooperation sites")
    if c and "cooperation" in sym:
        sl = c[0].symbol().symbolLayer(0)
        check_eq((sl.shape() == sl.Triangle, sl.color().name()), (True, sym["cooperation"]["fill"]),
                 "cooperation sites: the map's triangle in its colour")


@case
def geopackage_and_english():
    out = analyze("--db-format", "gpkg", "--no-maps")
    db = os.path.join(out, "narvaro.gpkg")
    names = sorted(d.name() for d in QgsProviderRegistry.instance().providerMetadata("ogr").querySublayers(db))
    check_eq(names, ["counties", "municipalities", "offices", "runs"], "QGIS lists the GeoPackage's four tables")
    sqlite_out = analyze("--no-maps")
    info = map_info(os.path.join(sqlite_out, "narvaro.sqlite"), "presence")
    probe_presence(db, out, info, "gpkg")
    lyr = layer(db, "municipalities")
    n, ids, names, descs, error = lyr.listStylesInDatabase()
    en = [i for i, nm in zip(ids, names) if "english" in nm.lower() and "presence" in nm.lower()]
    check(len(en) == 1, f"an English presence style: {names}")
    if en:
        doc = QDomDocument()
        doc.setContent(lyr.getStyleFromDatabase(en[0])[0])
        lyr.importNamedStyle(doc)
        expect_presence_style(lyr, map_info(os.path.join(sqlite_out, "narvaro.sqlite"), "presence", "--lang", "en"),
                              "English")


@case
def compare_sqlite_opens_as_the_difference_map():
    out = os.path.join(WORK, "cmp")
    code, _, err = run("compare", PLAN_2019, PLAN_2020, "-q", "--no-maps", "--out", out)
    check_eq(code, 0, f"compare ({err})")
    db = os.path.join(out, "compare.sqlite")
    info = map_info(db, "difference")
    lyr = layer(db, "municipalities")
    kind, cats = categories(lyr)
    check_eq((kind, lyr.renderer().classAttribute()), ("categorizedSymbol", "change"), "by change")
    check_eq(cats, {c["key"]: (c["label"], c["color"]) for c in info["classes"]}, "the difference map's classes")
    img, m2p = draw([lyr], os.path.join(WORK, "qgis-change.png"), lyr)
    colors = {c["key"]: c["color"] for c in info["classes"]}
    changes = {c["kommunkod"]: c for c in read_csv(os.path.join(out, "changes.csv"))}
    m = munis(os.path.join(out, "after"))
    for code in ("2584", "1480", "0180"):
        check_eq(pixel(img, m2p, float(m[code]["rep_x"]), float(m[code]["rep_y"])),
                 colors[changes[code]["change"]], f"{code}: {changes[code]['change']}")
    unchanged = [c for c in m if c not in changes][:3]
    for code in unchanged:
        check_eq(pixel(img, m2p, float(m[code]["rep_x"]), float(m[code]["rep_y"])), colors["unchanged"],
                 f"{code}: unchanged")


@case
def postgis_latest_opens_in_qgis_with_the_style():
    pg = Cluster()
    try:
        pg.start()
        out = analyze("--no-maps", "--postgis", pg.conn())
        info = map_info(os.path.join(out, "narvaro.sqlite"), "presence")
        uri = QgsDataSourceUri()
        uri.setConnection(pg.root, "5432", "narvaro", "postgres", "")
        uri.setDataSource("narvaro", "latest", "geom", "", "fid")
        lyr = QgsVectorLayer(uri.uri(False), "latest", "postgres")
        check(lyr.isValid(), "QGIS opens narvaro.latest")
        check_eq(lyr.featureCount(), 290, "290 municipalities in latest")
        expect_presence_style(lyr, info, "PostGIS latest")
        img, m2p = draw([lyr], os.path.join(WORK, "qgis-postgis-latest.png"), lyr)
        m = munis(out)
        colors = {c["key"]: c["color"] for c in info["classes"]}
        for code in ("2584", "0180", "2580"):
            key = m[code]["presence"]
            check_eq(pixel(img, m2p, float(m[code]["rep_x"]), float(m[code]["rep_y"])), colors[key],
                     f"PostGIS: {code} ({key})")
        offices = QgsVectorLayer(
            f"host={pg.root} port=5432 dbname=narvaro user=postgres key='fid' table=\"narvaro\".\"offices\" (geom)",
            "offices", "postgres")
        check_eq((offices.isValid(), offices.renderer().type(), offices.renderer().classAttribute()),
                 (True, "categorizedSymbol", "type"), "PostGIS offices by type")
    finally:
        pg.stop()


finish("test_qgis")
