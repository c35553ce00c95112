/* test_render.c — maps from a hand-made narvaro.sqlite (written through the store
 * module, so the reader is tested against what the writer really writes), checked by
 * probing pixels where the polygons are known to be and comparing them with the legend;
 * then the class breaks on values checked by hand, and the failure cases.
 *
 * The fixture, SWEREF 99 TM metres, three 100 km squares:
 *   0102 Gamma (county 01)  x 500..600 km, y 6600..6700 km  booked,  nearest 30 km
 *   0101 Alfa  (county 01)  x 500..600 km, y 6500..6600 km  staffed, nearest 5 km
 *   0201 Beta  (county 02)  x 600..700 km, y 6500..6600 km  none,    nearest 120 km,
 *                           plus an island x 720..740 km, y 6500..6520 km
 * Offices: staffed at (520, 6520) km in Alfa, booked at (580, 6680) km in Gamma.
 *
 * The comparison (compare.sqlite) takes that plan as its before plan; in the after plan
 * Alfa loses its office (40 km), Gamma is unchanged and Beta gains a staffed office at
 * (680, 6580) km (2 km): lost presence, unchanged, gained presence; Alfa's office is
 * closed.
 *
 * The population run (population.sqlite) is the first plan with people counted within 10
 * and 25 km:
 *   Alfa   1000 people, 600 within 10 km (60 %), 1000 within 25 km (100 %), mean 8 km, max 20 km
 *   Gamma   400 people,   0 within 10 km (0 %),   300 within 25 km (75 %),  mean 30 km, max 60 km
 *   Beta   no population figures (NULL): no data on every population map */
#include "mapspec.h"
#include "classes.h"
#include "render.h"
#include "store.h"
#include "surface.h"
#include "nv_test.h"

#include <cairo.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

static char dir[] = "/tmp/nv_test_render_XXXXXX";

