/* test_store.c — narvaro.sqlite and compare.sqlite written from hand-made records and
 * read back three ways: plain SQLite, SpatiaLite SQL functions, and GDAL's SQLite driver
 * (what QGIS uses). Geometries are WKB written byte by byte: a 1 km square (area 1 000 000 m²)
 * and a multipolygon of a 2 km and a 1 km square (5 000 000 m²), in SWEREF 99 TM. */
#include "store.h"
#include "nv_test.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>
#include <spatialite.h>

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

static char dir[] = "/tmp/nv_test_store_XXXXXX";

static const char *out_path(const char *name)
{
    static char buf[4][256];
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

/* Byte order 1, type 3 (Polygon), 1 ring of 5 points, counter-clockwise. */
static void put_square(wkb *w, double x0, double y0, double side)
{
    const double xy[5][2] = {{x0, y0}, {x0 + side, y0}, {x0 + side, y0 + side},
                             {x0, y0 + side}, {x0, y0}};
    put_u8(w, 1);
    put_u32(w, 3);
    put_u32(w, 1);
    put_u32(w, 5);
    for (int i = 0; i < 5; i++) {
        put_f64(w, xy[i][0]);
        put_f64(w, xy[i][1]);
    }
}

/* ---- fixtures ---- */

static wkb square, multi;
static const unsigned char garbage[] = {1, 3, 0, 0, 0, 9, 9};

static nv_muni_result munis[2];
static const nv_office_result offices[] = {
    {.source = "plan.csv", .line = 2, .office_id = "A1", .name = "Väsby", .type = "staffed",
     .kommunkod_stated = "0114", .lat_deg = 59.52, .lon_deg = 17.91, .x = 600500.0,
     .y = 6600500.0, .status = NV_OFFICE_PLACED, .muni = &munis[0],
     .snap_m = 0.0, .note = NULL},
    {.source = "plan.csv", .line = 3, .office_id = "A2", .name = "Vallentuna strand",
     .type = "booked", .kommunkod_stated = "", .lat_deg = NAN, .lon_deg = NAN, .x = 612100.0,
     .y = 6610000.0, .status = NV_OFFICE_SNAPPED, .muni = &munis[1],
     .snap_m = 100.0, .note = "snapped 100 m"},
    {.source = "plan.csv", .line = 4, .office_id = "A3", .name = "Nowhere", .type = "staffed",
     .kommunkod_stated = NULL, .lat_deg = 191.2, .lon_deg = 17.9, .x = NAN, .y = NAN,
     .status = NV_OFFICE_REJECTED, .muni = NULL, .snap_m = 0.0,
     .note = "latitude 191.2 is outside -90..90"},
};
static const nv_county_result counties[] = {
    {.lanskod = "01", .namn = "Stockholms län", .municipalities = 2, .offices = 2,
     .with_office = 2, .without_office = 0, .staffed = 1, .booked = 1, .other = 0, .none = 0,
     .mean_nearest_office_km = 0.25, .max_nearest_office_km = NAN},
};
static const char *const plan_files[] = {"plan.csv", "extra plan.csv"};
static nv_run_summary summary = {
    .version = "0.1.0", .gdal_version = "3.6.2", .proj_version = "9.1.1", .sqlite_version = NULL,
    .boundaries = "kommuner.gpkg", .layer = "kommuner", .office_files = plan_files,
    .n_office_files = 2, .crs = "EPSG:3006", .srid = 3006, .snap_km = 2.0,
    .municipalities = 2, .counties = 1, .offices_read = 3, .offices = 2, .offices_snapped = 1,
    .offices_rejected = 1, .with_office = 2, .presence_staffed = 1, .presence_booked = 1,
    .mean_nearest_office_km = 0.25, .max_nearest_office_km = 0.5, .max_nearest_kommunkod = "0115",
    .illustrative = 1,
};

static void make_fixtures(void)
{
    put_square(&square, 600000.0, 6600000.0, 1000.0);
    /* Type 6 (MultiPolygon) with 2 polygons, each a complete WKB polygon. */
    put_u8(&multi, 1);
    put_u32(&multi, 6);
    put_u32(&multi, 2);
    put_square(&multi, 610000.0, 6610000.0, 2000.0);
    put_square(&multi, 615000.0, 6610000.0, 1000.0);

    munis[0] = (nv_muni_result){.kommunkod = "0114", .namn = "Upplands Väsby", .lanskod = "01",
        .offices = 1, .presence = "staffed", .presence_rank = NV_PRESENCE_STAFFED,
        .nearest_office_km = 0.0, .nearest_office_id = "A1", .rep_x = 600500.0,
        .rep_y = 6600500.0, .area_km2 = 1.0, .wkb = square.bytes, .wkb_size = square.n};
    munis[1] = (nv_muni_result){.kommunkod = "0115", .namn = "Vallentuna", .lanskod = "01",
        .offices = 1, .presence = "booked", .presence_rank = NV_PRESENCE_BOOKED,
        .nearest_office_km = NAN, .nearest_office_id = NULL, .rep_x = 611000.0,
        .rep_y = 6611000.0, .area_km2 = 5.0, .wkb = multi.bytes, .wkb_size = multi.n};
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* ---- failures first ---- */

static void test_existing_path_is_left_alone(void)
{
    const char *path = out_path("existing.sqlite");
    FILE *f = fopen(path, "wb");
    NV_CHECK(f != NULL);
    if (!f)
        return;
    fputs("keep me\n", f);
    fclose(f);

    nv_error e = {0};
    NV_CHECK_INT(nv_store_write(path, 3006, munis, 2, offices, 3, counties, 1, &summary, &e),
                 NV_ERR_FAIL);
    NV_CHECK_STR(e.path, path);
    NV_CHECK_CONTAINS(e.message, "already exists");

    char buf[64] = {0};
    f = fopen(path, "rb");
    NV_CHECK(f != NULL);
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
    NV_CHECK_STR(buf, "keep me\n");
    unlink(path);
}

static void test_failures_remove_the_file(void)
{
    nv_error e = {0};
    const char *path = out_path("bad.sqlite");

    /* Bytes SpatiaLite cannot read as a polygon: the NOT NULL geometry catches it. */
    nv_muni_result bad = munis[0];
    bad.kommunkod = "0999";
    bad.wkb = garbage;
    bad.wkb_size = sizeof garbage;
    NV_CHECK_INT(nv_store_write(path, 3006, &bad, 1, NULL, 0, NULL, 0, NULL, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "municipality 0999");
    NV_CHECK_CONTAINS(e.message, "municipalities.geom");
    NV_CHECK(!exists(path));
    NV_CHECK(!exists(out_path("bad.sqlite-journal")));

    bad.wkb = NULL;
    bad.wkb_size = 0;
    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_store_write(path, 3006, &bad, 1, NULL, 0, NULL, 0, NULL, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "municipality 0999 has no geometry");
    NV_CHECK(!exists(path));

    /* An SRID SpatiaLite does not know (it says so on stderr as well), and no SRID. */
    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_store_write(path, 999999, munis, 2, offices, 3, NULL, 0, NULL, &e),
                 NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "SRID 999999");
    NV_CHECK(!exists(path));
    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_store_write(path, 0, munis, 2, NULL, 0, NULL, 0, NULL, &e), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "EPSG");
    NV_CHECK(!exists(path));

    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_store_write("/nonexistent-narvaro-dir/x.sqlite", 3006, munis, 2, NULL, 0,
                                NULL, 0, NULL, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, strerror(ENOENT));
    NV_CHECK_INT(nv_store_write("/nonexistent-narvaro-dir/x.sqlite", 3006, munis, 2, NULL, 0,
                                NULL, 0, NULL, NULL), NV_ERR_FAIL);
}

/* ---- reading back with SQLite + SpatiaLite ---- */

static sqlite3 *db;
static void *cache;

static double q_double(const char *sql)
{
    sqlite3_stmt *st = NULL;
    double v = NAN;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        return NAN;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static long q_int(const char *sql)
{
    double v = q_double(sql);
    return isnan(v) ? -12345 : (long)v;
}

/* Text of the first column of the first row; "(null)" for NULL, "(none)" for no row. */
static const char *q_text(const char *sql)
{
    static char buf[512];
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
        return "(error)";
    }
    snprintf(buf, sizeof buf, "(none)");
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(buf, sizeof buf, "%s", t ? (const char *)t : "(null)");
    }
    sqlite3_finalize(st);
    return buf;
}

