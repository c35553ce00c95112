"""Bad input, case by case: each with its exit status and the words stderr must hold.
A failing run (exit 2) writes nothing: the --out folder is not created."""
import os
import shutil

from nvcli import (KOMMUNER_SHP, SHARED, TEST_DATA, case, check, check_eq, finish, read_csv, run,
                   tmpdir)

OFF = os.path.join(TEST_DATA, "offices")
CLI = os.path.join(TEST_DATA, "cli")

# A Shapefile without its .prj: the same municipalities, no CRS.
NOPRJ = os.path.join(tmpdir(), "noprj")
os.makedirs(NOPRJ)
for ext in ("shp", "shx", "dbf", "cpg"):
    shutil.copy(KOMMUNER_SHP[:-3] + ext, os.path.join(NOPRJ, "kommuner." + ext))
NOPRJ_SHP = os.path.join(NOPRJ, "kommuner.shp")

# (name, arguments, exit status, substrings expected on stderr)
CASES = [
    ("missing plan file", ["--offices", "/nonexistent/plan.csv"], 2,
     ["/nonexistent/plan.csv", "No such file"]),
    ("missing boundaries file", ["--boundaries", "/nonexistent/kommuner.shp"], 2,
     ["/nonexistent/kommuner.shp: no such file", "--boundaries"]),
    ("no coordinate columns", ["--offices", f"{OFF}/no_coordinates.csv"], 2,
     ["no_coordinates.csv:1:", "office_id, name, adress", "lat"]),
    ("a row with too few fields", ["--offices", f"{OFF}/too_few_fields.csv"], 2,
     ["too_few_fields.csv:5:", "4 fields", "header has 7"]),
    ("latitude out of range", ["--offices", f"{OFF}/out_of_range.csv"], 2,
     ["out_of_range.csv:2:", "191.2", "outside -90..90", "swapped",
      "out_of_range.csv:3:", "-200", "outside -180..180"]),
    ("swapped lat/lon", ["--offices", f"{CLI}/swapped.csv"], 2,
     ["swapped.csv:2:", "swapped.csv:3:", "0114 Upplands Väsby", "0115 Vallentuna", "swapped"]),
    ("unparsable number", ["--offices", f"{OFF}/bad_number.csv"], 2,
     ["bad_number.csv:2:", "59.5x", "not a number", "bad_number.csv:3:", "abc"]),
    ("duplicate office id", ["--offices", f"{OFF}/duplicate_id.csv"], 2,
     ["duplicate_id.csv:4:", "duplicate office id AF001", "duplicate_id.csv:2"]),
    ("duplicate id across two plans",
     ["--offices", f"{OFF}/duplicate_id.csv", "--offices", f"{OFF}/duplicate_id_other_file.csv"], 2,
     ["duplicate_id_other_file.csv:3:", "AF002"]),
    ("empty file", ["--offices", f"{OFF}/empty.csv"], 2, ["empty.csv", "no data rows"]),
    ("header only", ["--offices", f"{OFF}/header_only.csv"], 2, ["header_only.csv", "no data rows"]),
    ("unclosed quote", ["--offices", f"{OFF}/unclosed_quote.csv"], 2, ["unclosed_quote.csv:2:", "quote"]),
    ("boundaries without a CRS", ["--boundaries", NOPRJ_SHP], 2,
     ["noprj/kommuner.shp", "no coordinate reference system", "--boundaries-crs EPSG:3006", "-a_srs"]),
    ("unknown layer", ["--layer", "kommun"], 2, ["no layer named 'kommun'", "layers: kommuner", "--layer"]),
    ("unknown field", ["--id-field", "KnKod"], 2,
     ["no field named 'KnKod'", "kommunkod", "namn", "lanskod", "--id-field"]),
    ("unknown CRS", ["--crs", "EPSG:99999"], 2, ["--crs EPSG:99999", "PROJ"]),
    ("geographic analysis CRS", ["--crs", "EPSG:4326"], 2, ["geographic", "projected"]),
    ("unknown encoding", ["--encoding", "EBCDIC"], 2, ["unknown encoding", "CP1252"]),
    ("bad --snap-km", ["--snap-km", "two"], 2, ["--snap-km 'two'"]),
    ("bad --delimiter", ["--delimiter", "::"], 2, ["--delimiter"]),
    ("unknown option", ["--frobnicate"], 2, ["--help"]),
    # Options are checked before any work (issue 8, item 13).
    ("repeated radius", ["--radius-km", "10,10"], 2, ["--radius-km '10,10'", "twice"]),
    ("radii that name the same column", ["--radius-km", "10,10.0000001"], 2, ["twice"]),
    ("empty --out", ["--out", ""], 2, ["--out needs a value"]),
    ("empty --offices", ["--offices", ""], 2, ["--offices needs a value"]),
    ("an option given twice", ["--crs", "EPSG:3006", "--crs", "EPSG:3021"], 2, ["--crs is given twice"]),
    ("unknown --offices-crs", ["--offices-crs", "foo"], 2, ["--offices-crs foo: unknown CRS"]),
    # A CRS unfit for distances (item 4).
    ("unknown CRS by a loose name", ["--crs", "foo"], 2, ["--crs foo: unknown CRS"]),
    ("CRS unfit for distances", ["--crs", "EPSG:3857"], 2,
     ["--crs EPSG:3857 is unfit for distances", "proj_factors", "at most 1 %", "EPSG:3006"]),
    ("CRS in feet", ["--crs", "EPSG:2263"], 2, ["--crs EPSG:2263", "US survey foot", "metres"]),
    ("geocentric CRS", ["--crs", "EPSG:4978"], 2, ["--crs EPSG:4978 is not a projected CRS"]),
]