static const char *out_path(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* ---- WKB by hand, little-endian ---- */

typedef struct wkb {
    unsigned char bytes[512];
    size_t n;
} wkb;

static void put_u8(wkb *w, unsigned v)
{
    w->bytes[w->n++] = (unsigned char)v;
}

static void put_u32(wkb *w, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put_u8(w, (v >> (8 * i)) & 0xff);
}

static void put_f64(wkb *w, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    for (int i = 0; i < 8; i++)
        put_u8(w, (unsigned)((v >> (8 * i)) & 0xff));
}

static void put_square(wkb *w, double x0, double y0, double side)
{
    const double xy[5][2] = {{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side}, {x0, y0 + side}, {x0, y0}};
    put_u8(w, 1);
    put_u32(w, 3);
    put_u32(w, 1);
    put_u32(w, 5);
    for (int i = 0; i < 5; i++) {
        put_f64(w, xy[i][0]);
        put_f64(w, xy[i][1]);
    }
}

static wkb alfa, beta, gamma_;

static void make_db(const char *path)
{
    put_square(&alfa, 500000, 6500000, 100000);
    put_square(&gamma_, 500000, 6600000, 100000);
    put_u8(&beta, 1);
    put_u32(&beta, 6);
    put_u32(&beta, 2);
    put_square(&beta, 600000, 6500000, 100000);
    put_square(&beta, 720000, 6500000, 20000);
    nv_muni_result m[3] = {
        {.kommunkod = "0101", .namn = "Alfa", .lanskod = "01", .offices = 1, .presence = "staffed",
         .presence_rank = NV_PRESENCE_STAFFED, .nearest_office_km = 5, .nearest_office_id = "S1",
         .rep_x = 550000, .rep_y = 6550000, .area_km2 = 10000, .wkb = alfa.bytes, .wkb_size = alfa.n},
        {.kommunkod = "0102", .namn = "Gamma", .lanskod = "01", .offices = 1, .presence = "booked",
         .presence_rank = NV_PRESENCE_BOOKED, .nearest_office_km = 30, .nearest_office_id = "B1",
         .rep_x = 550000, .rep_y = 6650000, .area_km2 = 10000, .wkb = gamma_.bytes, .wkb_size = gamma_.n},
        {.kommunkod = "0201", .namn = "Beta", .lanskod = "02", .offices = 0, .presence = "none",
         .presence_rank = NV_PRESENCE_NONE, .nearest_office_km = 120, .nearest_office_id = "S1",
         .rep_x = 650000, .rep_y = 6550000, .area_km2 = 10400, .wkb = beta.bytes, .wkb_size = beta.n},
    };
    nv_office_result o[2] = {
        {.source = "plan.csv", .line = 2, .office_id = "S1", .name = "S", .type = "staffed", .lat_deg = NAN,
         .lon_deg = NAN, .x = 520000, .y = 6520000, .status = NV_OFFICE_PLACED, .muni = &m[0]},
        {.source = "plan.csv", .line = 3, .office_id = "B1", .name = "B", .type = "booked", .lat_deg = NAN,
         .lon_deg = NAN, .x = 580000, .y = 6680000, .status = NV_OFFICE_PLACED, .muni = &m[1]},
    };
    nv_county_result c[2] = {{.lanskod = "01", .namn = "Första län", .municipalities = 2},
                             {.lanskod = "02", .namn = "Andra län", .municipalities = 1}};
    const char *files[] = {"/data/plans/plan.csv"};
    nv_run_summary s = {.version = "test", .boundaries = "/data/kommuner.shp", .layer = "kommuner",
                        .office_files = files, .n_office_files = 1, .crs = "EPSG:3006", .srid = 3006,
                        .municipalities = 3, .counties = 2, .offices = 2, .illustrative = 1};
    nv_error err = {0};
    nv_status st = nv_store_write(path, 3006, m, 3, o, 2, c, 2, &s, &err);
    if (st != NV_OK)
        fprintf(stderr, "fixture: %s: %s\n", err.path, err.message);
    NV_CHECK_INT(st, NV_OK);
}

static void make_pop_db(const char *path)
{
    nv_muni_result m[3] = {
        {.kommunkod = "0101", .namn = "Alfa", .lanskod = "01", .offices = 1, .presence = "staffed",
         .presence_rank = NV_PRESENCE_STAFFED, .nearest_office_km = 5, .nearest_office_id = "S1",
         .rep_x = 550000, .rep_y = 6550000, .area_km2 = 10000, .wkb = alfa.bytes, .wkb_size = alfa.n,
         .pop = {1000, {600, 1000}, 8, 20}},
        {.kommunkod = "0102", .namn = "Gamma", .lanskod = "01", .offices = 1, .presence = "booked",
         .presence_rank = NV_PRESENCE_BOOKED, .nearest_office_km = 30, .nearest_office_id = "B1",
         .rep_x = 550000, .rep_y = 6650000, .area_km2 = 10000, .wkb = gamma_.bytes, .wkb_size = gamma_.n,
         .pop = {400, {0, 300}, 30, 60}},
        {.kommunkod = "0201", .namn = "Beta", .lanskod = "02", .offices = 0, .presence = "none",
         .presence_rank = NV_PRESENCE_NONE, .nearest_office_km = 120, .nearest_office_id = "S1",
         .rep_x = 650000, .rep_y = 6550000, .area_km2 = 10400, .wkb = beta.bytes, .wkb_size = beta.n,
         .pop = {NAN, {NAN, NAN}, NAN, NAN}},
    };
    nv_office_result o[1] = {
        {.source = "plan.csv", .line = 2, .office_id = "S1", .name = "S", .type = "staffed", .lat_deg = NAN,
         .lon_deg = NAN, .x = 520000, .y = 6520000, .status = NV_OFFICE_PLACED, .muni = &m[0]},
    };
    nv_county_result c[2] = {{.lanskod = "01", .namn = "Första län", .municipalities = 2},
                             {.lanskod = "02", .namn = "Andra län", .municipalities = 1}};
    const char *files[] = {"/data/plans/plan.csv"};
    nv_run_summary s = {.version = "test", .boundaries = "/data/kommuner.shp", .layer = "kommuner",
                        .office_files = files, .n_office_files = 1, .crs = "EPSG:3006", .srid = 3006,
                        .municipalities = 3, .counties = 2, .offices = 1, .radii = {2, {10, 25}}};
    nv_error err = {0};
    nv_status st = nv_store_write(path, 3006, m, 3, o, 1, c, 2, &s, &err);
    if (st != NV_OK)
        fprintf(stderr, "population fixture: %s: %s\n", err.path, err.message);
    NV_CHECK_INT(st, NV_OK);
}

static void make_compare_db(const char *path)
{
    nv_muni_result b[3] = {
        {.kommunkod = "0101", .namn = "Alfa", .lanskod = "01", .offices = 1, .presence = "staffed",
         .presence_rank = NV_PRESENCE_STAFFED, .nearest_office_km = 5, .nearest_office_id = "S1",
         .rep_x = 550000, .rep_y = 6550000, .area_km2 = 10000, .wkb = alfa.bytes, .wkb_size = alfa.n},
        {.kommunkod = "0102", .namn = "Gamma", .lanskod = "01", .offices = 1, .presence = "booked",
         .presence_rank = NV_PRESENCE_BOOKED, .nearest_office_km = 30, .nearest_office_id = "B1",
         .rep_x = 550000, .rep_y = 6650000, .area_km2 = 10000, .wkb = gamma_.bytes, .wkb_size = gamma_.n},
        {.kommunkod = "0201", .namn = "Beta", .lanskod = "02", .offices = 0, .presence = "none",
         .presence_rank = NV_PRESENCE_NONE, .nearest_office_km = 120, .nearest_office_id = "S1",
         .rep_x = 650000, .rep_y = 6550000, .area_km2 = 10400, .wkb = beta.bytes, .wkb_size = beta.n},
    };
    nv_muni_result a[3] = {b[0], b[1], b[2]};
    a[0].offices = 0, a[0].presence = "none", a[0].presence_rank = NV_PRESENCE_NONE, a[0].nearest_office_km = 40;
    a[2].offices = 1, a[2].presence = "staffed", a[2].presence_rank = NV_PRESENCE_STAFFED, a[2].nearest_office_km = 2;
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 2; k++) {
            nv_muni_result *m = k ? &a[i] : &b[i];
            m->pop = (nv_population_result){NAN, {NAN}, NAN, NAN};
        }
    nv_office_result ob[2] = {
        {.source = "plan-2019.csv", .line = 2, .office_id = "S1", .type = "staffed", .lat_deg = NAN, .lon_deg = NAN,
         .x = 520000, .y = 6520000, .status = NV_OFFICE_PLACED, .muni = &b[0]},
        {.source = "plan-2019.csv", .line = 3, .office_id = "B1", .type = "booked", .lat_deg = NAN, .lon_deg = NAN,
         .x = 580000, .y = 6680000, .status = NV_OFFICE_PLACED, .muni = &b[1]},
    };
    nv_office_result oa[2] = {ob[1], ob[0]};
    oa[0].muni = &a[1];
    oa[1].office_id = "S9", oa[1].x = 680000, oa[1].y = 6580000, oa[1].muni = &a[2];
    nv_county_result c[2] = {{.lanskod = "01", .namn = "Första län"}, {.lanskod = "02", .namn = "Andra län"}};
    const char *fb[] = {"/data/plans/plan-2019.csv"}, *fa[] = {"/data/plans/plan-2020.csv"};
    nv_run_summary sb = {.version = "test", .boundaries = "/data/kommuner.shp", .office_files = fb,
                         .n_office_files = 1, .crs = "EPSG:3006", .srid = 3006, .municipalities = 3,
                         .illustrative = 0};
    nv_run_summary sa = sb;
    sa.office_files = fa;
    sa.illustrative = 1;
    nv_change ch[3];
    nv_compare_totals t;
    nv_error err = {0};
    NV_CHECK_INT(nv_compare_municipalities(b, a, 3, NULL, ch, &t, &err), NV_OK);
    nv_store_comparison sc = {.changes = ch, .n_changes = 3, .totals = &t, .offices_before = ob, .n_offices_before = 2,
                              .offices_after = oa, .n_offices_after = 2, .counties = c, .n_counties = 2,
                              .before = &sb, .after = &sa};
    nv_status st = nv_store_write_changes(path, 3006, &sc, &err);
    if (st != NV_OK)
        fprintf(stderr, "compare fixture: %s: %s\n", err.path, err.message);
    NV_CHECK_INT(st, NV_OK);
}

