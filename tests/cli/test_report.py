"""report.html in a real browser: Debian's headless Chromium over the DevTools protocol.

The default 2020 run, with one office and one municipality renamed to markup, is opened
from file://; the checks drive real mouse and keyboard input and read the DOM. A
screenshot (report.png, report-tooltip.png) and the print (report.pdf) are saved beside the
result for a person to look at: NV_TEST_KEEP=1 keeps the work folder and prints its path."""
import base64
import csv
import json
import os
import re
import shutil
import subprocess

from nvcli import (KOMMUNER_SHP, PLAN_2020, case, check, check_eq, finish, read_csv, read_json, run,
                   tmpdir)
from nvbrowser import Browser, click_header, column, fills, hover, retried

XSS_OFFICE = '<img src=x onerror="window.__xss=1">'
XSS_MUNI = '</script><script>window.__xss2=1</script><b onmouseover=window.__xss3=1>Danderyd'

WORK = tmpdir()


def plan_with_markup():
    """The 2020 plan with AF001's name replaced by markup."""
    out = os.path.join(WORK, "plan.csv")
    with open(PLAN_2020, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    for r in rows[1:]:
        if r[0] == "AF001":
            r[1] = XSS_OFFICE
    with open(out, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return out


def boundaries_with_markup():
    """The shared boundaries as a GeoPackage in the work folder, 0162 Danderyd renamed."""
    from osgeo import ogr
    out = os.path.join(WORK, "kommuner.gpkg")
    src = ogr.Open(KOMMUNER_SHP)
    dst = ogr.GetDriverByName("GPKG").CreateDataSource(out)
    lyr = dst.CopyLayer(src.GetLayer(0), "kommuner")
    for feat in lyr:
        if feat.GetField("kommunkod") == "0162":
            feat.SetField("namn", XSS_MUNI)
            lyr.SetFeature(feat)
    dst = None
    return out


def sv_key(name):
    """Swedish alphabetical order for the names of the data: å ä ö after z."""
    order = {"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"}
    return "".join(order.get(c, c) for c in name.lower())


PLAN = plan_with_markup()
BOUNDARIES = boundaries_with_markup()
OUT = os.path.join(WORK, "out")
status, stdout, stderr = run("analyze", "--boundaries", BOUNDARIES, "--offices", PLAN, "--out", OUT, "-q")
check_eq(status, 0, f"analyze exits 0 ({stderr.strip()})")
REPORT = os.path.join(OUT, "report.html")
MUNIS = {r["kommunkod"]: r for r in read_csv(os.path.join(OUT, "municipalities.csv"))}
HTML = open(REPORT, encoding="utf-8").read()


@case
def file_is_self_contained():
    size = os.path.getsize(REPORT)
    check(size < 2_000_000, f"report.html is under 2 MB ({size} bytes)")
    # No URL but the SVG namespace name (an identifier, never fetched), nothing linked in.
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", HTML))
    check_eq(urls, {"http://www.w3.org/2000/svg"}, "the only URL is the SVG namespace")
    check(not re.search(r"<(link|img|iframe|object|embed)\b", HTML), "no <link>, <img>, <iframe>, <object>")
    check(not re.search(r"<script[^>]+src=", HTML), "no external script")
    check(XSS_OFFICE not in HTML and XSS_MUNI not in HTML, "the markup names never appear unescaped")


@case
def no_report_option():
    out = os.path.join(WORK, "noreport")
    status, _, err = run("analyze", "--no-report", "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze --no-report exits 0 ({err.strip()})")
    check(not os.path.exists(os.path.join(out, "report.html")), "--no-report writes no report.html")
    check(os.path.exists(os.path.join(out, "summary.json")), "--no-report still writes the result")
    out = os.path.join(WORK, "tables")
    status, _, err = run("analyze", "--tables-only", "--out", out, "-q")
    check(status == 0 and not os.path.exists(os.path.join(out, "report.html")), "--tables-only writes no report")
    status, _, err = run("analyze", "--lang", "fi", "--out", os.path.join(WORK, "fi"))
    check_eq(status, 2, "--lang fi is a usage error")
    check("give sv or en" in err, f"--lang fi says what to give ({err.strip()})")


@case
def english():
    out = os.path.join(WORK, "en")
    status, _, err = run("analyze", "--lang", "en", "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze --lang en exits 0 ({err.strip()})")
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    check("106 of 290 municipalities have an office of their own, 184 have none." in text,
          "the English summary counts 106 of 290")
    check('<html lang="en">' in text, "the page says it is English")


@case
def every_form_of_presence():
    """The 2020 plan with its cooperation arrangements: 106 / 208 / 82 in words, Heby's
    cooperation as its presence, locations and the nearest presence in the table."""
    out = os.path.join(WORK, "coop")
    coop = os.path.join(os.path.dirname(PLAN_2020), "af-2020-cooperation-illustrative.csv")
    status, _, err = run("analyze", "--offices", PLAN_2020, "--offices", coop, "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze with cooperation exits 0 ({err.strip()})")
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    check("102 av kommunerna utan kontor har en annan form av närvaro, 82 saknar närvaro helt." in text,
          "the summary says 102 more with other presence, 82 without any")
    munis = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    heby = munis["0331"]
    check_eq(heby["presence"], "cooperation", "Heby's presence is cooperation")
    row = re.search(r'<tr data-lan="03"><td>0331</td>(.*?)</tr>', text)
    check(row is not None and "<td>Samarbete</td>" in row.group(1), "Heby's row names its presence in Swedish")
    cells = re.findall(r'data-v="([^"]*)"', row.group(1)) if row else []
    km = f"{float(heby['nearest_presence_km']):.1f}"
    check(heby["locations"] in cells and km in cells, f"Heby's row has its locations and nearest presence ({cells})")
    # Each form of presence has the PNG map's symbol: cooperation a triangle, not a dot.
    offices = read_csv(os.path.join(out, "offices.csv"))
    coop_rows = [o for o in offices if o["type"] == "cooperation" and o["status"] in ("placed", "snapped")]
    triangles = re.findall(r'<path class="of of-cooperation"[^>]* d="M0-585l518 923h-1036z"', text)
    check(len(coop_rows) > 90 and len(triangles) == len(coop_rows),
          f"every cooperation arrangement is a triangle ({len(triangles)} of {len(coop_rows)})")
    check(re.search(r'<li><svg[^>]*><path d="M0-585l518 923h-1036z"[^<]*</svg>Samarbete', text) is not None,
          "the legend shows the triangle for Samarbete")


def presence_colors():
    """The presence map's classes as narvaro render --info gives them: the PNG's colours."""
    png = os.path.join(WORK, "presence.png")
    status, _, err = run("render", "--db", os.path.join(OUT, "narvaro.sqlite"), "--map", "presence",
                         "--info", "--out", png)
    check_eq(status, 0, f"render --info exits 0 ({err.strip()})")
    info = read_json(os.path.join(WORK, "presence.json"))
    return {c["key"]: c["color"].lower() for c in info["classes"]}


@case
@retried
def in_the_browser():
    png_colors = presence_colors()
    with Browser(1280, 1000) as b:
        b.open(REPORT)
        # Exceptions thrown by the page's script would show up as events.
        errors = [e for e in b.events if e["method"] == "Runtime.exceptionThrown"]
        check_eq(errors, [], "the page's script throws nothing")
        codes = b.js("Array.prototype.map.call(document.querySelectorAll('#munis path[data-kommunkod]'),"
                     "function(p){return p.getAttribute('data-kommunkod');})")
        check_eq(len(codes), 290, "290 municipalities drawn")
        check_eq(sorted(codes), sorted(MUNIS), "one path per municipality of municipalities.csv")
        drawn = b.js("Array.prototype.filter.call(document.querySelectorAll('#munis path'),"
                     "function(p){var r=p.getBoundingClientRect();return r.width>0&&r.height>0;}).length")
        check_eq(drawn, 290, "every municipality has a size on screen")

        # The presence colours are the PNG map's, municipality by municipality.
        before = dict(fills(b))
        wrong = [c for c, f in before.items() if f.lower() != png_colors[MUNIS[c]["presence"]]]
        check_eq(wrong, [], "every municipality has its presence class's colour from the PNG map")
        b.screenshot(os.path.join(OUT, "report.png"))

        # Hover Kiruna: its name, its county and its distance (158.0 km in the 2020 plan).
        text = hover(b, "2584") or ""
        km = float(MUNIS["2584"]["nearest_office_km"])
        check("Kiruna" in text, f"hovering Kiruna shows its name ({text!r})")
        check(f"{km:.1f}".replace(".", ",") + " km" in text, f"the tooltip shows {km:.1f} km ({text!r})")
        check("Norrbottens län" in text, "the tooltip names the county")
        check("Ingen närvaro" in text, "the tooltip names the presence tier")
        b.screenshot(os.path.join(OUT, "report-tooltip.png"))
        # Moving off the map hides it.
        b.mouse_move(1270, 5)
        check(b.js("document.getElementById('tooltip').hidden"), "the tooltip hides off the map")

        # Keyboard: Tab from the zoom list reaches the first municipality and shows its tooltip.
        b.js("document.getElementById('zoom').focus()")
        b.key("Tab", "Tab", 9)
        focused = b.js("document.activeElement.getAttribute('data-kommunkod')")
        check_eq(focused, "0114", "Tab moves from the zoom list to the first municipality")
        tip = b.js("document.getElementById('tooltip').hidden ? '' : document.getElementById('tooltip').innerText")
        check("Upplands Väsby" in tip, f"focus shows the tooltip ({tip!r})")
        b.key("Tab", "Tab", 9)
        check_eq(b.js("document.activeElement.getAttribute('data-kommunkod')"), "0115", "Tab moves on to 0115")
        b.js("document.activeElement.blur()")

        # The markup names show as text and run nothing.
        text = hover(b, "0114") or ""
        check(XSS_OFFICE in text, f"an office named with markup shows as text ({text!r})")
        text = hover(b, "0162") or ""
        check(XSS_MUNI in text, f"a municipality named with markup shows as text ({text!r})")
        cell = b.js("Array.prototype.find.call(document.querySelectorAll('#t-muni tbody tr'),"
                    "function(r){return r.cells[0].textContent==='0162';}).cells[1].textContent")
        check_eq(cell, XSS_MUNI, "the table shows the markup name as text")
        check_eq(b.js("[window.__xss, window.__xss2, window.__xss3].join(',')"), ",,", "no injected script ran")
        check_eq(b.js("document.querySelectorAll('img, #t-muni b').length"), 0, "no element made from a name")

        # Switching the measure recolours the map with the distance classes.
        b.js("var s=document.getElementById('measure'); s.value='1'; s.dispatchEvent(new Event('change'))")
        after = dict(fills(b))
        changed = sum(1 for c in after if after[c] != before[c])
        check(changed > 100, f"switching to distance recolours the map ({changed} municipalities changed)")
        legend = b.js("Array.prototype.map.call(document.querySelectorAll('#legend ul:first-of-type li'),"
                      "function(li){return [li.textContent, li.querySelector('.sw').style.backgroundColor];})")
        check(any(t.startswith("> 100 km") for t, _ in legend), f"the legend shows the distance classes ({legend})")
        last = [c for t, c in legend if t.startswith("> 100 km")]
        rgb = b.js(f"(function(){{var d=document.createElement('div');d.style.color='{after['2584']}';"
                   "return d.style.color;})()")
        check(last and rgb == last[0], f"Kiruna (158 km) has the colour of '> 100 km' ({rgb} vs {last})")
        beyond = [c for c in MUNIS if MUNIS[c]["nearest_office_km"] and float(MUNIS[c]["nearest_office_km"]) > 100]
        check_eq(sorted(c for c in after if after[c] == after["2584"]), sorted(beyond),
                 "exactly the municipalities beyond 100 km share Kiruna's colour")

        # Sorting the municipality table by distance orders it by the numbers.
        col = click_header(b, "t-muni", "Närmaste kontor")
        vals = [float(v) for v, _ in column(b, "t-muni", col) if v]
        check(len(vals) == 290 and vals == sorted(vals), "a click sorts by distance, ascending")
        click_header(b, "t-muni", "Närmaste kontor")
        vals = [float(v) for v, _ in column(b, "t-muni", col) if v]
        check(vals == sorted(vals, reverse=True), "a second click sorts descending")
        check_eq(b.js("document.querySelector('#t-muni tbody tr').cells[1].textContent"), "Kiruna",
                 "the farthest municipality, Kiruna, comes first")
        # By name: Swedish order, å ä ö after z.
        col = click_header(b, "t-muni", "Kommun")
        names = [t for _, t in column(b, "t-muni", col)]
        plain = [n for n in names if n != XSS_MUNI]
        check_eq(plain, sorted(plain, key=sv_key), "names sort in Swedish order")
        check(names.index("Åre") > names.index("Ydre") and names.index("Örebro") > names.index("Älvsbyn"),
              "Å, Ä and Ö come after Y, in that order")

        # Filtering by county: Norrbotten's 14 municipalities.
        b.js("var s=document.querySelector('select.county-filter[data-table=\"t-muni\"]'); s.value='25';"
             "s.dispatchEvent(new Event('change'))")
        shown = b.js("Array.prototype.filter.call(document.querySelectorAll('#t-muni tbody tr'),"
                     "function(r){return !r.hidden && r.getBoundingClientRect().height>0;}).map(function(r){return r.cells[0].textContent;})")
        check_eq(sorted(shown), sorted(c for c in MUNIS if MUNIS[c]["lanskod"] == "25"),
                 "filtering by county 25 shows its municipalities only")

        # Zooming to Norrbotten: Kiruna then fills a good part of the map.
        size0 = b.js("(function(){var r=document.querySelector('#munis path[data-kommunkod=\"2584\"]').getBoundingClientRect();return r.width*r.height;})()")
        b.js("var z=document.getElementById('zoom'); z.value='25'; z.dispatchEvent(new Event('change'))")
        size1 = b.js("(function(){var r=document.querySelector('#munis path[data-kommunkod=\"2584\"]').getBoundingClientRect();return r.width*r.height;})()")
        check(size1 > 4 * size0, f"zooming to county 25 enlarges Kiruna ({size0:.0f} -> {size1:.0f} px²)")
        text = hover(b, "2584") or ""
        check("Kiruna" in text, "hovering works on the zoomed map too")

        # Nothing but the file itself was requested, after all of that.
        reqs = b.requests()
        check_eq(sorted(set(reqs)), ["file://" + os.path.abspath(REPORT)], "no request leaves the file")

        # Print: the summary, the map and its legend on the first A4 page, the tables after.
        b.js("var s=document.getElementById('measure'); s.value='0'; s.dispatchEvent(new Event('change'));"
             "var z=document.getElementById('zoom'); z.value=''; z.dispatchEvent(new Event('change'))")
        pdf = b.send("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, preferCSSPageSize=True)["data"]
        pdf_path = os.path.join(OUT, "report.pdf")
        with open(pdf_path, "wb") as f:
            f.write(base64.b64decode(pdf))
    page1 = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", pdf_path, "-"], capture_output=True,
                           text=True).stdout
    page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", pdf_path, "-"], capture_output=True, text=True).stdout
    info = subprocess.run(["pdfinfo", pdf_path], capture_output=True, text=True).stdout
    check("A4" in info or "595.92 x 842.88" in info or "595 x 842" in info, f"the print is A4 ({info!r})")
    check("106 av 290 kommuner" in page1, "page 1 of the print holds the summary")
    check("Bemannat kontor" in page1 and "Ingen närvaro" in page1, "page 1 holds the map's legend (after the map)")
    check(page2.lstrip().startswith("Kommuner"), f"the tables start on page 2 ({page2[:40]!r})")


def sv_people(s):
    """People as municipalities.csv writes them ("8295.88"), as the Swedish page does:
    a no-break space between thousands, a decimal comma."""
    whole, _, frac = s.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = whole.lstrip("-")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + "\u00a0".join(groups) + ("," + frac if frac else "")


@case
@retried
def people_agree_with_municipalities_csv():
    """Fractional people (demand points at the Swedish localities with 1000.5, 1000.25, …
    people) read the same in the page as in municipalities.csv, to the hundredth: the table
    (its sort values and its text), the tooltip and the summary."""
    from nvcli import PLANS
    localities = os.path.join(os.path.dirname(PLANS), "places", "localities.csv")
    pop = os.path.join(WORK, "fractional-population.csv")
    with open(localities, encoding="utf-8", newline="") as f, open(pop, "w", newline="") as g:
        out = csv.writer(g)
        out.writerow(["lat", "lon", "population"])
        for i, r in enumerate(csv.DictReader(f)):
            out.writerow([r["lat"], r["lon"], 1000 + 37 * (i % 11) + [0, 0.5, 0.25, 0.125, 0.75][i % 5]])
    out = os.path.join(WORK, "fractional")
    status, _, err = run("analyze", "--population", pop, "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze with fractional people exits 0 ({err.strip()})")
    munis = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    check_eq(munis["2584"]["population"], "8295.88", "Kiruna has 8295.88 people in municipalities.csv")
    fractional = [c for c in munis if "." in munis[c]["population"]]
    check(len(fractional) > 100, f"most municipalities have fractional people ({len(fractional)})")
    nation = read_json(os.path.join(out, "summary.json"))["population"]["population"]
    with Browser(1280, 1000) as b:
        b.open(os.path.join(out, "report.html"))
        col = b.js("Array.prototype.findIndex.call(document.querySelectorAll('#t-muni th'),"
                   "function(h){return h.textContent === 'Befolkning';})")
        cells = b.js("Array.prototype.map.call(document.querySelectorAll('#t-muni tbody tr'),function(r){"
                     f"return [r.cells[0].textContent, r.cells[{col}].getAttribute('data-v'), r.cells[{col}].textContent];}})")
        wrong = [c for c in cells if c[1] != munis[c[0]]["population"] or c[2] != sv_people(munis[c[0]]["population"])]
        check_eq(wrong, [], "every population cell is municipalities.csv's figure, in Swedish notation")
        within = b.js("Array.prototype.findIndex.call(document.querySelectorAll('#t-muni th'),"
                      "function(h){return h.textContent.indexOf('Inom 10 km') === 0;})")
        share = b.js(f"document.querySelector('#t-muni tbody tr:last-child').cells[{within}].getAttribute('data-v')")
        check_eq(share, "0.0", "Kiruna's share within 10 km (no office there)")
        text = hover(b, "2584") or ""
        check("8\u00a0295,88 invånare" in text, f"Kiruna's tooltip has 8 295,88 people, as the CSV ({text!r})")
        text = hover(b, "0180") or ""
        sthlm = sv_people(munis["0180"]["population"])
        check(f"{sthlm} ({munis['0180']['population_within_10km'] == munis['0180']['population'] and '100,0' or ''}"
              in text, f"Stockholm's tooltip has its people within 10 km as the CSV ({text!r})")
        lead = b.js("document.getElementById('summary').textContent")
        nat = sv_people(f"{nation:.2f}".rstrip("0").rstrip("."))
        check(f"Av {nat} invånare" in lead, f"the summary counts the nation's {nat} people ({lead[:300]!r})")


def attribute_table():
    """An attribute table for all 290 municipalities, from the shared population figures:
    a number, a text of two values, and a text of 290 values (too many for a map)."""
    from nvcli import PLANS
    src = os.path.join(os.path.dirname(PLANS), "population", "kommun_population_2016.csv")
    path = os.path.join(WORK, "kommundata.csv")
    with open(src, encoding="utf-8", newline="") as f, open(path, "w", encoding="utf-8", newline="") as g:
        out = csv.writer(g, delimiter=";")
        out.writerow(["kommunkod", "folkmängd_2016", "storstad", "kommunnamn"])
        for r in csv.DictReader(f):
            out.writerow([r["kommun_code"], r["population"], "ja" if int(r["population"]) >= 200000 else "nej",
                          r["kommun_name"] + " kommun"])
    return path


def render_info(db, spec_text, name):
    spec = os.path.join(WORK, name + ".map")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(spec_text)
    png = os.path.join(WORK, name + ".png")
    status, _, err = run("render", "--db", db, "--map", spec, "--info", "--out", png)
    check_eq(status, 0, f"render --info {name} exits 0 ({err.strip()})")
    return read_json(os.path.join(WORK, name + ".json"))["classes"]


@case
@retried
def attributes_are_measures():
    """Every joined attribute is a measure of the selector, classed and coloured as narvaro
    render classes a spec of measure = column:NAME; switching to one recolours the map."""
    table = attribute_table()
    out = os.path.join(WORK, "attributes")
    status, _, err = run("analyze", "--attributes", table, "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze --attributes exits 0 ({err.strip()})")
    munis = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    db = os.path.join(out, "narvaro.sqlite")
    numbers = render_info(db, "measure = column:folkmängd_2016\n", "folkmangd")
    text = render_info(db, "measure = column:storstad\n", "storstad")
    check_eq(len(numbers), 5, f"a numeric column gets five quantile classes on the PNG map ({numbers})")
    check(all("km" not in c["label"] for c in numbers) and numbers[-1]["label"] != "> 100",
          f"…not the distance limits ({[c['label'] for c in numbers]})")
    with Browser(1280, 1000) as b:
        b.open(os.path.join(out, "report.html"))
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        labels = b.js("Array.prototype.map.call(document.getElementById('measure').options,function(o){return o.text;})")
        check("folkmängd_2016" in labels and "storstad" in labels, f"the selector offers the attributes ({labels})")
        check("kommunnamn" not in labels, "a text of 290 values is no measure (a map shows at most 8)")
        before = dict(fills(b))

        def show(label):
            b.js(f"var s=document.getElementById('measure'); s.value='{labels.index(label)}';"
                 "s.dispatchEvent(new Event('change'))")
            legend = b.js("Array.prototype.map.call(document.querySelectorAll('#legend ul:first-of-type li'),"
                          "function(li){return [li.firstChild.nextSibling.textContent.trim(),"
                          "li.querySelector('.n').textContent];})")
            return dict(fills(b)), legend

        after, legend = show("folkmängd_2016")
        changed = sum(1 for c in after if after[c] != before[c])
        check(changed > 100, f"switching to folkmängd_2016 recolours the map ({changed} municipalities changed)")
        check_eq(legend, [[c["label"], f"({c['count']})"] for c in numbers],
                 "the legend has the PNG map's classes and counts")
        by_pop = sorted(munis, key=lambda c: int(munis[c]["folkmängd_2016"]))
        check_eq(after[by_pop[0]].lower(), numbers[0]["color"].lower(), "the smallest municipality: the first class")
        check_eq(after[by_pop[-1]].lower(), numbers[-1]["color"].lower(), "Stockholm: the last class")
        counts = {}
        for c in after:
            counts[after[c].lower()] = counts.get(after[c].lower(), 0) + 1
        check_eq(counts, {c["color"].lower(): c["count"] for c in numbers}, "as many per colour as the PNG map has")
        after, legend = show("storstad")
        colors = {c["key"]: c["color"].lower() for c in text}
        wrong = [c for c in after if after[c].lower() != colors[munis[c]["storstad"]]]
        check_eq(wrong, [], "storstad: every municipality has its category's colour from the PNG map")
        check_eq(sorted(l for l, _ in legend), ["ja", "nej"], "the legend lists the categories")
        b.screenshot(os.path.join(out, "report-attribute.png"))


@case
@retried
def check_writes_its_rules_into_the_report():
    """narvaro check: the result's report.html then says in its summary which rules hold and
    where each fails (the municipalities of violations.csv); a second check replaces that,
    --no-report leaves the page as it is, and nothing else of the page changes."""
    out = os.path.join(WORK, "rules")
    status, _, err = run("analyze", "--no-maps", "--out", out, "-q")
    check_eq(status, 0, f"analyze exits 0 ({err.strip()})")
    report = os.path.join(out, "report.html")
    page0 = open(report, encoding="utf-8").read()
    far = 'presence != "none" or nearest_office_km <= 50'
    status, _, err = run("check", out, "--rule", "offices >= 0", "--rule", far, "--rule", 'namn != "<b>x</b>"', "-q")
    check_eq(status, 3, f"check exits 3: a rule fails ({err.strip()})")
    viol = read_csv(os.path.join(out, "violations.csv"))
    failing = [r["namn"] for r in viol if r["rule"] == "rule 2"]
    check_eq(len(failing), 27, "27 municipalities lack presence and lie farther than 50 km (2020 plan)")
    page1 = open(report, encoding="utf-8").read()
    stripped = re.sub(r"<!--nv:rules-->.*?<!--/nv:rules-->", "<!--nv:rules--><!--/nv:rules-->", page1, flags=re.S)
    check_eq(stripped, page0, "check changes nothing of the page but its rules block")
    with Browser(1280, 1000) as b:
        b.open(report)
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        check_eq(b.js("document.querySelectorAll('#summary #rules').length"), 1, "the summary has the rules")
        lead = b.js("document.querySelector('#rules p').textContent")
        check_eq(lead, "Regler (narvaro check): 2 av 3 håller.", "it counts the rules that hold")
        items = b.js("Array.prototype.map.call(document.querySelectorAll('#rules li'),function(li){"
                     "var d=li.querySelector('details'); if (d) d.open=true; return [li.className, li.textContent];})")
        check_eq([c for c, _ in items], ["rule-ok", "rule-fail", "rule-ok"], "pass, fail, pass")
        check(items[0][1].endswith("håller i alla 290 kommuner."), f"rule 1 holds everywhere ({items[0][1]!r})")
        check(f"bryts i 27 av 290 kommuner" in items[1][1] and far in items[1][1], f"rule 2 fails in 27 ({items[1][1]!r})")
        shown, _, rest = items[1][1].split("290 kommuner: ", 1)[1].partition(" och 17 till")
        listed = shown.split(", ") + rest.rstrip(".").replace(" och ", ", ").split(", ")
        check_eq(len(shown.split(", ")), 10, "ten names show, the rest fold away")
        check_eq(sorted(listed), sorted(failing), "rule 2 names the municipalities of violations.csv")
        check("Kiruna" in items[1][1] and "Gällivare" in items[1][1], "…Kiruna and Gällivare among them")
        check('<b>x</b>' in items[2][1] and b.js("document.querySelectorAll('#rules b').length") == 0,
              "a rule with markup shows as text")
        check_eq(b.js("document.querySelectorAll('#munis path').length"), 290, "the map is still there")
        b.screenshot(os.path.join(out, "report-rules.png"))
    status, _, _ = run("check", out, "--rule", "offices >= 0", "-q")
    page2 = open(report, encoding="utf-8").read()
    check_eq(status, 0, "check of a rule that holds exits 0")
    check(page2.count('id="rules"') == 1 and "1 av 1 håller" in page2 and far not in page2,
          "a second check replaces the first one's rules")
    status, _, _ = run("check", out, "--rule", far, "--no-report", "-q")
    check_eq((status, open(report, encoding="utf-8").read()), (3, page2), "check --no-report leaves the page as it is")
    bare = os.path.join(WORK, "rules-bare")
    status, _, err = run("analyze", "--no-report", "--no-maps", "--out", bare, "-q")
    status, _, err = run("check", bare, "--rule", far, "-q")
    check(status == 3 and not os.path.exists(os.path.join(bare, "report.html")),
          f"a result without a report gets none from check ({status}, {err.strip()})")
    en = os.path.join(WORK, "rules-en")
    run("analyze", "--lang", "en", "--no-maps", "--out", en, "-q")
    run("check", en, "--rule", far, "-q")
    text = open(os.path.join(en, "report.html"), encoding="utf-8").read()
    check("Rules</strong> (narvaro check): 0 of 1 hold." in text and "fails</span> in 27 of 290 municipalities" in text,
          "an English page gets the rules in English")


def page_data(text):
    """The page's JSON block (the script's data)."""
    return json.loads(re.search(r'<script type="application/json" id="nv-data">(.*?)</script>', text, re.S).group(1))


def plan_of_copies(path, rows, jitter_deg):
    """A plan of the 2020 plan's offices (the first three when jitter_deg is 0, else all)
    repeated to the given number of rows, each name and id unique; each copy moved by up to
    jitter_deg (a fixed seed)."""
    import random
    rnd = random.Random(8)
    with open(PLAN_2020, encoding="utf-8", newline="") as f:
        src = list(csv.DictReader(f))
    if not jitter_deg:
        src = src[:3]
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["office_id", "name", "type", "lat", "lon"])
        for i in range(rows):
            r = src[i % len(src)]
            dy, dx = (rnd.uniform(-jitter_deg, jitter_deg), rnd.uniform(-2 * jitter_deg, 2 * jitter_deg)) \
                if jitter_deg else (0, 0)
            out.writerow([f"B{i:06d}", f"Kontor {i}", "staffed", f"{float(r['lat']) + dy:.6f}",
                          f"{float(r['lon']) + dx:.6f}"])
    return src


@case
@retried
def many_rows_at_few_places_give_a_small_report_with_a_symbol_a_place_and_capped_lists():
    """30,000 offices at three places (10,000 at each of the 2020 plan's first three): a
    page about the size of an ordinary one, one symbol per place, tooltips that list 10
    names and "och 9 990 till", the nearest office named as offices.csv names it."""
    plan = os.path.join(WORK, "copies.csv")
    src = plan_of_copies(plan, 30000, 0)
    out = os.path.join(WORK, "copies")
    status, _, err = run("analyze", "--offices", plan, "--no-maps", "--no-xlsx", "--out", out, "-q")
    check_eq(status, 0, f"analyze of 30,000 rows exits 0 ({err.strip()})")
    report = os.path.join(out, "report.html")
    text = open(report, encoding="utf-8").read()
    size = os.path.getsize(report)
    check(size < 1_000_000, f"report.html is under 1 MB ({size} bytes; about 10 MB if every row were drawn and listed)")
    symbols = re.findall(r'<path class="of of-staffed" data-x="(\d+)" data-y="(\d+)"', text)
    check_eq(len(symbols), 3, "one symbol per place")
    check_eq(len(set(symbols)), 3, "at three different places")
    check("platser som" not in text, "no note: only identical symbols were merged")
    check('Bemannat kontor <span class="n">(30000)</span>' in text, "the legend still counts every office")
    data = page_data(text)
    munis = {m["k"]: m for m in data["munis"]}
    rows = {r["office_id"]: r for r in read_csv(os.path.join(out, "offices.csv"))}
    result = {r["kommunkod"]: r for r in read_csv(os.path.join(out, "municipalities.csv"))}
    for r in src:
        m = munis[r["kommunkod"]]
        check_eq(len(m["ol"]), 11, f"{r['kommunkod']}: 10 names and the rest")
        check_eq(m["ol"][10], ["och 9\u00a0990 till", "Bemannat kontor"], f"{r['kommunkod']}: the rest counted")
        check_eq(m["nn"], rows[result[r["kommunkod"]]["nearest_office_id"]]["name"],
                 f"{r['kommunkod']}: the nearest office named as offices.csv names it")
    with Browser(1280, 1000) as b:
        b.open(report)
        errors = [e for e in b.events if e["method"] == "Runtime.exceptionThrown"]
        check_eq(errors, [], "the page's script throws nothing")
        tip = (hover(b, src[0]["kommunkod"]) or "").replace("\u00a0", " ")
        check("Kontor 0 (Bemannat kontor)" in tip and "; och 9 990 till (Bemannat kontor)" in tip,
              f"the tooltip lists the first names and the rest ({tip!r})")
        check("Kontor 30" not in tip, f"and no name beyond the tenth ({tip!r})")
    en = os.path.join(WORK, "copies-en")
    status, _, err = run("analyze", "--offices", plan, "--lang", "en", "--no-maps", "--no-xlsx", "--out", en, "-q")
    check_eq(status, 0, f"analyze --lang en exits 0 ({err.strip()})")
    data = page_data(open(os.path.join(en, "report.html"), encoding="utf-8").read())
    m = next(m for m in data["munis"] if m["k"] == src[0]["kommunkod"])
    check_eq(m["ol"][10], ["and 9,990 more", "Staffed office"], "the rest in English")


@case
def many_places_draw_at_most_20000_symbols_and_the_legend_says_so():
    """25,000 offices within about 300 m of the 2020 plan's 112: more places than the map
    draws symbols, so those in the same 40 m square share one, and the legend says so."""
    plan = os.path.join(WORK, "spread.csv")
    plan_of_copies(plan, 25000, 0.0027)
    out = os.path.join(WORK, "spread")
    status, _, err = run("analyze", "--offices", plan, "--no-maps", "--no-xlsx", "--out", out, "-q")
    check_eq(status, 0, f"analyze of 25,000 rows exits 0 ({err.strip()})")
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    symbols = len(re.findall(r'<path class="of ', text))
    check(112 <= symbols <= 20000, f"at most 20,000 symbols, one at least per place ({symbols})")
    drawn = sum(r["status"] in ("placed", "snapped") for r in read_csv(os.path.join(out, "offices.csv")))
    note = re.search(r'Kartan visar ([\d\u00a0]+) platser som ([\d\u00a0]+) symboler: platser i samma ruta om '
                     r'(\d+) × \3 m delar symbol\.', text)
    check(note is not None, "the legend says that places share symbols")
    if note:
        count = lambda g: int(note.group(g).replace("\u00a0", ""))
        check_eq((count(1), count(2)), (drawn, symbols), "with the locations drawn and the symbols")
        check_eq(note.group(3), "40", "and the square: the smallest doubling of 10 m that is enough")


if os.environ.get("NV_TEST_KEEP") == "1":
    print(f"test_report: screenshots and print in {OUT}")
else:
    shutil.rmtree(WORK, ignore_errors=True)
finish("test_report")