static void check_with_spatialite(const char *path)
{
    cache = spatialite_alloc_connection();
    NV_CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    spatialite_init_ex(db, cache, 0);

    NV_CHECK_INT(q_int("SELECT count(*) FROM municipalities"), 2);
    NV_CHECK_NEAR(q_double("SELECT ST_Area(geom) FROM municipalities WHERE kommunkod = '0114'"),
                  1000000.0, 1e-6);
    NV_CHECK_NEAR(q_double("SELECT ST_Area(geom) FROM municipalities WHERE kommunkod = '0115'"),
                  5000000.0, 1e-6);
    NV_CHECK_INT(q_int("SELECT count(*) FROM municipalities WHERE GeometryType(geom) = 'MULTIPOLYGON'"), 2);
    NV_CHECK_INT(q_int("SELECT count(*) FROM municipalities WHERE SRID(geom) = 3006"), 2);
    NV_CHECK_INT(q_int("SELECT NumGeometries(geom) FROM municipalities WHERE kommunkod = '0115'"), 2);
    NV_CHECK_STR(q_text("SELECT namn FROM municipalities WHERE kommunkod = '0114'"), "Upplands Väsby");
    NV_CHECK_STR(q_text("SELECT typeof(nearest_office_km) FROM municipalities WHERE kommunkod = '0115'"), "null");
    NV_CHECK_STR(q_text("SELECT typeof(nearest_office_id) FROM municipalities WHERE kommunkod = '0115'"), "null");
    NV_CHECK_NEAR(q_double("SELECT area_km2 FROM municipalities WHERE kommunkod = '0115'"), 5.0, 1e-12);

    NV_CHECK_INT(q_int("SELECT count(*) FROM offices"), 3);
    NV_CHECK_INT(q_int("SELECT count(*) FROM offices WHERE geom IS NULL"), 1);
    NV_CHECK_STR(q_text("SELECT status FROM offices WHERE geom IS NULL"), "rejected");
    NV_CHECK_STR(q_text("SELECT note FROM offices WHERE office_id = 'A3'"), "latitude 191.2 is outside -90..90");
    NV_CHECK_NEAR(q_double("SELECT ST_X(geom) FROM offices WHERE office_id = 'A1'"), 600500.0, 1e-9);
    NV_CHECK_NEAR(q_double("SELECT ST_Y(geom) FROM offices WHERE office_id = 'A1'"), 6600500.0, 1e-9);
    NV_CHECK_STR(q_text("SELECT GeometryType(geom) FROM offices WHERE office_id = 'A2'"), "POINT");
    NV_CHECK_INT(q_int("SELECT SRID(geom) FROM offices WHERE office_id = 'A2'"), 3006);
    NV_CHECK_STR(q_text("SELECT typeof(kommunkod_stated) FROM offices WHERE office_id = 'A2'"), "null");
    NV_CHECK_STR(q_text("SELECT typeof(lat) FROM offices WHERE office_id = 'A2'"), "null");
    NV_CHECK_INT(q_int("SELECT line FROM offices WHERE office_id = 'A3'"), 4);
    /* The placed office lies in the square: a spatial join answers 0114. */
    NV_CHECK_STR(q_text("SELECT m.kommunkod FROM offices o JOIN municipalities m"
                        " ON ST_Contains(m.geom, o.geom) WHERE o.office_id = 'A1'"), "0114");

    /* Spatial indexes: registered, consistent, and they find things. */
    NV_CHECK_INT(q_int("SELECT spatial_index_enabled FROM geometry_columns"
                       " WHERE f_table_name = 'municipalities' AND f_geometry_column = 'geom'"), 1);
    NV_CHECK_INT(q_int("SELECT spatial_index_enabled FROM geometry_columns"
                       " WHERE f_table_name = 'offices' AND f_geometry_column = 'geom'"), 1);
    NV_CHECK_INT(q_int("SELECT srid FROM geometry_columns WHERE f_table_name = 'offices'"), 3006);
    NV_CHECK_INT(q_int("SELECT count(*) FROM idx_offices_geom"), 2);
    /* fid i is the i-th row given (the rows after the first numbered by SQLite), and its
     * entry in the spatial index is its own point. */
    NV_CHECK_STR(q_text("SELECT group_concat(fid || ':' || office_id, ',') FROM (SELECT fid, office_id FROM offices"
                        " ORDER BY fid)"), "1:A1,2:A2,3:A3");
    NV_CHECK_INT(q_int("SELECT count(*) FROM offices o JOIN idx_offices_geom i ON i.pkid = o.fid"
                       " WHERE ST_X(o.geom) BETWEEN i.xmin AND i.xmax AND ST_Y(o.geom) BETWEEN i.ymin AND i.ymax"), 2);
    NV_CHECK_INT(q_int("SELECT count(*) FROM idx_municipalities_geom"), 2);
    NV_CHECK_STR(q_text("SELECT kommunkod FROM municipalities WHERE fid IN (SELECT pkid FROM"
                        " idx_municipalities_geom WHERE xmin <= 615500 AND xmax >= 615500"
                        " AND ymin <= 6610500 AND ymax >= 6610500)"), "0115");
    NV_CHECK_STR(q_text("SELECT ref_sys_name FROM spatial_ref_sys WHERE srid = 3006"), "SWEREF99 TM");

    NV_CHECK_INT(q_int("SELECT count(*) FROM counties"), 1);
    NV_CHECK_STR(q_text("SELECT namn FROM counties"), "Stockholms län");
    NV_CHECK_INT(q_int("SELECT booked FROM counties"), 1);
    NV_CHECK_STR(q_text("SELECT typeof(max_nearest_office_km) FROM counties"), "null");

    NV_CHECK_INT(q_int("SELECT count(*) FROM runs"), 1);
    NV_CHECK_STR(q_text("SELECT office_files FROM runs"), "plan.csv\nextra plan.csv");
    NV_CHECK_STR(q_text("SELECT sqlite_version FROM runs"), sqlite3_libversion());
    NV_CHECK_STR(q_text("SELECT spatialite_version FROM runs"), spatialite_version());
    NV_CHECK_STR(q_text("SELECT narvaro_version FROM runs"), "0.1.0");
    NV_CHECK_INT(q_int("SELECT srid FROM runs"), 3006);
    NV_CHECK_INT(q_int("SELECT offices_rejected FROM runs"), 1);
    NV_CHECK_INT(q_int("SELECT illustrative FROM runs"), 1);
    NV_CHECK_STR(q_text("SELECT max_nearest_kommunkod FROM runs"), "0115");
    /* Issue 11: GeoPandas reserves "crs"; the column is analysis_crs. */
    NV_CHECK_STR(q_text("SELECT analysis_crs FROM runs"), "EPSG:3006");
    NV_CHECK_INT(q_int("SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'crs'"), 0);
    /* Issue 11: SpatiaLite's KNN and data_licenses are not left for QGIS to list. */
    NV_CHECK_INT(q_int("SELECT count(*) FROM sqlite_master WHERE name IN ('KNN', 'data_licenses')"), 0);
    NV_CHECK_STR(q_text("PRAGMA integrity_check"), "ok");

    NV_CHECK_INT(sqlite3_close(db), SQLITE_OK);
    spatialite_cleanup_ex(cache);
    db = NULL;
    cache = NULL;
}

