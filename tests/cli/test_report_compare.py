"""report.html of narvaro compare and narvaro batch, in headless Chromium.

compare 2019 -> 2020: the change map in the difference map's colours, before -> after in
Kiruna's tooltip, the two plans' distances with shared classes, the ranking sortable.
batch: one row per plan (a bad plan with markup in its name included), each good row
linking to that plan's own report, which a click opens."""
import os
import shutil

from nvcli import PLANS, case, check, check_eq, finish, read_csv, read_json, run, tmpdir
from nvbrowser import Browser, click_header, column, fills, hover, retried

WORK = tmpdir()
P2019 = os.path.join(PLANS, "af-2019-illustrative.csv")
P2020 = os.path.join(PLANS, "af-2020-illustrative.csv")
CMP = os.path.join(WORK, "cmp")
status, _, err = run("compare", P2019, P2020, "--out", CMP, "-q")
check_eq(status, 0, f"compare exits 0 ({err.strip()})")


def css_rgb(b, color):
    return b.js(f"(function(){{var d=document.createElement('div');d.style.color='{color}';return d.style.color;}})()")


@case
@retried
def compare_report():
    for sub in ("report.html", "before/report.html", "after/report.html"):
        check(os.path.exists(os.path.join(CMP, sub)), f"compare writes {sub}")
    png = os.path.join(WORK, "difference.png")
    status, _, err = run("render", "--db", os.path.join(CMP, "compare.sqlite"), "--map", "difference", "--info",
                         "--out", png)
    check_eq(status, 0, f"render --info of the difference map ({err.strip()})")
    colors = {c["key"]: c["color"].lower() for c in read_json(os.path.join(WORK, "difference.json"))["classes"]}
    changes = {r["kommunkod"]: r for r in read_csv(os.path.join(CMP, "changes.csv"))}
    ranking = read_csv(os.path.join(CMP, "ranking.csv"))
    with Browser(1280, 1000) as b:
        b.open(os.path.join(CMP, "report.html"))
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        f = dict(fills(b))
        check_eq(len(f), 290, "290 municipalities drawn")
        wrong = [c for c in f if f[c].lower() != colors[changes[c]["change"] if c in changes else "unchanged"]]
        check_eq(wrong, [], "each municipality has its change class's colour from the difference map")
        text = hover(b, "2584") or ""
        k = changes["2584"]
        before = f"{float(k['nearest_office_km_before']):.1f}".replace(".", ",")
        after = f"{float(k['nearest_office_km_after']):.1f}".replace(".", ",")
        check(f"{before} km → " in text and f"{after} km" in text, f"Kiruna's tooltip: {before} → {after} km ({text!r})")
        check("Förlorar sin närvaro" in text, "Kiruna's tooltip names its change")
        check("Bemannat kontor → Ingen närvaro" in text, "Kiruna's tooltip: presence before → after")
        b.screenshot(os.path.join(CMP, "report.png"))

        # Distance, base plan and new plan: the same classes, Kiruna in two of them.
        labels = b.js("Array.prototype.map.call(document.getElementById('measure').options,function(o){return o.text;})")
        def show(label):
            i = labels.index(label)
            b.js(f"var s=document.getElementById('measure'); s.value='{i}'; s.dispatchEvent(new Event('change'))")
            return b.js("Array.prototype.map.call(document.querySelectorAll('#legend ul:first-of-type li'),"
                        "function(li){return [li.textContent.replace(/ \\(\\d+\\)$/,''), li.querySelector('.sw').style.backgroundColor];})")
        leg_after = show("Avstånd, ny plan")
        kiruna_after = css_rgb(b, dict(fills(b))["2584"])
        leg_before = show("Avstånd, tidigare plan")
        kiruna_before = css_rgb(b, dict(fills(b))["2584"])
        check_eq(leg_before, leg_after, "both plans' distance maps share their classes")
        by_label = dict(leg_after)
        check_eq(kiruna_before, by_label.get("25–50 km"), "Kiruna before (41 km): 25–50 km")
        check_eq(kiruna_after, by_label.get("> 100 km"), "Kiruna after (158 km): > 100 km")

        # The ranking: in ranking.csv's order first, then sortable by person-km.
        codes = b.js("Array.prototype.map.call(document.querySelectorAll('#t-ranking tbody tr'),function(r){return r.cells[1].textContent;})")
        check_eq(codes, [r["kommunkod"] for r in ranking], "the ranking table is ranking.csv, in its order")
        col = click_header(b, "t-ranking", "Personkm")
        vals = [float(v) for v, _ in column(b, "t-ranking", col) if v]
        check(vals == sorted(vals) and len(vals) == len(ranking), "a click sorts the ranking by person-km")
        changed = b.js("document.querySelectorAll('#t-changes tbody tr').length")
        check_eq(changed, len(changes), "the changes table has a row per row of changes.csv")
        reqs = b.requests()
        check_eq(sorted(set(reqs)), ["file://" + os.path.abspath(os.path.join(CMP, "report.html"))],
                 "no request leaves the file")