/* ---- reading pixels back ---- */

static unsigned pixel(cairo_surface_t *img, double x, double y)
{
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *data = cairo_image_surface_get_data(img);
    const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)(int)y * (size_t)stride);
    return row[(int)x] & 0xffffff;
}

static unsigned probe_crs(cairo_surface_t *img, const nv_render_info *in, double x, double y)
{
    return pixel(img, in->scale * x + in->x_offset, in->y_offset - in->scale * y);
}

/* The PNG writer packs cairo's 32-bit pixels into R, G, B bytes four pixels at a time,
 * then the rest one by one: every pixel reads back as drawn, whatever the width's remainder
 * by four, and with colours whose channels differ (a swapped or shifted byte shows). */
static void png_pixels_read_back(void)
{
    for (int w = 1; w <= 9; w++) {
        const int h = 3;
        char name[32];
        snprintf(name, sizeof name, "pixels-%d.png", w);
        nv_surface *sf = NULL;
        nv_error err = {0};
        /* 72 dpi: one pixel per point */
        NV_CHECK_INT(nv_surface_create(NV_FORMAT_PNG, out_path(name), w, h, 72, "2024-01-31", &sf, &err), NV_OK);
        if (!sf)
            continue;
        cairo_surface_t *cs = nv_surface_cairo(sf);
        cairo_surface_flush(cs);
        unsigned char *data = cairo_image_surface_get_data(cs);
        int stride = cairo_image_surface_get_stride(cs);
        NV_CHECK_INT(cairo_image_surface_get_width(cs), w);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                ((uint32_t *)(void *)(data + (size_t)y * (size_t)stride))[x] =
                    0xff000000u | (uint32_t)(0x10 + 16 * x) << 16 | (uint32_t)(0x80 + y) << 8 | (uint32_t)(0xf0 - x);
        cairo_surface_mark_dirty(cs);
        NV_CHECK_INT(nv_surface_finish(sf, &err), NV_OK);
        nv_surface_destroy(sf);
        cairo_surface_t *img = cairo_image_surface_create_from_png(out_path(name));
        NV_CHECK_INT(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
        if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
            NV_CHECK_INT(cairo_image_surface_get_width(img), w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    NV_CHECK_INT(pixel(img, x, y),
                                 (unsigned)(0x10 + 16 * x) << 16 | (unsigned)(0x80 + y) << 8 | (unsigned)(0xf0 - x));
        }
        cairo_surface_destroy(img);
    }
}

/* The class with this key; a missing class is an empty one (key ""), so that checks on
 * it fail instead of crashing. */
static const nv_render_class *cls(const nv_render_info *in, const char *key)
{
    static const nv_render_class missing;
    for (size_t i = 0; i < in->n_classes; i++)
        if (strcmp(in->classes[i].key, key) == 0)
            return &in->classes[i];
    return &missing;
}

/* The colour at a municipality's point is its class colour, and the legend's swatch for
 * that class has the same colour. */
static void check_class_at(cairo_surface_t *img, const nv_render_info *in, double x, double y, const char *key)
{
    const nv_render_class *c = cls(in, key);
    NV_CHECK_STR(c->key, key);
    if (!c->key[0])
        return;
    unsigned got = probe_crs(img, in, x, y);
    unsigned swatch = pixel(img, c->swatch[0] + c->swatch[2] / 2, c->swatch[1] + c->swatch[3] / 2);
    NV_CHECK_INT(got, c->color);
    NV_CHECK_INT(swatch, c->color);
}

/* The colour at (x, y) in the panel's map, and its legend swatch, are the class colour. */
static void check_panel_class_at(cairo_surface_t *img, const nv_render_info *in, int k, double x, double y,
                                 const char *key)
{
    const nv_render_class *c = cls(in, key);
    const nv_render_panel *p = &in->panels[k];
    NV_CHECK(c != NULL);
    if (c)
        NV_CHECK_INT(pixel(img, p->scale * x + p->x_offset, p->y_offset - p->scale * y), c->color);
}

static nv_mapspec *spec_from(const char *text)
{
    nv_mapspec *s = NULL;
    nv_error err = {0};
    if (nv_mapspec_parse(text, strlen(text), "test.map", &s, &err) != NV_OK)
        fprintf(stderr, "spec: %s:%ld: %s\n", err.path, err.line, err.message);
    return s;
}

static void presence_png(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("measure = presence\npalette = PuOr\nreverse = yes\n");
    nv_render_options o;
    nv_render_options_init(&o);
    o.date = "2024-01-31";
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("presence.png"), &in, &err), NV_OK);
    NV_CHECK_INT((long)in.width, 1240); /* A4 at 150 dpi */
    NV_CHECK_INT((long)in.height, 1754);
    NV_CHECK_INT(in.n_classes, 3); /* staffed, booked, none: no "other" in the data */
    /* One colour per tier present: PuOr's 3-class scheme, read from its purple end. */
    NV_CHECK_INT(cls(&in, "staffed")->color, 0x998ec3);
    NV_CHECK_INT(cls(&in, "booked")->color, 0xf7f7f7);
    NV_CHECK_INT(cls(&in, "none")->color, 0xf1a340);
    NV_CHECK_INT(cls(&in, "staffed")->count, 1);
    NV_CHECK_INT(cls(&in, "booked")->count, 1);
    NV_CHECK_INT(cls(&in, "none")->count, 1);
    NV_CHECK_INT(in.n_symbols, 2);
    NV_CHECK_INT(in.offices, 2);
    NV_CHECK_INT(in.municipalities, 3);
    NV_CHECK_INT(in.labels, 0);
    NV_CHECK_INT(in.illustrative, 1);
    NV_CHECK_STR(in.date, "2024-01-31");
    cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("presence.png"));
    NV_CHECK_INT(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        NV_CHECK_INT(cairo_image_surface_get_width(img), 1240);
        check_class_at(img, &in, 560000, 6560000, "staffed"); /* Alfa, away from its office */
        check_class_at(img, &in, 540000, 6640000, "booked");  /* Gamma */
        check_class_at(img, &in, 650000, 6550000, "none");    /* Beta */
        check_class_at(img, &in, 730000, 6510000, "none");    /* Beta's island */
        /* The offices: a dark dot, a ring with a light centre. */
        NV_CHECK_INT(probe_crs(img, &in, 520000, 6520000), 0x1b1b1b);
        NV_CHECK_INT(probe_crs(img, &in, 580000, 6680000), 0xffffff);
        /* Outside every polygon: the white page. */
        NV_CHECK_INT(probe_crs(img, &in, 710000, 6650000), 0xffffff);
        /* The legend panel covers no polygon. */
        double x0 = (in.panel[0] - in.x_offset) / in.scale, x1 = (in.panel[0] + in.panel[2] - in.x_offset) / in.scale;
        double y0 = (in.y_offset - in.panel[1] - in.panel[3]) / in.scale, y1 = (in.y_offset - in.panel[1]) / in.scale;
        const double squares[4][4] = {{500e3, 6500e3, 600e3, 6600e3}, {500e3, 6600e3, 600e3, 6700e3},
                                      {600e3, 6500e3, 700e3, 6600e3}, {720e3, 6500e3, 740e3, 6520e3}};
        for (int i = 0; i < 4; i++)
            NV_CHECK(x1 <= squares[i][0] || x0 >= squares[i][2] || y1 <= squares[i][1] || y0 >= squares[i][3]);
    }
    cairo_surface_destroy(img);
    nv_mapspec_destroy(s);
}