/* ---- reading back with GDAL, as QGIS would ---- */

static void check_with_gdal(const char *path)
{
    GDALAllRegister();
    const char *const drivers[] = {"SQLite", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    NV_CHECK(ds != NULL);
    if (!ds)
        return;
    NV_CHECK_STR(GDALGetDriverShortName(GDALGetDatasetDriver(ds)), "SQLite");

    OGRLayerH munis_l = GDALDatasetGetLayerByName(ds, "municipalities");
    OGRLayerH offices_l = GDALDatasetGetLayerByName(ds, "offices");
    NV_CHECK(munis_l != NULL);
    NV_CHECK(offices_l != NULL);
    NV_CHECK(GDALDatasetGetLayerByName(ds, "counties") != NULL);
    int listed = 0;
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++) {
        const char *name = OGR_L_GetName(GDALDatasetGetLayer(ds, i));
        listed += strcmp(name, "municipalities") == 0 || strcmp(name, "offices") == 0;
    }
    NV_CHECK_INT(listed, 2);
    if (!munis_l || !offices_l) {
        GDALClose(ds);
        return;
    }

    NV_CHECK_INT(OGR_L_GetGeomType(munis_l), wkbMultiPolygon);
    NV_CHECK_INT(OGR_L_GetGeomType(offices_l), wkbPoint);
    NV_CHECK_INT(OGR_L_GetFeatureCount(munis_l, TRUE), 2);
    NV_CHECK_INT(OGR_L_GetFeatureCount(offices_l, TRUE), 3);
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(munis_l);
    NV_CHECK(srs != NULL);
    if (srs)
        NV_CHECK_STR(OSRGetAuthorityCode(srs, NULL), "3006");

    OGR_L_SetAttributeFilter(munis_l, "kommunkod = '0114'");
    OGRFeatureH f = OGR_L_GetNextFeature(munis_l);
    NV_CHECK(f != NULL);
    if (f) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        NV_CHECK(g != NULL);
        if (g)
            NV_CHECK_NEAR(OGR_G_Area(g), 1000000.0, 1e-6);
        NV_CHECK_STR(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "namn")), "Upplands Väsby");
        OGR_F_Destroy(f);
    }

    /* A spatial filter goes through the index; the rejected row has no geometry. */
    OGR_L_SetSpatialFilterRect(offices_l, 600000, 6600000, 601000, 6601000);
    NV_CHECK_INT(OGR_L_GetFeatureCount(offices_l, TRUE), 1);
    OGR_L_SetSpatialFilter(offices_l, NULL);
    OGR_L_SetAttributeFilter(offices_l, "status = 'rejected'");
    f = OGR_L_GetNextFeature(offices_l);
    NV_CHECK(f != NULL);
    if (f) {
        NV_CHECK(OGR_F_GetGeometryRef(f) == NULL);
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
}