def run_case(name, args, status, needles):
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", *args, "--out", out)
    check_eq(code, status, f"{name}: exit status (stderr: {err.strip()[:400]})")
    for n in needles:
        check(n in err, f"{name}: stderr lacks {n!r}: {err.strip()[:600]}")
    if status == 2:
        check(not os.path.exists(out), f"{name}: nothing is written on bad input")
        check(err.startswith("narvaro: "), f"{name}: messages are prefixed narvaro:")


@case
def bad_inputs_as_data():
    for c in CASES:
        run_case(*c)


@case
def unknown_crs_is_not_called_geographic():
    code, _, err = run("analyze", "--crs", "foo", "--out", os.path.join(tmpdir(), "out"))
    check_eq(code, 2, "--crs foo")
    check("geographic" not in err and "Amersfoort" not in err, f"--crs foo is unknown, nothing else: {err}")


@case
def options_are_checked_before_any_input_is_read():
    # A plan that is a FIFO nobody writes: reading it would block, so a run that checks its
    # options first exits at once.
    import subprocess
    from nvcli import NARVARO
    d = tmpdir()
    fifo = os.path.join(d, "plan.csv")
    os.mkfifo(fifo)
    for bad in (["--radius-km", "10,10"], ["--out", ""], ["--crs", "foo"], ["--snap-km", "-1"],
                ["--encoding", "EBCDIC"], ["--population", "/nonexistent/points.csv"],
                ["--out", "/nonexistent/dir/out"]):
        try:
            p = subprocess.run([NARVARO, "analyze", "--offices", fifo, *bad, "--out", os.path.join(d, "o")]
                               if bad[0] != "--out" else [NARVARO, "analyze", "--offices", fifo, *bad],
                               capture_output=True, text=True, timeout=30)
            check_eq(p.returncode, 2, f"{bad}: exit status ({p.stderr.strip()})")
        except subprocess.TimeoutExpired:
            check(False, f"{bad}: narvaro read its inputs before checking the options (it blocked on a FIFO)")


@case
def a_crs_fit_for_distances_is_accepted():
    # The UTM zone the refusal of EPSG:3857 suggests gives distances within 0.5 % of SWEREF 99 TM.
    from nvcli import read_json
    ref, utm = os.path.join(tmpdir(), "ref"), os.path.join(tmpdir(), "utm")
    code, _, err = run("analyze", "--tables-only", "-q", "--out", ref)
    check_eq(code, 0, f"default run ({err})")
    code, _, err = run("analyze", "--tables-only", "-q", "--crs", "EPSG:32633", "--out", utm)
    check_eq(code, 0, f"--crs EPSG:32633 ({err})")
    a = read_json(os.path.join(ref, "summary.json"))["mean_nearest_office_km"]
    b = read_json(os.path.join(utm, "summary.json"))["mean_nearest_office_km"]
    check(abs(a - b) / a < 0.005, f"mean distance in UTM 33N {b} km against SWEREF 99 TM {a} km")


@case
def declared_crs_makes_the_shapefile_usable():
    out = os.path.join(tmpdir(), "out")
    code, stdout, err = run("analyze", "--boundaries", NOPRJ_SHP, "--boundaries-crs", "EPSG:3006", "--out", out)
    check_eq(code, 0, f"--boundaries-crs rescues a missing .prj ({err})")
    check("184 without" in stdout, stdout)