static void distance_classes(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("measure = nearest_office_km\nfixed_breaks = 10, 25, 50, 100\npalette = YlOrRd\n");
    nv_render_options o;
    nv_render_options_init(&o);
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("distance.png"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_classes, 5);
    NV_CHECK_STR(in.classes[0].label, "0–10 km");
    NV_CHECK_STR(in.classes[4].label, "> 100 km");
    NV_CHECK_INT(in.classes[0].count, 1); /* Alfa 5 km */
    NV_CHECK_INT(in.classes[2].count, 1); /* Gamma 30 km */
    NV_CHECK_INT(in.classes[4].count, 1); /* Beta 120 km */
    cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("distance.png"));
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        check_class_at(img, &in, 560000, 6560000, "class1");
        check_class_at(img, &in, 540000, 6640000, "class3");
        check_class_at(img, &in, 650000, 6550000, "class5");
    }
    cairo_surface_destroy(img);
    /* Quantile breaks in English: decimal points, and the classes follow the data. */
    o.lang = NV_LANG_EN;
    o.breaks = NV_BREAKS_QUANTILE;
    nv_mapspec_destroy(s);
    s = spec_from("measure = nearest_office_km\nclasses = 3\n");
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("quantile.svg"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_breaks, 2);
    NV_CHECK_NEAR(in.breaks_km[0], 5, 0);
    NV_CHECK_NEAR(in.breaks_km[1], 30, 0);
    NV_CHECK_INT(in.format, NV_FORMAT_SVG);
    NV_CHECK_NEAR(in.width, 595.2756, 0.001); /* points */
    /* Colours that do not match the classes the data gives. */
    nv_mapspec_destroy(s);
    s = spec_from("measure = nearest_office_km\nbreaks = fixed\nfixed_breaks = 50\ncolors = #ffffff, #000000\n");
    o.breaks = -1; /* the spec's: fixed, 2 classes */
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("ok.pdf"), &in, &err), NV_OK);
    o.breaks = NV_BREAKS_JENKS; /* 5 classes now, 2 colours */
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("bad.pdf"), &in, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "colors lists 2 colours but the map has 3 classes");
    NV_CHECK(access(out_path("bad.pdf"), F_OK) != 0); /* a failed write leaves no file */
    nv_mapspec_destroy(s);
}

