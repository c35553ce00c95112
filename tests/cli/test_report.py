"""report.html in a real browser: Debian's headless Chromium over the DevTools protocol.

The default 2020 run, with one office and one municipality renamed to markup, is opened
from file://; the checks drive real mouse and keyboard input and read the DOM. A
screenshot (report.png, report-tooltip.png) and the print (report.pdf) are saved beside the
result for a person to look at: NV_TEST_KEEP=1 keeps the work folder and prints its path."""
import base64
import csv
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


if os.environ.get("NV_TEST_KEEP") == "1":
    print(f"test_report: screenshots and print in {OUT}")
else:
    shutil.rmtree(WORK, ignore_errors=True)
finish("test_report")