@case
@retried
def batch_report():
    plans = os.path.join(WORK, "plans")
    os.mkdir(plans)
    for p in (P2019, P2020):
        shutil.copy(p, plans)
    bad = "bad & <b onmouseover=window.__xss=1>name"
    with open(os.path.join(plans, bad + ".csv"), "w") as f:
        f.write("office_id,name,lat,lon\nX1,x,191.2,15\n")
    out = os.path.join(WORK, "batch")
    status, _, err = run("batch", plans, "--out", out, "--jobs", "2", "--no-maps", "-q")
    check_eq(status, 2, "a batch with a bad plan exits 2")
    report = os.path.join(out, "report.html")
    check(os.path.exists(report), "batch writes report.html")
    rows = {r["plan"]: r for r in read_csv(os.path.join(out, "plans.csv"))}
    with Browser(1280, 900) as b:
        b.open(report)
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        got = b.js("Array.prototype.map.call(document.querySelectorAll('#t-plans tbody tr'),function(r){"
                   "var a=r.cells[0].querySelector('a');return [r.cells[0].textContent, a?a.getAttribute('href'):null,"
                   "r.cells[2].getAttribute('data-v')];})")
        check_eq(sorted(g[0] for g in got), sorted(rows), "one row per plan of plans.csv, names as text")
        for name, href, offices in got:
            if rows[name]["status"] == "failed":
                check(href is None, f"the failed plan {name!r} links to nothing")
            else:
                check_eq(href, f"{name}/report.html", f"{name} links to its own report")
                check(os.path.exists(os.path.join(out, href)), f"{href} exists")
                check_eq(offices, rows[name]["offices"], f"{name}: offices as in plans.csv")
        check_eq(b.js("document.querySelectorAll('#t-plans b').length"), 0, "the markup name made no element")
        col = click_header(b, "t-plans", "Kontor")
        vals = [float(v) for v, _ in column(b, "t-plans", col) if v]
        check_eq(vals, sorted(vals), "a click sorts the plans by offices")
        # Follow the 2020 plan's link: its own report opens, with its map.
        pt = b.js("(function(){var a=document.querySelector('a[href=\"af-2020-illustrative/report.html\"]');"
                  "var r=a.getBoundingClientRect();return [r.left+r.width/2, r.top+r.height/2];})()")
        for t in ("mousePressed", "mouseReleased"):
            b.send("Input.dispatchMouseEvent", type=t, x=pt[0], y=pt[1], button="left", clickCount=1)
        b.wait_event("Page.loadEventFired")
        check(b.js("location.href").endswith("/af-2020-illustrative/report.html"), "the link opens the plan's report")
        check_eq(b.js("document.querySelectorAll('#munis path').length"), 290, "the plan's report draws its map")
        check("106 av 290" in b.js("document.querySelector('.lead').textContent"), "…with the plan's summary")
        check_eq(b.js("String(window.__xss)"), "undefined", "no injected script ran")
        urls = sorted(set(u for u in b.requests()))
        check(all(u.startswith("file://" + os.path.abspath(out)) for u in urls), f"no request leaves the files ({urls})")