static void county_maps_and_sizes(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("paper = a3\ndpi = 100\n");
    nv_render_options o;
    nv_render_options_init(&o);
    nv_render_info in;
    nv_error err = {0};
    o.county = "02";
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("county.png"), &in, &err), NV_OK);
    NV_CHECK_INT((long)in.width, 1169); /* A3 at 100 dpi: 297 x 420 mm */
    NV_CHECK_INT((long)in.height, 1654);
    NV_CHECK_INT(in.municipalities, 1);
    NV_CHECK_INT(in.offices, 0);
    NV_CHECK_INT(in.labels_wanted, 1);
    NV_CHECK_INT(in.labels, 1);
    NV_CHECK_INT(cls(&in, "none")->count, 1);
    NV_CHECK_INT(cls(&in, "staffed")->count, 0);
    o.county = "99";
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("nope.png"), &in, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "no county '99' in this run (counties: 01, 02)");
    /* A pixel height sets the resolution; the width follows the paper's shape. */
    o.county = NULL;
    o.height_px = 2000;
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("tall.png"), &in, &err), NV_OK);
    NV_CHECK_INT((long)in.height, 2000);
    NV_CHECK_INT((long)in.width, 1414);
    int written = 0;
    o.height_px = 0;
    NV_CHECK_INT(nv_render_write_by_county(d, s, &o, out_path("counties"), NV_FORMAT_PDF, &written, &err), NV_OK);
    NV_CHECK_INT(written, 2);
    NV_CHECK(access(out_path("counties/test-01.pdf"), F_OK) == 0);
    NV_CHECK(access(out_path("counties/test-02.pdf"), F_OK) == 0);
    nv_mapspec_destroy(s);
}

static void difference_map(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("measure = change\npalette = PuOr\n");
    nv_render_options o;
    nv_render_options_init(&o);
    o.date = "2024-01-31";
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("difference.png"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_classes, 5); /* all five, the empty ones too */
    static const char *const keys[5] = {"lost_presence", "longer", "unchanged", "shorter", "gained_presence"};
    static const int counts[5] = {1, 0, 1, 0, 1};
    static const unsigned colors[5] = {0xe66101, 0xfdb863, 0xf7f7f7, 0xb2abd2, 0x5e3c99};
    for (int k = 0; k < 5; k++) {
        NV_CHECK_STR(in.classes[k].key, keys[k]);
        NV_CHECK_INT(in.classes[k].count, counts[k]);
        NV_CHECK_INT(in.classes[k].color, colors[k]);
    }
    NV_CHECK_STR(in.classes[0].label, "Förlorar sin närvaro");
    NV_CHECK_INT(in.n_symbols, 3); /* staffed, booked, closed */
    NV_CHECK_STR(in.symbols[2].type, "closed");
    NV_CHECK_INT(in.symbols[2].count, 1);
    NV_CHECK_INT(in.symbols[0].count, 1); /* the after plan's staffed office */
    NV_CHECK_INT(in.offices, 3);
    NV_CHECK_INT(in.illustrative, 1);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("difference.png"));
    NV_CHECK_INT(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        check_class_at(img, &in, 560000, 6560000, "lost_presence");   /* Alfa */
        check_class_at(img, &in, 540000, 6640000, "unchanged");       /* Gamma */
        check_class_at(img, &in, 650000, 6550000, "gained_presence"); /* Beta */
        check_class_at(img, &in, 730000, 6510000, "gained_presence"); /* Beta's island */
        NV_CHECK_INT(probe_crs(img, &in, 520000, 6520000), 0x1b1b1b); /* the closed office's cross */
        NV_CHECK_INT(probe_crs(img, &in, 680000, 6580000), 0x1b1b1b); /* the new staffed office */
    }
    cairo_surface_destroy(img);
    nv_mapspec_destroy(s);
}