static void test_write_and_read_back(void)
{
    const char *path = out_path("narvaro.sqlite");
    nv_error e = {0};
    nv_status st = nv_store_write(path, 3006, munis, 2, offices, 3, counties, 1, &summary, &e);
    NV_CHECK_INT(st, NV_OK);
    if (st != NV_OK) {
        fprintf(stderr, "nv_store_write: %s: %s\n", e.path, e.message);
        return;
    }
    NV_CHECK(!exists(out_path("narvaro.sqlite-journal")));
    check_with_spatialite(path);
    check_with_gdal(path);
    unlink(path);
}

/* ---- compare.sqlite ----
 * Before: 0114 staffed at 0 km, 0115 booked. After: 0114 has lost its office (12 km to the
 * nearest), 0115 is unchanged. The before plan's A1 has no after office within 1 km:
 * closed; its A2 moved 900 m (to the after plan's B2): not closed. */

static nv_change changes[2];
static nv_compare_totals totals;
static nv_muni_result after_munis[2];
static nv_office_result after_offices[1];
static const char *const before_files[] = {"plans/af-2019.csv"};
static const char *const after_files[] = {"plans/af-2020.csv"};
static nv_run_summary before_summary, after_summary;

static nv_store_comparison make_comparison(void)
{
    after_munis[0] = munis[0];
    after_munis[0].offices = 0;
    after_munis[0].presence = "none";
    after_munis[0].presence_rank = NV_PRESENCE_NONE;
    after_munis[0].nearest_office_km = 12.0;
    after_munis[0].nearest_office_id = "B2";
    after_munis[1] = munis[1];
    nv_radii radii = {2, {10, 25}};
    for (int i = 0; i < 2; i++) {
        nv_population_result p = {.population = 1000.0 * (i + 1), .within = {1000.0 * (i + 1), 1000.0 * (i + 1)},
                                  .mean_distance_km = 1.0, .max_distance_km = 2.0};
        munis[i].pop = p;
        after_munis[i].pop = p;
    }
    after_munis[0].pop.within[0] = 0;
    after_munis[0].pop.mean_distance_km = 12.0;
    nv_error e = {0};
    NV_CHECK_INT(nv_compare_municipalities(munis, after_munis, 2, &radii, changes, &totals, &e), NV_OK);
    after_offices[0] = offices[1];
    after_offices[0].office_id = "B2";
    after_offices[0].x = offices[1].x + 900.0;
    before_summary = summary;
    before_summary.office_files = before_files;
    before_summary.n_office_files = 1;
    before_summary.radii = radii;
    after_summary = before_summary;
    after_summary.office_files = after_files;
    after_summary.illustrative = 0;
    after_summary.with_office = 1;
    return (nv_store_comparison){.changes = changes, .n_changes = 2, .totals = &totals,
                                 .offices_before = offices, .n_offices_before = 3,
                                 .offices_after = after_offices, .n_offices_after = 1,
                                 .counties = counties, .n_counties = 1,
                                 .before = &before_summary, .after = &after_summary,
                                 .manifest_json = "{\"files\": []}", .manifest_digest = "abc"};
}

