/* test_mapspec.c — map specification files: the failure cases first (each fixture in
 * tests/data/render names the line it must be reported on), then a spec using every
 * key, the lookup by name, the shipped specs and the ColorBrewer schemes. */
#include "mapspec.h"
#include "nv_test.h"

#include <stdlib.h>

/* Loads a fixture that must fail; checks the status, the line and a part of the message. */
static void check_bad(const char *file, long line, const char *needle)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    nv_status st = nv_mapspec_load(nv_test_data(file), &s, &err);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK(s == NULL);
    NV_CHECK_INT(err.line, line);
    NV_CHECK_CONTAINS(err.path, file + 7); /* "render/x.map" -> "x.map" */
    NV_CHECK_CONTAINS(err.message, needle);
    if (err.line != line || !strstr(err.message, needle))
        fprintf(stderr, "  (%s: %s)\n", file, err.message);
    nv_mapspec_destroy(s);
}

static void failures_name_the_line_and_the_fix(void)
{
    check_bad("render/unknown_key.map", 3, "unknown key 'titel' (keys: title, subtitle, legend, measure");
    check_bad("render/bad_measure.map", 2, "give presence or nearest_office_km");
    check_bad("render/duplicate.map", 4, "given twice (first on line 1");
    check_bad("render/no_equals.map", 2, "is not a setting (write key = value");
    check_bad("render/bad_color.map", 2, "'#12345' is not a colour (write #rrggbb");
    check_bad("render/descending_breaks.map", 2, "'25' is not above the limit before it");
    check_bad("render/colors_count.map", 3, "lists 3 colours but the map has 5 classes");
    check_bad("render/not_utf8.map", 1, "not UTF-8");
    check_bad("render/not_cb_safe.map", 2, "not a colour-blind-safe ColorBrewer scheme (give one of YlGn");
    check_bad("render/bad_lang.map", 1, "language 'de' of a key is unknown");
    check_bad("render/lang_on_other_key.map", 1, "takes no language suffix");

    nv_mapspec *s = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_mapspec_load(nv_test_data("render/no_such.map"), &s, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "cannot open the map spec");
    /* Values out of range, from text. */
    static const char *const bad[][2] = {
        {"classes = 12\n", "classes '12': give a whole number from 2 to 9"},
        {"dpi = 20\n", "dpi '20': give a resolution from 36 to 1200"},
        {"width = 99.5\n", "width '99.5': give a size in pixels"},
        {"paper = letter\n", "paper 'letter' is unknown (give a4 or a3"},
        {"lang = de\n", "lang 'de' is unknown (give sv or en)"},
        {"offices = maybe\n", "offices 'maybe': give yes or no"},
        {"new_offices = stars\n", "new_offices 'stars': give yes or no"},
        {"labels = all\n", "labels 'all' is unknown (give auto, names or none)"},
        {"fixed_breaks = 10, 12,5\n", "'5' is not above the limit before it"},
        {"fixed_breaks = 1,2,3,4,5,6,7,8,9\n", "more than 8 limits"},
        {"title =\n", "key 'title' has no value"},
        {"breaks = natural\n", "breaks 'natural' is unknown (give fixed, quantile or jenks)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        s = NULL;
        NV_CHECK_INT(nv_mapspec_parse(bad[i][0], strlen(bad[i][0]), "t.map", &s, &err), NV_ERR_INPUT);
        NV_CHECK_INT(err.line, 1);
        NV_CHECK_CONTAINS(err.message, bad[i][1]);
        nv_mapspec_destroy(s);
    }
}

static void every_key_is_read(void)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_mapspec_load(nv_test_data("render/good.map"), &s, &err), NV_OK);
    if (!s) {
        fprintf(stderr, "good.map: %s:%ld: %s\n", err.path, err.line, err.message);
        return;
    }
    NV_CHECK_STR(s->name, "good");
    NV_CHECK_STR(nv_mapspec_text(s, NV_TEXT_TITLE, NV_LANG_SV), "Närvaro — test");
    NV_CHECK_STR(nv_mapspec_text(s, NV_TEXT_TITLE, NV_LANG_EN), "Presence test"); /* inline comment cut */
    NV_CHECK_STR(nv_mapspec_text(s, NV_TEXT_SUBTITLE, NV_LANG_EN), "none");
    NV_CHECK(nv_mapspec_text(s, NV_TEXT_SUBTITLE, NV_LANG_SV) == NULL);
    NV_CHECK_STR(nv_mapspec_text(s, NV_TEXT_LEGEND, NV_LANG_EN), "Legendrubrik"); /* no language: all */
    NV_CHECK_INT(s->measure, NV_MEASURE_NEAREST_KM);
    NV_CHECK_INT(s->breaks, NV_BREAKS_QUANTILE);
    NV_CHECK_INT(s->n_fixed_breaks, 3);
    NV_CHECK_NEAR(s->fixed_breaks[1], 12.5, 0);
    NV_CHECK_INT(s->classes, 4);
    NV_CHECK_STR(s->palette, "YlGnBu"); /* the scheme's own spelling */
    NV_CHECK_INT(s->reverse, 1);
    NV_CHECK_INT(s->n_colors, 4);
    NV_CHECK_INT(s->colors[0], 0xffffcc);
    NV_CHECK_INT(s->colors[3], 0x225ea8);
    NV_CHECK_INT(s->no_data_color, 0xbdbdbd);
    NV_CHECK_INT(s->paper, NV_PAPER_A3);
    NV_CHECK_NEAR(s->dpi, 300, 0);
    NV_CHECK_INT(s->width_px, 1200);
    NV_CHECK_INT(s->height_px, 1700);
    NV_CHECK_INT(s->lang, NV_LANG_EN);
    NV_CHECK_INT(s->offices, 0);
    NV_CHECK_INT(s->county_borders, 0);
    NV_CHECK_INT(s->labels, NV_LABELS_NAMES);
    nv_mapspec_destroy(s);

    /* Defaults: the presence map in Swedish, fixed breaks 10, 25, 50, 100 km, A4 at 150 dpi. */
    s = NULL;
    NV_CHECK_INT(nv_mapspec_parse("", 0, "maps/empty.map", &s, &err), NV_OK);
    if (s) {
        NV_CHECK_STR(s->name, "empty");
        NV_CHECK_INT(s->measure, NV_MEASURE_PRESENCE);
        NV_CHECK_INT(s->n_fixed_breaks, 4);
        NV_CHECK_NEAR(s->fixed_breaks[3], 100, 0);
        NV_CHECK_INT(s->paper, NV_PAPER_A4);
        NV_CHECK_NEAR(s->dpi, 150, 0);
        NV_CHECK_INT(s->lang, NV_LANG_SV);
        NV_CHECK(nv_mapspec_text(s, NV_TEXT_TITLE, NV_LANG_SV) == NULL);
    }
    nv_mapspec_destroy(s);
}