static void side_by_side(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("measure = nearest_office_km\nplan = both\npaper = a4\norientation = landscape\n"
                              "dpi = 100\n");
    nv_render_options o;
    nv_render_options_init(&o);
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("side.png"), &in, &err), NV_OK);
    NV_CHECK_INT((long)in.width, 1169); /* A4 landscape at 100 dpi */
    NV_CHECK_INT((long)in.height, 827);
    NV_CHECK_INT(in.n_panels, 2);
    NV_CHECK_STR(in.panels[0].plan, "before");
    NV_CHECK_STR(in.panels[0].label, "2019"); /* the years of the file names */
    NV_CHECK_STR(in.panels[1].label, "2020");
    NV_CHECK_NEAR(in.panels[0].scale, in.panels[1].scale, 1e-12);
    NV_CHECK(in.panels[0].frame[0] + in.panels[0].frame[2] < in.panels[1].frame[0]); /* side by side */
    NV_CHECK(in.panels[1].frame[0] + in.panels[1].frame[2] < in.panel[0]);          /* the legend right */
    NV_CHECK_INT(in.panels[0].offices, 2);
    NV_CHECK_INT(in.panels[1].offices, 2);
    /* Before: Alfa 5, Gamma 30, Beta 120 km; after: Alfa 40, Gamma 30, Beta 2 km. */
    NV_CHECK_INT(cls(&in, "class1")->count_before, 1);
    NV_CHECK_INT(cls(&in, "class1")->count, 1);
    NV_CHECK_INT(cls(&in, "class3")->count_before, 1);
    NV_CHECK_INT(cls(&in, "class3")->count, 2);
    NV_CHECK_INT(cls(&in, "class5")->count_before, 1);
    NV_CHECK_INT(cls(&in, "class5")->count, 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("side.png"));
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        check_panel_class_at(img, &in, 0, 560000, 6560000, "class1");
        check_panel_class_at(img, &in, 1, 560000, 6560000, "class3");
        check_panel_class_at(img, &in, 0, 650000, 6550000, "class5");
        check_panel_class_at(img, &in, 1, 650000, 6550000, "class1");
        check_panel_class_at(img, &in, 0, 540000, 6640000, "class3");
        check_panel_class_at(img, &in, 1, 540000, 6640000, "class3");
    }
    cairo_surface_destroy(img);
    /* Quantile limits from both plans pooled: 2 5 30 30 40 120 in thirds is 5, 30 (the
     * after plan alone would give 2, 30). */
    nv_mapspec_destroy(s);
    s = spec_from("measure = nearest_office_km\nplan = both\nbreaks = quantile\nclasses = 3\n");
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("side.svg"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_breaks, 2);
    NV_CHECK_NEAR(in.breaks_km[0], 5, 0);
    NV_CHECK_NEAR(in.breaks_km[1], 30, 0);
    /* The before plan alone, as its own map. */
    nv_mapspec_destroy(s);
    s = spec_from("measure = presence\nplan = before\n");
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("before.png"), &in, &err), NV_OK);
    NV_CHECK_INT(cls(&in, "staffed")->count, 1);
    NV_CHECK_INT(cls(&in, "none")->count, 1);
    NV_CHECK_INT(in.offices, 2);
    NV_CHECK_INT(in.n_panels, 0);
    nv_mapspec_destroy(s);
}

/* The --info JSON of a map, read whole (small). */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);
    if (f && buf)
        fread(buf, 1, (1 << 16) - 1, f);
    if (f)
        fclose(f);
    return buf;
}

static void share_map(const nv_map_data *d)
{
    nv_mapspec *s = spec_from("measure = share_within_25km\nno_data_color = #969696\n");
    nv_render_options o;
    nv_render_options_init(&o);
    o.info_path = out_path("share.json");
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("share.png"), &in, &err), NV_OK);
    /* Fixed limits 50, 75, 90, 99 %, YlOrRd from its dark end, then no data. */
    static const char *const labels[6] = {"< 50 %", "50–75 %", "75–90 %", "90–99 %", "≥ 99 %", "Uppgift saknas"};
    static const unsigned colors[6] = {0xbd0026, 0xf03b20, 0xfd8d3c, 0xfecc5c, 0xffffb2, 0x969696};
    static const int counts[6] = {0, 0, 1, 0, 1, 1};
    NV_CHECK_INT(in.n_classes, 6);
    for (size_t k = 0; k < 6 && k < in.n_classes; k++) {
        NV_CHECK_STR(in.classes[k].label, labels[k]);
        NV_CHECK_INT(in.classes[k].color, colors[k]);
        NV_CHECK_INT(in.classes[k].count, counts[k]);
    }
    NV_CHECK_STR(in.classes[5].key, "no_data");
    NV_CHECK_INT(in.n_breaks, 4);
    NV_CHECK_NEAR(in.breaks_km[3], 99, 0);
    cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("share.png"));
    NV_CHECK_INT(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        check_class_at(img, &in, 560000, 6560000, "class5");  /* Alfa 100 % */
        check_class_at(img, &in, 540000, 6640000, "class3");  /* Gamma 75 %: a limit is in the class above it */
        check_class_at(img, &in, 650000, 6550000, "no_data"); /* Beta: population NULL */
        check_class_at(img, &in, 730000, 6510000, "no_data"); /* Beta's island */
        NV_CHECK_INT(probe_crs(img, &in, 650000, 6550000), 0x969696);
    }
    cairo_surface_destroy(img);
    char *json = read_text(out_path("share.json"));
    NV_CHECK_CONTAINS(json, "\"measure\": \"share_within_25km\"");
    NV_CHECK_CONTAINS(json, "\"title\": \"Andel av befolkningen med kontor inom 25 km\"");
    free(json);
    o.info_path = NULL;
    /* 10 km in English: Alfa 60 %, Gamma 0 %, the lowest class. */
    nv_mapspec_destroy(s);
    s = spec_from("measure = share_within_10km\nlang = en\n");
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("share10.png"), &in, &err), NV_OK);
    NV_CHECK_STR(cls(&in, "class1")->label, "< 50 %");
    NV_CHECK_INT(cls(&in, "class1")->count, 1);
    NV_CHECK_INT(cls(&in, "class2")->count, 1);
    const nv_render_class *nd = cls(&in, "no_data");
    NV_CHECK(nd != NULL && strcmp(nd->label, "No data") == 0);
    img = cairo_image_surface_create_from_png(out_path("share10.png"));
    if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
        check_class_at(img, &in, 540000, 6640000, "class1"); /* Gamma 0 % */
        check_class_at(img, &in, 560000, 6560000, "class2"); /* Alfa 60 % */
        NV_CHECK_INT(probe_crs(img, &in, 540000, 6640000), 0xbd0026); /* the worst, the strongest colour */
    }
    cairo_surface_destroy(img);
    /* Quantile limits come as upper limits of data values (75); a share's limit moves
     * midway to the next value, 87.5, so that both split Gamma from Alfa alike. */
    nv_mapspec_destroy(s);
    s = spec_from("measure = share_within_25km\nbreaks = quantile\nclasses = 3\n");
    NV_CHECK_INT(nv_render_write(d, s, &o, out_path("share-q.svg"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_breaks, 1);
    NV_CHECK_NEAR(in.breaks_km[0], 87.5, 1e-12);
    NV_CHECK_STR(in.classes[0].label, "< 87,5 %");
    NV_CHECK_STR(in.classes[1].label, "≥ 87,5 %");
    NV_CHECK_INT(in.classes[0].count, 1);
    NV_CHECK_INT(in.classes[1].count, 1);
    nv_mapspec_destroy(s);
}

static void mean_and_max_maps(const nv_map_data *d)
{
    static const char *const specs[2] = {"measure = mean_distance_km\n", "measure = max_distance_km\n"};
    static const char *const where[2][2] = {{"class1", "class3"}, {"class2", "class4"}}; /* Alfa, Gamma */
    for (int k = 0; k < 2; k++) {
        nv_mapspec *s = spec_from(specs[k]);
        nv_render_info in;
        nv_error err = {0};
        NV_CHECK_INT(nv_render_write(d, s, NULL, out_path("km.png"), &in, &err), NV_OK);
        NV_CHECK_INT(in.n_classes, 6); /* 0–10 … > 100 km, and no data */
        NV_CHECK_STR(in.classes[0].label, "0–10 km");
        NV_CHECK_STR(in.classes[4].label, "> 100 km");
        const nv_render_class *nd = cls(&in, "no_data");
        NV_CHECK(nd != NULL);
        if (nd) {
            NV_CHECK_INT(nd->count, 1);
            NV_CHECK_STR(nd->label, "Uppgift saknas");
            NV_CHECK_INT(nd->color, 0xd9d9d9);
        }
        cairo_surface_t *img = cairo_image_surface_create_from_png(out_path("km.png"));
        if (cairo_surface_status(img) == CAIRO_STATUS_SUCCESS) {
            check_class_at(img, &in, 560000, 6560000, where[k][0]);
            check_class_at(img, &in, 540000, 6640000, where[k][1]);
            check_class_at(img, &in, 650000, 6550000, "no_data");
        }
        cairo_surface_destroy(img);
        nv_mapspec_destroy(s);
    }
    /* Jenks over 8 and 30 km (Beta has none): one limit, at the lower value. */
    nv_mapspec *s = spec_from("measure = mean_distance_km\nbreaks = jenks\nclasses = 2\n");
    nv_render_info in;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(d, s, NULL, out_path("km.svg"), &in, &err), NV_OK);
    NV_CHECK_INT(in.n_breaks, 1);
    NV_CHECK_NEAR(in.breaks_km[0], 8, 0);
    nv_mapspec_destroy(s);
}

