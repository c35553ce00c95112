/* test_report_html.c — the report's escaping and failure paths, on hand-made records
 * (the browser test covers the page as a whole): the batch page with plan names and
 * errors full of markup, a missing map spec, a folder that cannot be written, and what
 * narvaro check writes into a page (only into the place made for it, escaped). */
#include "report_html.h"
#include "nv_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/nv_test_report_html_XXXXXX";

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = 0;
    fclose(f);
    return buf;
}

static void batch_page_escapes_every_text(void)
{
    nv_report_html_plan p[2];
    memset(p, 0, sizeof p);
    p[0] = (nv_report_html_plan){.plan = "a <b>&\"'", .file = "x.csv", .status = "done", .has_report = 1,
                                 .offices = 3, .with_office = 2, .without_office = 1, .population = 12345,
                                 .mean_distance_km = 1.25, .beyond = {10}};
    p[1] = (nv_report_html_plan){.plan = "</script><img src=x onerror=alert(1)>", .file = "y.csv", .status = "failed",
                                 .error = "y.csv:2: <script>alert(2)</script>", .population = NAN,
                                 .mean_distance_km = NAN};
    nv_radii radii = {1, {10}};
    nv_report_html_options o = {NV_LANG_SV, NULL};
    char path[256];
    snprintf(path, sizeof path, "%s/batch.html", dir);
    nv_error err = {0};
    NV_CHECK_INT(nv_report_html_batch(path, p, 2, &radii, NULL, 0, &o, &err), NV_OK);
    char *t = slurp(path);
    NV_CHECK(t != NULL);
    if (!t)
        return;
    NV_CHECK(!strstr(t, "<img"));
    NV_CHECK(!strstr(t, "<b>"));
    NV_CHECK(!strstr(t, "<script>alert"));
    NV_CHECK_CONTAINS(t, "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;");
    NV_CHECK_CONTAINS(t, "y.csv:2: &lt;script&gt;alert(2)&lt;/script&gt;");
    /* The link: percent-escaped for the URL, the text escaped for HTML. */
    NV_CHECK_CONTAINS(t, "<a href=\"a%20%3Cb%3E%26%22%27/report.html\">a &lt;b&gt;&amp;&quot;&#39;</a>");
    NV_CHECK_CONTAINS(t, "<td class=\"num\" data-v=\"12345\">12\u00a0345</td>");
    NV_CHECK_CONTAINS(t, "<td class=\"num\" data-v=\"1.2\">1,2</td>"); /* 1.25 to one decimal, Swedish comma */
    NV_CHECK_CONTAINS(t, "<td class=\"num\" data-v=\"10\">10</td>"); /* beyond 10 km */
    NV_CHECK_CONTAINS(t, "2 planer: 1 körda nu, 0 redan aktuella, 1 misslyckade");
    NV_CHECK_CONTAINS(t, "Content-Security-Policy");
    NV_CHECK(!strstr(t, "http://") && !strstr(t, "https://"));
    free(t);
    o.lang = NV_LANG_EN;
    NV_CHECK_INT(nv_report_html_batch(path, p, 2, &radii, NULL, 0, &o, &err), NV_OK);
    t = slurp(path);
    NV_CHECK_CONTAINS(t, "2 plans: 1 run now, 0 already current, 1 failed");
    NV_CHECK_CONTAINS(t, "<td class=\"num\" data-v=\"12345\">12,345</td>");
    free(t);
}