@case
def missing_out_and_unknown_command():
    code, _, err = run("analyze")
    check_eq(code, 2, "analyze without --out")
    check("--out" in err, err)
    code, _, err = run("analyse")
    check_eq(code, 2, "unknown command")
    check("unknown command 'analyse'" in err and "analyze" in err, err)
    code, _, _ = run()
    check_eq(code, 2, "no command")


@case
def an_office_abroad_is_rejected_and_accounted_for():
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--offices", f"{CLI}/abroad_and_mismatch.csv", "--out", out)
    check_eq(code, 0, f"exit status with one office abroad ({err})")
    rows = {r["office_id"]: r for r in read_csv(os.path.join(out, "offices.csv"))}
    check_eq(sorted(rows), ["K1", "K2", "N1"], "every input row is in offices.csv")
    check_eq(rows["N1"]["status"], "rejected", "Oslo is rejected")
    check("outside every municipality" in rows["N1"]["note"] and "--snap-km" in rows["N1"]["note"],
          "the reason: " + rows["N1"]["note"])
    check_eq(rows["N1"]["kommunkod"], "", "a rejected office has no municipality")
    check_eq((rows["K1"]["status"], rows["K1"]["kommunkod"]), ("placed", "2584"), "Kiruna placed")
    check_eq(rows["K2"]["kommunkod"], "0114", "the coordinates decide the municipality")
    check("plan says kommunkod 0115" in rows["K2"]["note"], "disagreement noted: " + rows["K2"]["note"])
    check("abroad_and_mismatch.csv:2: warning: office N1 rejected" in err, err)
    check("abroad_and_mismatch.csv:4: warning: office K2" in err, err)
    code, _, err = run("analyze", "-q", "--offices", f"{CLI}/abroad_and_mismatch.csv", "--out", out)
    check_eq((code, err), (0, ""), "--quiet silences warnings")


@case
def an_office_just_off_the_simplified_coast_is_snapped():
    # A point 500 m east of Gotland's easternmost vertex lies in the sea, outside every
    # polygon, and within the default 2 km of Gotland (0980). Computed with GDAL.
    from osgeo import ogr, osr
    ogr.UseExceptions()
    ds = ogr.Open(KOMMUNER_SHP)
    layer = ds.GetLayer(0)
    layer.SetAttributeFilter("kommunkod = '0980'")
    feature = layer.GetNextFeature()  # kept alive: its geometry is borrowed from it
    g = feature.GetGeometryRef().Clone()
    env = g.GetEnvelope()
    x, y = env[1] + 500.0, None
    polys = [g.GetGeometryRef(i) for i in range(g.GetGeometryCount())] \
        if g.GetGeometryName() == "MULTIPOLYGON" else [g]
    for poly in polys:
        ring = poly.GetGeometryRef(0)
        for i in range(ring.GetPointCount()):
            if ring.GetX(i) == env[1]:
                y = ring.GetY(i)
    src = osr.SpatialReference()
    src.ImportFromEPSG(3006)
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(src, dst).TransformPoint(x, y)
    plan = os.path.join(tmpdir(), "coast.csv")
    with open(plan, "w") as f:
        f.write(f"office_id,lat,lon\nG1,{lat:.7f},{lon:.7f}\n")
    out = os.path.join(tmpdir(), "out")
    code, _, err = run("analyze", "--offices", plan, "--out", out)
    check_eq(code, 0, f"snapped office run ({err})")
    row = read_csv(os.path.join(out, "offices.csv"))[0]
    check_eq((row["status"], row["kommunkod"]), ("snapped", "0980"), "snapped to Gotland")
    check(0 < float(row["snap_m"]) <= 500.5, f"snapped distance at most the 500 m offset: {row['snap_m']}")
    check("coast.csv:2: warning: office G1 lies" in err, err)
    # Tighter, the office is rejected; alone it would leave a plan of which no office can
    # be placed (bad input), so an office in Kiruna keeps the plan a plan.
    with open(plan, "a") as f:
        f.write("K1,67.8558,20.2253\n")
    code, _, err = run("analyze", "--offices", plan, "--snap-km", "0.1", "--out", out)
    check_eq(code, 0, "a tighter --snap-km still runs")
    check_eq(read_csv(os.path.join(out, "offices.csv"))[0]["status"], "rejected", "beyond --snap-km 0.1")
    with open(plan, "w") as f:
        f.write(f"office_id,lat,lon\nG1,{lat:.7f},{lon:.7f}\n")
    code, _, err = run("analyze", "--offices", plan, "--snap-km", "0.1", "--out", os.path.join(tmpdir(), "o"))
    check_eq(code, 2, "a plan whose only office lies beyond --snap-km")
    check("coast.csv: no office of this file can be placed" in err and "--snap-km" in err, err)


finish("test_bad_inputs")