/* A radius the run did not count is named with the spec's line and the run's radii. */
static void share_of_a_missing_radius(const nv_map_data *pop, const nv_map_data *no_radii)
{
    nv_mapspec *s = spec_from("title = Andel\n\nmeasure = share_within_30km\n");
    nv_error err = {0};
    NV_CHECK_INT(nv_render_write(pop, s, NULL, out_path("r30.png"), NULL, &err), NV_ERR_INPUT);
    NV_CHECK_STR(err.path, "test.map");
    NV_CHECK_INT(err.line, 3);
    NV_CHECK_CONTAINS(err.message, "measure share_within_30km:");
    NV_CHECK_CONTAINS(err.message, "has no population within 30 km; the run's radii are 10, 25 km");
    NV_CHECK_CONTAINS(err.message, "give share_within_10km or share_within_25km");
    NV_CHECK_CONTAINS(err.message, "--radius-km 30");
    NV_CHECK(access(out_path("r30.png"), F_OK) != 0);
    /* Also when the radius is missing only from a run whose values join the breaks. */
    nv_mapspec_destroy(s);
    s = spec_from("measure = share_within_25km\nbreaks = quantile\n");
    nv_render_options o;
    nv_render_options_init(&o);
    o.pool = &no_radii;
    o.n_pool = 1;
    NV_CHECK_INT(nv_render_write(pop, s, &o, out_path("r25.png"), NULL, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "narvaro.sqlite counts the population within no radius");
    NV_CHECK(access(out_path("r25.png"), F_OK) != 0);
    nv_mapspec_destroy(s);
}

static void comparison_specs_need_a_comparison(const nv_map_data *single)
{
    const char *texts[] = {"measure = change\n", "plan = both\n", "plan = before\n"};
    for (int i = 0; i < 3; i++) {
        nv_mapspec *s = spec_from(texts[i]);
        nv_error err = {0};
        NV_CHECK_INT(nv_render_write(single, s, NULL, out_path("no.png"), NULL, &err), NV_ERR_INPUT);
        NV_CHECK_CONTAINS(err.message, "holds the result of one plan");
        NV_CHECK_CONTAINS(err.message, "compare.sqlite");
        NV_CHECK(access(out_path("no.png"), F_OK) != 0);
        nv_mapspec_destroy(s);
    }
    nv_mapspec *s = NULL;
    nv_error err = {0};
    const char *bad = "measure = change\nplan = both\n";
    NV_CHECK_INT(nv_mapspec_parse(bad, strlen(bad), "x.map", &s, &err), NV_ERR_INPUT);
    NV_CHECK_INT(err.line, 2);
    NV_CHECK_CONTAINS(err.message, "does not go with measure = change");
    const char *colors = "measure = change\ncolors = #000000, #ffffff\n";
    NV_CHECK_INT(nv_mapspec_parse(colors, strlen(colors), "x.map", &s, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "colors lists 2 colours but the map has 5 classes");
    const char *orient = "orientation = sideways\n";
    NV_CHECK_INT(nv_mapspec_parse(orient, strlen(orient), "x.map", &s, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "give portrait or landscape");
}

static void class_breaks(void)
{
    const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    double b[8];
    NV_CHECK_INT(nv_classes_breaks_quantile(ten, 10, 5, b), 4);
    NV_CHECK_NEAR(b[0], 2, 0);
    NV_CHECK_NEAR(b[3], 8, 0);
    /* Three tight groups: natural breaks between them. */
    const double groups[] = {1, 2, 3, 10, 11, 12, 20, 21, 22};
    NV_CHECK_INT(nv_classes_breaks_jenks(groups, 9, 3, b), 2);
    NV_CHECK_NEAR(b[0], 3, 0);
    NV_CHECK_NEAR(b[1], 12, 0);
    /* An outlier gets a class of its own. */
    const double outlier[] = {1, 1.5, 2, 2.5, 3, 100};
    NV_CHECK_INT(nv_classes_breaks_jenks(outlier, 6, 2, b), 1);
    NV_CHECK_NEAR(b[0], 3, 0);
    /* Repeated values: fewer limits, never one at the maximum. */
    const double same[] = {1, 1, 1, 5};
    NV_CHECK_INT(nv_classes_breaks_quantile(same, 4, 4, b), 1);
    NV_CHECK_NEAR(b[0], 1, 0);
    NV_CHECK_INT(nv_classes_breaks_jenks(same, 4, 3, b), 1);
    NV_CHECK_INT(nv_classes_breaks_jenks(same, 0, 3, b), 0);
    /* Upper limits are inside their class. */
    const double lim[] = {10, 25};
    NV_CHECK_INT(nv_classes_classify(0, lim, 2), 0);
    NV_CHECK_INT(nv_classes_classify(10, lim, 2), 0);
    NV_CHECK_INT(nv_classes_classify(10.001, lim, 2), 1);
    NV_CHECK_INT(nv_classes_classify(25, lim, 2), 1);
    NV_CHECK_INT(nv_classes_classify(26, lim, 2), 2);
}

static void failures(void)
{
    nv_map_data *d = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_load(out_path("missing.sqlite"), &d, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "give the narvaro.sqlite of a finished run");
    NV_CHECK_INT(nv_render_load(dir, &d, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "is not a file");
    /* An SQLite file that is not a narvaro result. */
    sqlite3 *db = NULL;
    sqlite3_open(out_path("other.sqlite"), &db);
    sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL);
    sqlite3_close(db);
    NV_CHECK_INT(nv_render_load(out_path("other.sqlite"), &d, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "no such table: municipalities");
    NV_CHECK_CONTAINS(err.message, "not a narvaro result");
    NV_CHECK(d == NULL);
    nv_render_format f;
    NV_CHECK_INT(nv_render_format_from_path("map.jpg", &f, &err), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(err.message, "give .png, .svg or .pdf");
    NV_CHECK_INT(nv_render_format_from_path("maps.d/map", &f, &err), NV_ERR_INPUT);
    NV_CHECK_INT(nv_render_format_from_path("MAP.PDF", &f, &err), NV_OK);
    NV_CHECK_INT(f, NV_FORMAT_PDF);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    class_breaks();
    failures();
    png_pixels_read_back();
    make_db(out_path("narvaro.sqlite"));
    nv_map_data *d = NULL;
    nv_error err = {0};
    NV_CHECK_INT(nv_render_load(out_path("narvaro.sqlite"), &d, &err), NV_OK);
    if (d) {
        NV_CHECK_INT(nv_render_county_count(d), 2);
        NV_CHECK_STR(nv_render_county_code(d, 1), "02");
        presence_png(d);
        distance_classes(d);
        county_maps_and_sizes(d);
        comparison_specs_need_a_comparison(d);
    } else {
        fprintf(stderr, "load: %s\n", err.message);
    }
    make_pop_db(out_path("population.sqlite"));
    nv_map_data *pop = NULL;
    NV_CHECK_INT(nv_render_load(out_path("population.sqlite"), &pop, &err), NV_OK);
    if (pop && d) {
        share_map(pop);
        mean_and_max_maps(pop);
        share_of_a_missing_radius(pop, d);
    } else {
        fprintf(stderr, "load: %s\n", err.message);
    }
    nv_render_data_destroy(pop);
    nv_render_data_destroy(d);
    make_compare_db(out_path("compare.sqlite"));
    nv_map_data *cmp = NULL;
    NV_CHECK_INT(nv_render_load(out_path("compare.sqlite"), &cmp, &err), NV_OK);
    if (cmp) {
        difference_map(cmp);
        side_by_side(cmp);
        /* A comparison holds the population per plan; its maps are the single runs'. */
        nv_mapspec *s = spec_from("measure = share_within_25km\n");
        NV_CHECK_INT(nv_render_write(cmp, s, NULL, out_path("cmp-share.png"), NULL, &err), NV_ERR_INPUT);
        NV_CHECK_CONTAINS(err.message, "is a comparison, and the map 'test' colours by share_within_25km");
        nv_mapspec_destroy(s);
    } else {
        fprintf(stderr, "load: %s\n", err.message);
    }
    nv_render_data_destroy(cmp);
    int rc = nv_test_report("test_render");
    if (rc == 0) {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", dir);
    }
    return rc;
}