static void failures(void)
{
    nv_report_html_options o = {NV_LANG_SV, NULL};
    nv_error err = {0};
    nv_radii radii = {0, {0}};
    NV_CHECK_INT(nv_report_html_batch("/nonexistent/dir/report.html", NULL, 0, &radii, NULL, 0, &o, &err), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(err.message, "cannot create the report");
    /* An analyze report whose database is missing: an input error naming it, no file left. */
    nv_run_summary s;
    memset(&s, 0, sizeof s);
    nv_report_html_run run = {&s, NULL, 0, NULL, 0, NULL, 0, NULL};
    char path[256], db[256];
    snprintf(path, sizeof path, "%s/report.html", dir);
    snprintf(db, sizeof db, "%s/missing.sqlite", dir);
    memset(&err, 0, sizeof err);
    NV_CHECK(nv_report_html_analyze(path, db, &run, &o, &err) != NV_OK);
    NV_CHECK(access(path, F_OK) != 0);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void check_rules_go_into_their_place_only(void)
{
    char *keys[] = {"0162", "2584", NULL}, *names[] = {"<b>Danderyd</b>", "Kiruna", NULL};
    nv_check_rule_result rules[2] = {{"rule 1", "offices >= 0", 0, NULL, NULL},
                                     {"<i>r2</i>", "namn != \"</script>\"", 2, keys, names}};
    nv_check_result res = {rules, 2, 290, "out/violations.csv"};
    nv_error err = {0};
    char path[256];
    int written = -1;
    snprintf(path, sizeof path, "%s/check.html", dir);
    /* No page: nothing to add to, and nothing made. */
    NV_CHECK_INT(nv_report_html_check(path, &res, 0, &written, &err), NV_OK);
    NV_CHECK_INT(written, 0);
    NV_CHECK(access(path, F_OK) != 0);
    /* A page without the place (a comparison's, an older one): left as it is. */
    const char *other = "<!DOCTYPE html>\n<html lang=\"sv\">\n<body>no place</body></html>\n";
    write_text(path, other);
    NV_CHECK_INT(nv_report_html_check(path, &res, 0, &written, &err), NV_OK);
    NV_CHECK_INT(written, 0);
    char *got = slurp(path);
    NV_CHECK_STR(got ? got : "", other);
    free(got);
    /* An English page with the place: the rules in English, escaped, the rest unchanged. */
    write_text(path, "<!DOCTYPE html>\n<html lang=\"en\">\n<p>before</p><!--nv:rules--><!--/nv:rules--><p>after</p>\n");
    NV_CHECK_INT(nv_report_html_check(path, &res, 1, &written, &err), NV_OK);
    NV_CHECK_INT(written, 1);
    got = slurp(path);
    if (got) {
        NV_CHECK_CONTAINS(got, "<p>before</p><!--nv:rules--><div id=\"rules\">");
        NV_CHECK_CONTAINS(got, "</div><!--/nv:rules--><p>after</p>\n");
        NV_CHECK_CONTAINS(got, "1 of 2 hold.");
        NV_CHECK_CONTAINS(got, "holds in all 290 counties.");
        NV_CHECK_CONTAINS(got, "&lt;i&gt;r2&lt;/i&gt;");
        NV_CHECK_CONTAINS(got, "fails</span> in 2 of 290 counties: &lt;b&gt;Danderyd&lt;/b&gt; and Kiruna.");
        NV_CHECK_CONTAINS(got, "namn != &quot;&lt;/script&gt;&quot;");
        NV_CHECK_CONTAINS(got, "is in violations.csv.");
        NV_CHECK(!strstr(got, "<b>") && !strstr(got, "<i>") && !strstr(got, "</script>"));
    }
    free(got);
    /* Checked again: one block, the new one. */
    res.n_rules = 1;
    NV_CHECK_INT(nv_report_html_check(path, &res, 0, &written, &err), NV_OK);
    got = slurp(path);
    if (got) {
        NV_CHECK_CONTAINS(got, "1 of 1 hold.");
        NV_CHECK_CONTAINS(got, "holds in all 290 municipalities.");
        const char *block = strstr(got, "id=\"rules\"");
        NV_CHECK(!strstr(got, "Danderyd"));
        NV_CHECK(block && !strstr(block + 1, "id=\"rules\""));
    }
    free(got);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    batch_page_escapes_every_text();
    failures();
    check_rules_go_into_their_place_only();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return nv_test_report("test_report_html");
}