static void test_compare_failures(void)
{
    nv_store_comparison c = make_comparison();
    const char *path = out_path("compare-existing.sqlite");
    FILE *f = fopen(path, "wb");
    NV_CHECK(f != NULL);
    if (f) {
        fputs("keep me\n", f);
        fclose(f);
    }
    nv_error e = {0};
    NV_CHECK_INT(nv_store_write_changes(path, 3006, &c, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "already exists");
    NV_CHECK(exists(path));
    unlink(path);

    /* A municipality whose WKB SpatiaLite cannot read: the file goes. */
    path = out_path("compare-bad.sqlite");
    nv_muni_result bad = after_munis[1];
    bad.wkb = garbage;
    bad.wkb_size = sizeof garbage;
    changes[1].after = &bad;
    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_store_write_changes(path, 3006, &c, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "municipality 0115");
    NV_CHECK(!exists(path));
    changes[1].after = &after_munis[1];

    memset(&e, 0, sizeof e);
    c.totals = NULL;
    NV_CHECK_INT(nv_store_write_changes(path, 3006, &c, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "incomplete");
    NV_CHECK(!exists(path));
}

static void test_compare_write_and_read_back(void)
{
    nv_store_comparison c = make_comparison();
    const char *path = out_path("compare.sqlite");
    nv_error e = {0};
    nv_status st = nv_store_write_changes(path, 3006, &c, &e);
    NV_CHECK_INT(st, NV_OK);
    if (st != NV_OK) {
        fprintf(stderr, "nv_store_write_changes: %s: %s\n", e.path, e.message);
        return;
    }
    cache = spatialite_alloc_connection();
    NV_CHECK_INT(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    spatialite_init_ex(db, cache, 0);

    NV_CHECK_INT(q_int("SELECT count(*) FROM municipalities"), 2);
    NV_CHECK_STR(q_text("SELECT change FROM municipalities WHERE kommunkod = '0114'"), "lost_presence");
    NV_CHECK_STR(q_text("SELECT change FROM municipalities WHERE kommunkod = '0115'"), "unchanged");
    NV_CHECK_STR(q_text("SELECT presence_before || ',' || presence_after FROM municipalities"
                        " WHERE kommunkod = '0114'"), "staffed,none");
    NV_CHECK_INT(q_int("SELECT offices_before * 10 + offices_after FROM municipalities WHERE kommunkod = '0114'"), 10);
    NV_CHECK_NEAR(q_double("SELECT nearest_office_km_after FROM municipalities WHERE kommunkod = '0114'"), 12.0, 1e-12);
    NV_CHECK_NEAR(q_double("SELECT nearest_office_km_change FROM municipalities WHERE kommunkod = '0114'"), 12.0,
                  1e-12);
    NV_CHECK_STR(q_text("SELECT typeof(nearest_office_km_change) FROM municipalities WHERE kommunkod = '0115'"),
                 "real"); /* NAN before and after: no change, 0 */
    NV_CHECK_NEAR(q_double("SELECT population_within_10km_before - population_within_10km_after FROM municipalities"
                           " WHERE kommunkod = '0114'"), 1000.0, 1e-9);
    NV_CHECK_NEAR(q_double("SELECT people_beyond_10km_added FROM municipalities WHERE kommunkod = '0114'"), 1000.0,
                  1e-9);
    NV_CHECK_NEAR(q_double("SELECT person_km_added FROM municipalities WHERE kommunkod = '0114'"), 11000.0, 1e-9);
    NV_CHECK_NEAR(q_double("SELECT ST_Area(geom) FROM municipalities WHERE kommunkod = '0115'"), 5000000.0, 1e-6);
    NV_CHECK_INT(q_int("SELECT count(*) FROM municipalities WHERE GeometryType(geom) = 'MULTIPOLYGON'"
                       " AND SRID(geom) = 3006"), 2);

    NV_CHECK_INT(q_int("SELECT count(*) FROM offices WHERE plan = 'before'"), 3);
    NV_CHECK_INT(q_int("SELECT count(*) FROM offices WHERE plan = 'after'"), 1);
    NV_CHECK_INT(q_int("SELECT closed FROM offices WHERE plan = 'before' AND office_id = 'A1'"), 1);
    NV_CHECK_INT(q_int("SELECT closed FROM offices WHERE plan = 'before' AND office_id = 'A2'"), 0);
    NV_CHECK_INT(q_int("SELECT closed FROM offices WHERE office_id = 'A3'"), 0); /* rejected: never placed */
    NV_CHECK_INT(q_int("SELECT closed FROM offices WHERE plan = 'after'"), 0);
    NV_CHECK_NEAR(q_double("SELECT ST_X(geom) FROM offices WHERE office_id = 'B2'"), 613000.0, 1e-9);

    NV_CHECK_INT(q_int("SELECT count(*) FROM counties"), 1);
    NV_CHECK_STR(q_text("SELECT namn FROM counties"), "Stockholms län");
    NV_CHECK_STR(q_text("SELECT lost_presence || ',' || longer || ',' || unchanged || ',' || shorter || ','"
                        " || gained_presence FROM counties"), "1,0,1,0,0");

    NV_CHECK_INT(q_int("SELECT count(*) FROM comparison"), 1);
    NV_CHECK_STR(q_text("SELECT office_files_before FROM comparison"), "plans/af-2019.csv");
    NV_CHECK_STR(q_text("SELECT office_files_after FROM comparison"), "plans/af-2020.csv");
    NV_CHECK_STR(q_text("SELECT illustrative_before || ',' || illustrative_after FROM comparison"), "1,0");
    NV_CHECK_INT(q_int("SELECT municipalities_losing_presence FROM comparison"), 1);
    NV_CHECK_INT(q_int("SELECT municipalities_unchanged FROM comparison"), 1);
    NV_CHECK_NEAR(q_double("SELECT people_moving_beyond_10km FROM comparison"), 1000.0, 1e-9);
    NV_CHECK_STR(q_text("SELECT radii_km FROM comparison"), "10,25");
    NV_CHECK_STR(q_text("SELECT boundaries FROM comparison"), "kommuner.gpkg");
    NV_CHECK_STR(q_text("SELECT manifest_digest FROM comparison"), "abc");
    NV_CHECK_INT(q_int("SELECT count(*) FROM pragma_table_info('comparison') WHERE name = 'crs'"), 0);
    NV_CHECK_INT(q_int("SELECT count(*) FROM sqlite_master WHERE name IN ('KNN', 'data_licenses')"), 0);
    NV_CHECK_STR(q_text("PRAGMA integrity_check"), "ok");
    NV_CHECK_INT(sqlite3_close(db), SQLITE_OK);
    spatialite_cleanup_ex(cache);
    db = NULL;
    cache = NULL;

    /* GDAL (QGIS) sees the two layers. */
    GDALAllRegister();
    const char *const drivers[] = {"SQLite", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    NV_CHECK(ds != NULL);
    if (ds) {
        OGRLayerH m = GDALDatasetGetLayerByName(ds, "municipalities");
        OGRLayerH o = GDALDatasetGetLayerByName(ds, "offices");
        NV_CHECK(m != NULL && o != NULL);
        if (m && o) {
            NV_CHECK_INT(OGR_L_GetGeomType(m), wkbMultiPolygon);
            NV_CHECK_INT(OGR_L_GetGeomType(o), wkbPoint);
            NV_CHECK_INT(OGR_L_GetFeatureCount(o, TRUE), 4);
        }
        GDALClose(ds);
    }
    unlink(path);
}

static void test_versions(void)
{
    NV_CHECK_STR(nv_store_sqlite_version(), sqlite3_libversion());
    NV_CHECK_STR(nv_store_spatialite_version(), spatialite_version());
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    make_fixtures();
    test_existing_path_is_left_alone();
    test_failures_remove_the_file();
    test_write_and_read_back();
    test_compare_failures();
    test_compare_write_and_read_back();
    test_versions();
    rmdir(dir);
    return nv_test_report("test_store");
}