static void specs_are_found_by_name_or_path(void)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", nv_test_data("render"));
    nv_mapspec *s = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_mapspec_find_and_load(dir, "distance_jenks", &s, &err), NV_OK);
    if (s)
        NV_CHECK_INT(s->breaks, NV_BREAKS_JENKS);
    nv_mapspec_destroy(s);
    s = NULL;
    NV_CHECK_INT(nv_mapspec_find_and_load(dir, "nonesuch", &s, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "no map named 'nonesuch'");
    NV_CHECK_CONTAINS(err.message, "available: bad_color, bad_lang, bad_measure, colors_count");
    /* A path is a path, even in another folder. */
    NV_CHECK_INT(nv_mapspec_find_and_load("/nonexistent", nv_test_data("render/good.map"), &s, &err), NV_OK);
    nv_mapspec_destroy(s);
    /* The shipped specs parse. */
    static const char *const shipped[] = {"presence", "distance", "population"};
    for (int i = 0; i < 3; i++) {
        s = NULL;
        NV_CHECK_INT(nv_mapspec_find_and_load(NULL, shipped[i], &s, &err), NV_OK);
        if (s)
            NV_CHECK_STR(s->name, shipped[i]);
        else
            fprintf(stderr, "shipped %s: %s:%ld: %s\n", shipped[i], err.path, err.line, err.message);
        nv_mapspec_destroy(s);
    }
}