@case
@retried
def closed_offices_on_the_compare_map():
    """The 2019 offices that 2020 closes: a cross each on the change map (as many as
    compare.sqlite marks closed), '(stängs)' in their municipality's tooltip, gone from the
    maps of one plan, as on the PNG change map."""
    import sqlite3
    db = sqlite3.connect(os.path.join(CMP, "compare.sqlite"))
    closed = db.execute("SELECT office_id, name, kommunkod FROM offices WHERE closed = 1").fetchall()
    db.close()
    check(len(closed) > 50, f"compare 2019 -> 2020 closes offices ({len(closed)})")
    kiruna = [name for _, name, code in closed if code == "2584"]
    check_eq(kiruna, ["Arbetsförmedlingen Kiruna"], "2020 closes the Kiruna office of 2019")
    with Browser(1280, 1000) as b:
        b.open(os.path.join(CMP, "report.html"))
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        crosses = b.js("document.querySelectorAll('#closed g.of-closed').length")
        check_eq(crosses, len(closed), "one cross per closed office of compare.sqlite")
        titles = b.js("Array.prototype.map.call(document.querySelectorAll('#closed g.of-closed title'),"
                      "function(t){return t.textContent;})")
        check_eq(sorted(titles), sorted(f"{name} (stängs)" for _, name, _ in closed), "each cross names its office")
        shown = b.js("(function(){var r=document.querySelector('#closed g.of-closed').getBoundingClientRect();"
                     "return r.width > 0 && r.height > 0;})()")
        check(shown, "the crosses are drawn on the change map")
        # A cross, not a symbol of the offices kept: stroked paths, dark over a white halo.
        strokes = b.js("Array.prototype.map.call(document.querySelectorAll('#closed g.of-closed')[0].children,"
                       "function(p){return p.tagName === 'title' ? null : [p.getAttribute('stroke'),"
                       "getComputedStyle(p).fill];}).filter(Boolean)")
        check_eq(strokes, [["#ffffff", "none"], ["#1b1b1b", "none"]], "a dark cross with a white halo")
        legend = b.js("Array.prototype.map.call(document.querySelectorAll('#legend .closed-only'),"
                      "function(li){return li.textContent;})")
        check_eq(legend, [f"Stängt (bara i förra planen) ({len(closed)})"], "the legend has the PNG's closed entry")
        text = hover(b, "2584") or ""
        check("Arbetsförmedlingen Kiruna (stängs)" in text, f"Kiruna's tooltip lists its closed office ({text!r})")
        text = hover(b, "0180") or ""
        n_sthlm = sum(1 for _, _, code in closed if code == "0180")
        check_eq(text.count("(stängs)"), n_sthlm, f"Stockholm's tooltip lists its {n_sthlm} closed offices")
        b.screenshot(os.path.join(CMP, "report-closed.png"))
        labels = b.js("Array.prototype.map.call(document.getElementById('measure').options,function(o){return o.text;})")
        i = labels.index("Avstånd, ny plan")
        b.js(f"var s=document.getElementById('measure'); s.value='{i}'; s.dispatchEvent(new Event('change'))")
        hidden = b.js("(function(){var r=document.querySelector('#closed g.of-closed').getBoundingClientRect();"
                      "return r.width === 0 && r.height === 0;})()")
        check(hidden, "a map of one plan shows no crosses")
        check_eq(b.js("document.querySelector('#legend .closed-only').getBoundingClientRect().height"), 0,
                 "…nor their legend entry")
        # Zooming sizes the crosses as it sizes the other symbols (not with the map).
        b.js("var s=document.getElementById('measure'); s.value='0'; s.dispatchEvent(new Event('change'))")
        size = ("[document.querySelector('#closed g.of-closed').getBoundingClientRect().width,"
                "document.querySelector('#offices path.of').getBoundingClientRect().width]")
        x0, o0 = b.js(size)
        b.js("var z=document.getElementById('zoom'); z.value='01'; z.dispatchEvent(new Event('change'))")
        x1, o1 = b.js(size)
        check(abs(x1 / x0 - o1 / o0) < 0.05 * (o1 / o0) and x1 < 3 * x0,
              f"zoomed, a cross grows as an office's dot does ({x0:.1f} -> {x1:.1f} px, dot {o0:.1f} -> {o1:.1f})")


@case
@retried
def batch_report_shows_rule_violations():
    """batch --rule: each plan's violations in its row, as plans.csv counts them, and the
    rule and the plans that break it in the summary."""
    plans = os.path.join(WORK, "plans-rules")
    os.mkdir(plans)
    for p in (P2019, P2020):
        shutil.copy(p, plans)
    rule = 'presence != "none" or nearest_office_km <= 50'
    out = os.path.join(WORK, "batch-rules")
    status, _, err = run("batch", plans, "--out", out, "--rule", rule, "--jobs", "2", "--no-maps", "-q")
    check_eq(status, 0, f"batch --rule exits 0 ({err.strip()})")
    rows = {r["plan"]: r for r in read_csv(os.path.join(out, "plans.csv"))}
    check(all(int(r["violations"]) > 0 for r in rows.values()), f"both plans break the rule ({rows})")
    with Browser(1280, 900) as b:
        b.open(os.path.join(out, "report.html"))
        check_eq([e for e in b.events if e["method"] == "Runtime.exceptionThrown"], [], "the script throws nothing")
        col = b.js("Array.prototype.findIndex.call(document.querySelectorAll('#t-plans th'),"
                   "function(h){return h.textContent.indexOf('Regelbrott') === 0;})")
        check(col > 0, "the plans table has a column of rule violations")
        got = b.js("Array.prototype.map.call(document.querySelectorAll('#t-plans tbody tr'),function(r){"
                   f"return [r.cells[0].textContent, r.cells[{col}].getAttribute('data-v'),"
                   "r.cells[0].querySelector('a') ? r.cells[0].querySelector('a').getAttribute('href') : null];})")
        check_eq(sorted((g[0], g[1]) for g in got), sorted((n, r["violations"]) for n, r in rows.items()),
                 "each plan's violations as plans.csv has them")
        check(all(href == f"{name}/report.html" for name, _, href in got), "each row links to its plan's report")
        summary = b.js("document.getElementById('summary').textContent")
        check(rule in summary, f"the summary names the rule ({summary!r})")
        total = sum(int(r["violations"]) for r in rows.values())
        check("2 av 2 planer bryter mot den" in summary and f"{total} regelbrott" in summary,
              f"the summary says both plans break it, {total} violations ({summary!r})")
        b.screenshot(os.path.join(out, "report.png"))
        c = click_header(b, "t-plans", "Regelbrott")
        vals = [float(v) for v, _ in column(b, "t-plans", c)]
        check_eq(vals, sorted(vals), "a click sorts the plans by their violations")


if os.environ.get("NV_TEST_KEEP") == "1":
    print(f"test_report_compare: results in {WORK}")
else:
    shutil.rmtree(WORK, ignore_errors=True)
finish("test_report_compare")