/* The population measures: share_within_<R>km carries its radius and its own default
 * limits in percent; the radius is checked against the run only when drawing, so the
 * spec remembers the line of its measure. */
static void population_measures(void)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    char name[64];
    const char *text = "title = Andel\nmeasure = share_within_25km\n";
    NV_CHECK_INT(nv_mapspec_parse(text, strlen(text), "share.map", &s, &err), NV_OK);
    if (s) {
        NV_CHECK_INT(s->measure, NV_MEASURE_SHARE);
        NV_CHECK_NEAR(s->share_radius_km, 25, 0);
        NV_CHECK_INT(s->measure_line, 2);
        NV_CHECK_INT(s->n_fixed_breaks, 4);
        NV_CHECK_NEAR(s->fixed_breaks[0], 50, 0);
        NV_CHECK_NEAR(s->fixed_breaks[3], 99, 0);
        NV_CHECK_STR(nv_mapspec_measure_name(s, name, sizeof name), "share_within_25km");
    }
    nv_mapspec_destroy(s);
    /* A radius with decimals, and limits of one's own (which need no 100). */
    text = "fixed_breaks = 80, 95\nmeasure = share_within_12.5km\ncolors = #ff0000, #00ff00, #0000ff\n";
    s = NULL;
    NV_CHECK_INT(nv_mapspec_parse(text, strlen(text), "share.map", &s, &err), NV_OK);
    if (s) {
        NV_CHECK_NEAR(s->share_radius_km, 12.5, 0);
        NV_CHECK_INT(s->n_fixed_breaks, 2);
        NV_CHECK_NEAR(s->fixed_breaks[1], 95, 0);
        NV_CHECK_STR(nv_mapspec_measure_name(s, name, sizeof name), "share_within_12.5km");
    }
    nv_mapspec_destroy(s);
    /* Distances in km keep the km limits. */
    static const char *const km[][2] = {{"measure = mean_distance_km\n", "mean_distance_km"},
                                        {"measure = max_distance_km\n", "max_distance_km"}};
    for (int i = 0; i < 2; i++) {
        s = NULL;
        NV_CHECK_INT(nv_mapspec_parse(km[i][0], strlen(km[i][0]), "km.map", &s, &err), NV_OK);
        if (s) {
            NV_CHECK_INT(s->measure, i == 0 ? NV_MEASURE_MEAN_KM : NV_MEASURE_MAX_KM);
            NV_CHECK_NEAR(s->fixed_breaks[3], 100, 0);
            NV_CHECK_STR(nv_mapspec_measure_name(s, name, sizeof name), km[i][1]);
        }
        nv_mapspec_destroy(s);
    }
    static const char *const bad[][3] = {
        {"measure = share_within_km\n", "1", "write share_within_<R>km with R a radius of the run in km"},
        {"measure = share_within_25\n", "1", "e.g. share_within_25km"},
        {"measure = share_within_-5km\n", "1", "write share_within_<R>km"},
        {"measure = share_within_25,5km\n", "1", "write share_within_<R>km"},
        {"measure = population\n", "1", "mean_distance_km, max_distance_km or share_within_<R>km"},
        {"fixed_breaks = 50, 120\nmeasure = share_within_10km\n", "1",
         "fixed_breaks: 120 is above 100 (a share_within measure is in percent"},
        {"measure = share_within_25km\ncolors = #ff0000, #00ff00\n", "2", "lists 2 colours but the map has 5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&err, 0, sizeof err);
        s = NULL;
        NV_CHECK_INT(nv_mapspec_parse(bad[i][0], strlen(bad[i][0]), "t.map", &s, &err), NV_ERR_INPUT);
        NV_CHECK_INT(err.line, atol(bad[i][1]));
        NV_CHECK_CONTAINS(err.message, bad[i][2]);
        NV_CHECK(s == NULL);
        nv_mapspec_destroy(s);
    }
}

/* A column's numbers are no kilometres: without limits of its own a spec of measure =
 * column:NAME has none (the renderer then uses quantiles), with them it keeps them. */
static void column_measure_without_limits_has_no_km_limits(void)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    const char *text = "measure = column:folkmängd_2016\n";
    NV_CHECK_INT(nv_mapspec_parse(text, strlen(text), "col.map", &s, &err), NV_OK);
    if (s) {
        NV_CHECK_INT(s->measure, NV_MEASURE_COLUMN);
        NV_CHECK_STR(s->column, "folkmängd_2016");
        NV_CHECK_INT(s->n_fixed_breaks, 0);
    }
    nv_mapspec_destroy(s);
    s = NULL;
    text = "measure = column:nöjdhet\nfixed_breaks = 2, 3.5\n";
    NV_CHECK_INT(nv_mapspec_parse(text, strlen(text), "col.map", &s, &err), NV_OK);
    if (s) {
        NV_CHECK_INT(s->n_fixed_breaks, 2);
        NV_CHECK_NEAR(s->fixed_breaks[1], 3.5, 0);
    }
    nv_mapspec_destroy(s);
}

static void colorbrewer_schemes(void)
{
    unsigned c[9];
    NV_CHECK(nv_mapspec_palette("YlOrRd", 5, c));
    NV_CHECK_INT(c[0], 0xffffb2);
    NV_CHECK_INT(c[4], 0xbd0026);
    NV_CHECK(nv_mapspec_palette("puor", 4, c));
    NV_CHECK_INT(c[0], 0xe66101);
    NV_CHECK_INT(c[3], 0x5e3c99);
    NV_CHECK(nv_mapspec_palette("Blues", 9, c));
    NV_CHECK_INT(c[8], 0x08306b);
    NV_CHECK(nv_mapspec_palette("Greens", 2, c)); /* fewer than 3: the first of the 3-class scheme */
    NV_CHECK_INT(c[1], 0xa1d99b);
    NV_CHECK(!nv_mapspec_palette("Spectral", 5, c)); /* not colour-blind safe */
    NV_CHECK(!nv_mapspec_palette("YlOrRd", 10, c));
    NV_CHECK_CONTAINS(nv_mapspec_palette_names(), "YlOrRd");
    /* Every scheme, every size: light to dark or end to end, never two equal neighbours. */
    const char *names = nv_mapspec_palette_names();
    char name[32];
    for (const char *p = names; *p;) {
        size_t k = strcspn(p, ",");
        snprintf(name, sizeof name, "%.*s", (int)k, p);
        for (int n = 3; n <= 9; n++) {
            NV_CHECK(nv_mapspec_palette(name, n, c));
            for (int i = 1; i < n; i++)
                NV_CHECK(c[i] != c[i - 1]);
        }
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
    }
}

static void new_offices_is_off_unless_asked_for(void)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_mapspec_parse("", 0, "maps/empty.map", &s, &err), NV_OK);
    if (s)
        NV_CHECK_INT(s->new_offices, 0);
    nv_mapspec_destroy(s);
    s = NULL;
    static const char text[] = "measure = change\nnew_offices = ja\n";
    NV_CHECK_INT(nv_mapspec_parse(text, strlen(text), "new.map", &s, &err), NV_OK);
    if (s)
        NV_CHECK_INT(s->new_offices, 1);
    nv_mapspec_destroy(s);
}

int main(void)
{
    new_offices_is_off_unless_asked_for();
    failures_name_the_line_and_the_fix();
    every_key_is_read();
    specs_are_found_by_name_or_path();
    population_measures();
    column_measure_without_limits_has_no_km_limits();
    colorbrewer_schemes();
    return nv_test_report("test_mapspec");
}
