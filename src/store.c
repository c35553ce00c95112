/* store.c — narvaro.sqlite: the results of a run as a SpatiaLite database.
 *
 * The file is created exclusively (O_EXCL), so an existing database is never touched,
 * and everything after the spatial metadata goes into one transaction. Any failure
 * closes the connection and removes the file: a half-written database is worse than
 * none, because QGIS would open it without complaint.
 *
 * spatial_ref_sys holds only the SRID in use (InitSpatialMetadata(1, 'NONE') followed
 * by InsertEpsgSrid) instead of SpatiaLite's whole EPSG table: the file stays at a few
 * hundred kB instead of 6.6 MB, which matters for batch runs that write one database
 * per plan. GDAL and QGIS need no more than the SRID the geometry columns use.
 *
 * Limit: libspatialite prints a line on stderr when asked for an SRID it does not know
 * ("SRID=… isn't defined in the EPSG inlined dataset"); there is no quiet way to ask. */
#include "store.h"

#include "index.h"
#include "store_rtree.h"
#include "storerows.h"
#include "storevfs.h"
#include "textin.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <pthread.h>
#include <sqlite3.h>
#include <spatialite.h>

/* The office rows of one insert_offices call, and the fid of its first row. */
typedef struct office_rows {
    const nv_office_result *o;
    size_t n;
    sqlite3_int64 first_fid;
} office_rows;

/* The offices' spatial index being packed on a thread of its own (offices_begin to
 * offices_end): the rows it reads, and the tree it makes. */
typedef struct pack_job {
    office_rows rows[2];
    size_t n_rows;
    int node_size;
    nv_store_rtree *tree;
    pthread_t tid;
    int started;
} pack_job;

/* One database being written. status/err hold the first failure only: later steps are
 * skipped once it is set, and cleanup never overwrites it. */
typedef struct store {
    const char *path;
    sqlite3 *db;
    void *cache;      /* libspatialite's per-connection state */
    nv_error *err;
    nv_status status;
    int created;      /* the file is ours: create_exclusively made it */
    char cause[256];  /* system_cause's text */
    pack_job pack;    /* the offices' spatial index, packed (offices_begin to offices_end) */
} store;

/* What the operating system said when SQLite failed, in its words: SQLite's own "database
 * or disk is full" does not tell a full disk from a size limit, and "disk I/O error" says
 * nothing. errno_cause: the words for the errno e ("" for 0); system_cause: for the
 * connection's last failure ("" when SQLite saw no system error). */
static const char *errno_cause(store *s, int e)
{
    char *buf = s->cause;
    size_t size = sizeof s->cause;
    buf[0] = 0;
    if (e == ENOSPC)
        snprintf(buf, size, " (%s: free space on the disk that holds the output folder, or choose "
                 "another --out)", strerror(e));
    else if (e)
        snprintf(buf, size, " (%s)", strerror(e));
    return buf;
}

static const char *system_cause(store *s)
{
    int e = s->db ? sqlite3_system_errno(s->db) : 0;
    if (!e && s->db && (sqlite3_errcode(s->db) & 0xff) == SQLITE_FULL)
        e = ENOSPC;
    return errno_cause(s, e);
}

/* Records a failure with the SQLite error message of the connection appended. */
static nv_status fail_db(store *s, const char *what)
{
    if (s->status == NV_OK)
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "%s: %s%s", what,
                                 s->db ? sqlite3_errmsg(s->db) : "no connection", system_cause(s));
    return s->status;
}

static nv_status exec_sql(store *s, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "%s: %s%s", what,
                                 msg ? msg : sqlite3_errmsg(s->db), system_cause(s));
        sqlite3_free(msg);
    }
    return s->status;
}

/* Runs a one-row, one-column query, binding srid to ?1 when the query has a
 * parameter, and returns the integer it yields in *out. SpatiaLite's management
 * functions (InitSpatialMetadata, AddGeometryColumn, …) answer 1 for success. */
static nv_status query_int(store *s, const char *sql, int srid, int *out, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, what);
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int(st, 1, srid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        fail_db(s, what);
    if (sqlite3_finalize(st) != SQLITE_OK && rc == SQLITE_ROW)
        fail_db(s, what);
    return s->status;
}

/* Same, for functions that must return 1. */
static nv_status call_spatialite(store *s, const char *sql, int srid, const char *what)
{
    int ok = 0;
    if (query_int(s, sql, srid, &ok, what) != NV_OK)
        return s->status;
    if (ok != 1)
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                 "%s: SpatiaLite refused (returned %d)", what, ok);
    return s->status;
}

/* Makes sure spatial_ref_sys holds srid, taking its definition from SpatiaLite's own
 * copy of the EPSG dataset. */
static nv_status ensure_srid(store *s, int srid)
{
    int have = 0;
    if (srid <= 0)
        return s->status = nv_error_set(s->err, NV_ERR_INPUT, s->path, 0,
                                        "SRID %d is not an EPSG code (give the analysis CRS as "
                                        "EPSG:<code>, e.g. EPSG:3006)", srid);
    if (query_int(s, "SELECT count(*) FROM spatial_ref_sys WHERE srid = ?1", srid, &have,
                  "looking up the SRID") != NV_OK)
        return s->status;
    if (have)
        return NV_OK;
    if (query_int(s, "SELECT InsertEpsgSrid(?1)", srid, &have, "adding the SRID") != NV_OK)
        return s->status;
    if (have != 1)
        s->status = nv_error_set(s->err, NV_ERR_INPUT, s->path, 0,
                                 "SRID %d is not in SpatiaLite %s's EPSG table (use an EPSG "
                                 "CRS it knows for the analysis, e.g. EPSG:3006)",
                                 srid, spatialite_version());
    return s->status;
}

/* The columns of the offices table, the same in narvaro.sqlite and compare.sqlite (which
 * adds the plan each row comes from): insert_offices writes both. */
#define OFFICE_COLUMNS                                                                    \
    " fid INTEGER PRIMARY KEY, source TEXT, line INTEGER, office_id TEXT, name TEXT,"   \
    " type TEXT, kommunkod_stated TEXT, lat REAL, lon REAL, x REAL, y REAL, status TEXT," \
    " kommunkod TEXT, namn TEXT, snap_m REAL, note TEXT, town TEXT, placed_by TEXT,"     \
    " is_office INTEGER"

static const char schema_sql[] =
    "CREATE TABLE municipalities ("
    " fid INTEGER PRIMARY KEY,"
    " kommunkod TEXT NOT NULL,"
    " namn TEXT,"
    " lanskod TEXT,"
    " offices INTEGER,"
    " presence TEXT,"
    " nearest_office_km REAL,"
    " nearest_office_id TEXT,"
    " rep_x REAL,"
    " rep_y REAL,"
    " area_km2 REAL,"
    " locations INTEGER,"
    " nearest_presence_km REAL,"
    " nearest_presence_id TEXT);"
    "CREATE INDEX municipalities_kommunkod ON municipalities (kommunkod);"
    "CREATE TABLE offices (" OFFICE_COLUMNS ");"
    "CREATE TABLE counties ("
    " fid INTEGER PRIMARY KEY,"
    " lanskod TEXT NOT NULL,"
    " namn TEXT,"
    " municipalities INTEGER,"
    " offices INTEGER,"
    " municipalities_with_office INTEGER,"
    " municipalities_without_office INTEGER,"
    " staffed INTEGER,"
    " booked INTEGER,"
    " other INTEGER,"
    " none INTEGER,"
    " mean_nearest_office_km REAL,"
    " max_nearest_office_km REAL);"
    "CREATE TABLE runs ("
    " fid INTEGER PRIMARY KEY,"
    " narvaro_version TEXT,"
    " gdal_version TEXT,"
    " proj_version TEXT,"
    " sqlite_version TEXT,"
    " spatialite_version TEXT,"
    " boundaries TEXT,"
    " layer TEXT,"
    " office_files TEXT," /* one path per line, in the order given */
    " analysis_crs TEXT,"       /* not "crs": GeoPandas reserves that name */
    " srid INTEGER,"
    " snap_km REAL,"
    " municipalities INTEGER,"
    " counties INTEGER,"
    " offices_read INTEGER,"
    " offices INTEGER,"
    " offices_snapped INTEGER,"
    " offices_rejected INTEGER,"
    " kommunkod_disagreements INTEGER,"
    " geometries_repaired INTEGER,"
    " municipalities_with_office INTEGER,"
    " municipalities_without_office INTEGER,"
    " presence_staffed INTEGER,"
    " presence_booked INTEGER,"
    " presence_other INTEGER,"
    " presence_none INTEGER,"
    " mean_nearest_office_km REAL,"
    " max_nearest_office_km REAL,"
    " max_nearest_kommunkod TEXT,"
    " illustrative INTEGER,"
    " radii_km TEXT,"            /* e.g. "10,25,50" */
    " population_source TEXT,"
    " population_municipal INTEGER,"
    " population_points INTEGER,"
    " population_points_outside INTEGER,"
    " population REAL,"
    " population_outside REAL,"
    " mean_distance_km REAL,"
    " max_distance_km REAL,"
    " manifest_digest TEXT,"    /* SHA-256 over inputs, options and versions */
    " manifest TEXT,"           /* the manifest as JSON: every input file with its SHA-256 */
    " locations INTEGER,"
    " municipalities_with_presence INTEGER,"
    " municipalities_without_presence INTEGER,"
    " presence_order TEXT,"     /* the run's tiers, best first, comma-separated */
    " office_types TEXT);";

/* The tables of tables_sql, then the geometry columns and spatial indexes of the two
 * layers every narvaro database has: municipalities and offices. */
static nv_status create_schema(store *s, int srid, const char *tables_sql)
{
    if (exec_sql(s, tables_sql, "creating the tables") != NV_OK)
        return s->status;
    /* The municipality geometry is NOT NULL: a row without its polygon is a bug upstream,
     * and the constraint turns a WKB that SpatiaLite cannot read into an error. */
    call_spatialite(s, "SELECT AddGeometryColumn('municipalities', 'geom', ?1, 'MULTIPOLYGON', 'XY', 1)",
                    srid, "adding the geometry column municipalities.geom");
    /* The offices' geometry column is a plain column here, registered by offices_begin
     * (RecoverGeometryColumn on the empty table) as AddGeometryColumn would, and filled
     * while the connection runs no triggers. */
    if (s->status == NV_OK)
        exec_sql(s, "ALTER TABLE offices ADD COLUMN geom POINT", "adding the column offices.geom");
    return s->status;
}

/* The offices' spatial index packed from the results (n_rows lists of them, at most 2),
 * whose fids are given, not counted by SQLite: packing touches no database
 * (store_rtree.h), so it runs on a thread of its own while the rows go in. It reads the
 * points from the results (office_point), making no copy of them: its sort adds 16 bytes
 * a point, its tree about 28. (Packing copies of the points, 48 bytes a point while
 * sorted, beside SQLite's filling cache had set the run's peak at 504 MiB for 2 million
 * rows, and was then done before the rows instead; now the peak is 467 MiB.) The tree
 * is NULL when out of memory. */
static void office_point(void *src, size_t i, nv_store_rtree_point *p)
{
    const pack_job *j = src;
    const office_rows *r = &j->rows[0];
    if (i >= r->n && j->n_rows > 1)
        i -= r->n, r = &j->rows[1];
    *p = (nv_store_rtree_point){r->o[i].x, r->o[i].y, r->first_fid + (sqlite3_int64)i};
}

static void *pack_main(void *arg)
{
    pack_job *j = arg;
    size_t n = 0;
    for (size_t r = 0; r < j->n_rows; r++)
        n += j->rows[r].n;
    j->tree = nv_store_rtree_pack_from(n, office_point, j, j->node_size);
    return NULL;
}

/* The spatial indexes of both layers, and the offices' geometry column registered, just
 * before the office rows go in: the municipalities are in, the offices table is empty.
 * Filling an R*Tree through SQLite costs about 12 us a point (and CreateSpatialIndex on a
 * filled table is no faster: it inserts row by row too), so the offices' index is made
 * empty here, packed (pack_main, on its own thread) while the rows go in, and filled in
 * one pass by offices_end. While the rows go in, the connection runs no triggers:
 * SpatiaLite's (type checks, the index, the geometry_columns_time stamps) run a
 * statement or more per row, which for a plan of millions of rows cost more than the
 * rows themselves; offices_end turns them back on.
 * The rows need no check: insert_offices makes every point itself, of the right SRID. */
static nv_status offices_begin(store *s, int srid, const office_rows *rows, size_t n_rows)
{
    int off = 0, rc, node_size = 0;
    if (s->status == NV_OK)
        call_spatialite(s, "SELECT RecoverGeometryColumn('offices', 'geom', ?1, 'POINT', 'XY')", srid,
                        "registering the geometry column offices.geom");
    if (s->status == NV_OK)
        call_spatialite(s, "SELECT CreateSpatialIndex('municipalities', 'geom')", 0,
                        "creating the spatial index on municipalities.geom");
    if (s->status == NV_OK)
        call_spatialite(s, "SELECT CreateSpatialIndex('offices', 'geom')", 0,
                        "creating the spatial index on offices.geom");
    if (s->status == NV_OK && sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off) != SQLITE_OK)
        fail_db(s, "pausing the triggers for the office rows");
    if (s->status != NV_OK)
        return s->status;
    if ((rc = nv_store_rtree_node_size(s->db, "idx_offices_geom", &node_size)) != SQLITE_OK)
        return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                        "building the spatial index on offices.geom: %s%s",
                                        rc == SQLITE_CORRUPT ? "the index is not the empty 2-dimensional R*Tree "
                                                               "that CreateSpatialIndex makes"
                                                             : sqlite3_errmsg(s->db),
                                        system_cause(s));
    pack_job *j = &s->pack;
    *j = (pack_job){.n_rows = n_rows < 2 ? n_rows : 2, .node_size = node_size};
    memcpy(j->rows, rows, j->n_rows * sizeof *rows);
    if (pthread_create(&j->tid, NULL, pack_main, j) == 0)
        j->started = 1;
    else
        pack_main(j);
    return s->status;
}

/* The packed tree, once its thread is done: NULL when out of memory or never begun. */
static nv_store_rtree *pack_finish(store *s)
{
    pack_job *j = &s->pack;
    if (j->started)
        pthread_join(j->tid, NULL);
    j->started = 0;
    nv_store_rtree *t = j->tree;
    j->tree = NULL;
    return t;
}

/* After the office rows: the triggers back on, the offices' spatial index written from
 * the packed tree, and index_sql (the table's other indexes: one B-tree built from
 * sorted keys instead of one moved at every insert; NULL: none). */
static nv_status offices_end(store *s, const char *index_sql)
{
    int on = 0;
    if (s->db && sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, &on) != SQLITE_OK)
        fail_db(s, "turning the triggers back on");
    nv_store_rtree *tree = pack_finish(s);
    if (s->status == NV_OK && !tree)
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                 "out of memory while building the spatial index on offices.geom");
    int rc = s->status == NV_OK ? nv_store_rtree_write(s->db, "idx_offices_geom", tree) : SQLITE_OK;
    if (rc != SQLITE_OK)
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "building the spatial index on offices.geom: %s%s",
                                 rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(s->db), system_cause(s));
    nv_store_rtree_free(tree);
    if (s->status == NV_OK && index_sql)
        exec_sql(s, index_sql, "indexing the offices");
    return s->status;
}

/* NULL strings and non-finite numbers become SQL NULL. The strings are bound as
 * SQLITE_STATIC: they outlive the statement step that reads them. */
/* A string stored as it is, its length and its pointer: the next row's type, code,
 * municipality name and source are the same pointers (the plan's pool holds each once),
 * and are then stored without being measured and checked again. */
typedef struct bound_text {
    const char *v;
    int n;
} bound_text;

/* How v (not NULL) is stored: its length when it is valid UTF-8 (remembered in *last, and
 * taken from it when v is last's pointer), else -1 and *fixed its repair, which the caller
 * hands to SQLite to free (NULL when none was made; *oom when out of memory). Nothing
 * narvaro writes is invalid UTF-8: a file name in another encoding is repaired, its stray
 * bytes read as Windows-1252. */
static int checked_text(const char *v, bound_text *last, char **fixed, int *oom)
{
    *fixed = NULL;
    *oom = 0;
    if (v == last->v)
        return last->n;
    size_t n = strlen(v);
    if (n < (size_t)INT_MAX && nv_text_utf8_invalid_at((const unsigned char *)v, n) == n) {
        *last = (bound_text){v, (int)n};
        return (int)n;
    }
    *fixed = nv_text_utf8_repair(v, oom);
    return -1;
}

static int bind_text(sqlite3_stmt *st, int i, const char *v)
{
    bound_text once = {NULL, 0};
    char *fixed;
    int oom, n = v ? checked_text(v, &once, &fixed, &oom) : 0;
    if (!v)
        return sqlite3_bind_null(st, i);
    if (n >= 0)
        return sqlite3_bind_text(st, i, v, n, SQLITE_STATIC);
    if (oom)
        return SQLITE_NOMEM;
    return fixed ? sqlite3_bind_text(st, i, fixed, -1, free) : sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int bind_real(sqlite3_stmt *st, int i, double v)
{
    return isfinite(v) ? sqlite3_bind_double(st, i, v) : sqlite3_bind_null(st, i);
}

/* Steps an INSERT whose parameters are bound and readies it for the next row. */
static int step_insert(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Finalizes st; a failing finalize counts as a failure of what only if nothing failed
 * before (an earlier step error is repeated by finalize and already reported). */
static void finalize(store *s, sqlite3_stmt *st, const char *what)
{
    if (sqlite3_finalize(st) != SQLITE_OK && s->status == NV_OK)
        fail_db(s, what);
}

static nv_status insert_municipalities(store *s, int srid, const nv_muni_result *m, size_t n)
{
    static const char sql[] =
        "INSERT INTO municipalities (kommunkod, namn, lanskod, offices, presence,"
        " nearest_office_km, nearest_office_id, rep_x, rep_y, area_km2, geom, locations,"
        " nearest_presence_km, nearest_presence_id)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
        " CastToMultiPolygon(CastToXY(GeomFromWKB(?11, ?12))), ?13, ?14, ?15)";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, "preparing the municipality insert");
    for (size_t i = 0; i < n && s->status == NV_OK; i++) {
        const nv_muni_result *r = &m[i];
        const char *code = r->kommunkod ? r->kommunkod : "(no code)";
        if (!r->wkb || r->wkb_size == 0 || r->wkb_size > (size_t)INT_MAX) {
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                     "municipality %s has no geometry to store", code);
            break;
        }
        int rc = bind_text(st, 1, r->kommunkod);
        rc |= bind_text(st, 2, r->namn);
        rc |= bind_text(st, 3, r->lanskod);
        rc |= sqlite3_bind_int(st, 4, r->offices);
        rc |= bind_text(st, 5, r->presence);
        rc |= bind_real(st, 6, r->nearest_office_km);
        rc |= bind_text(st, 7, r->nearest_office_id);
        rc |= bind_real(st, 8, r->rep_x);
        rc |= bind_real(st, 9, r->rep_y);
        rc |= bind_real(st, 10, r->area_km2);
        rc |= sqlite3_bind_blob(st, 11, r->wkb, (int)r->wkb_size, SQLITE_STATIC);
        rc |= sqlite3_bind_int(st, 12, srid);
        rc |= sqlite3_bind_int(st, 13, r->locations);
        rc |= bind_real(st, 14, r->nearest_presence_km);
        rc |= bind_text(st, 15, r->nearest_presence_id);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK) {
            int null_geom = strstr(sqlite3_errmsg(s->db), "municipalities.geom") != NULL;
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                     "storing municipality %s: %s%s", code, sqlite3_errmsg(s->db),
                                     null_geom ? " (SpatiaLite could not read its WKB as a "
                                                 "polygon or multipolygon)" : system_cause(s));
        }
    }
    finalize(s, st, "finishing the municipality insert");
    return s->status;
}

/* SpatiaLite's BLOB of a POINT, as MakePoint(x, y, srid) makes it (gaiaToSpatiaLiteBlobWkb):
 * START, little-endian, the SRID, the MBR, MBR_END, class 1 (POINT), x, y, END. Built here
 * rather than by calling MakePoint in the INSERT: a function call per row, for millions of
 * rows, was a tenth of the insert (test_store_rtree checks the bytes against MakePoint). */
enum { POINT_BLOB = 60 };

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static void put_le64(unsigned char *p, double d)
{
    uint64_t v;
    memcpy(&v, &d, sizeof v);
    for (int i = 0; i < 8; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static void point_blob(unsigned char *b, double x, double y, int srid)
{
    b[0] = 0x00;
    b[1] = 0x01;
    put_le32(b + 2, (uint32_t)srid);
    put_le64(b + 6, x);
    put_le64(b + 14, y);
    put_le64(b + 22, x);
    put_le64(b + 30, y);
    b[38] = 0x7C;
    put_le32(b + 39, 1);
    put_le64(b + 43, x);
    put_le64(b + 51, y);
    b[59] = 0xFE;
}

/* The office rows as nv_rows (storerows.h) gives them: the columns of
 * OFFICE_INSERT_COLUMNS, in that order. A row's strings are the plan's, and the next
 * row's type, code, municipality name and source are the same pointers: those are given
 * without being measured and checked again. */
typedef struct office_source {
    const office_rows *rows;
    int srid;
    bound_text last[20];
    unsigned char point[POINT_BLOB]; /* the row's geometry: SQLite copies it into the record
                                      * before it asks for the next row's */
    int next_fid; /* every row after the first gets the table's next fid (insert_offices) */
} office_source;

static void result_text(sqlite3_context *ctx, const char *v, bound_text *last)
{
    char *fixed;
    int oom, n = v ? checked_text(v, last, &fixed, &oom) : 0;
    if (!v)
        sqlite3_result_null(ctx);
    else if (n >= 0)
        sqlite3_result_text(ctx, v, n, SQLITE_STATIC);
    else if (oom)
        sqlite3_result_error_nomem(ctx);
    else if (fixed)
        sqlite3_result_text(ctx, fixed, -1, free);
    else
        sqlite3_result_text(ctx, v, -1, SQLITE_STATIC);
}

static void result_real(sqlite3_context *ctx, double v)
{
    if (isfinite(v))
        sqlite3_result_double(ctx, v);
    else
        sqlite3_result_null(ctx);
}

#define OFFICE_INSERT_COLUMNS "source, line, office_id, name, type, kommunkod_stated, lat, lon, x, y, status," \
                       " kommunkod, namn, snap_m, note, geom, town, placed_by, is_office, fid"

static void office_column(sqlite3_context *ctx, void *src, size_t row, int col)
{
    office_source *os = src;
    const nv_office_result *r = &os->rows->o[row];
    bound_text *last = &os->last[col];
    switch (col) {
    case 0: result_text(ctx, r->source, last); break;
    case 1: sqlite3_result_int64(ctx, r->line); break;
    case 2: result_text(ctx, r->office_id, last); break;
    case 3: result_text(ctx, r->name, last); break;
    case 4: result_text(ctx, r->type, last); break;
    /* "" and NULL both mean "the plan states no code"; NULL is the honest SQL for it. */
    case 5: result_text(ctx, r->kommunkod_stated && *r->kommunkod_stated ? r->kommunkod_stated : NULL, last); break;
    case 6: result_real(ctx, r->lat_deg); break;
    case 7: result_real(ctx, r->lon_deg); break;
    case 8: result_real(ctx, r->x); break;
    case 9: result_real(ctx, r->y); break;
    case 10: result_text(ctx, nv_office_status_word(r->status), last); break;
    case 11: result_text(ctx, nv_office_kommunkod(r), last); break;
    case 12: result_text(ctx, nv_office_namn(r), last); break;
    case 13: result_real(ctx, r->snap_m); break;
    case 14: result_text(ctx, r->note, last); break;
    case 15:
        /* Rows without coordinates (rejected ones) keep a NULL geometry: every input row
         * is in the table, and a layer may hold features without geometry. */
        if (isfinite(r->x) && isfinite(r->y)) {
            point_blob(os->point, r->x, r->y, os->srid);
            sqlite3_result_blob(ctx, os->point, POINT_BLOB, SQLITE_STATIC);
        } else {
            sqlite3_result_null(ctx);
        }
        break;
    case 16: result_text(ctx, r->town && *r->town ? r->town : NULL, last); break;
    case 17: result_text(ctx, nv_placed_by_word(r->placed_by), last); break;
    case 18: sqlite3_result_int(ctx, r->is_office); break;
    default:
        if (row > 0 && os->next_fid)
            sqlite3_result_null(ctx);
        else
            sqlite3_result_int64(ctx, os->rows->first_fid + (sqlite3_int64)row);
        break;
    }
}

/* The rows as office_rows lists them, in one statement: row i gets fid first_fid + i.
 * When no row of the table has a fid from first_fid on, only the first row's is given:
 * SQLite gives a row without one the table's largest rowid + 1
 * (https://sqlite.org/autoinc.html), the same fids, without the seek that checks an
 * explicit rowid at every row (0.5 s of 2.7 for 2 million rows). */
static nv_status insert_offices(store *s, int srid, const office_rows *rows)
{
    static const char sql[] = "INSERT INTO offices (" OFFICE_INSERT_COLUMNS ") SELECT c0, c1, c2, c3, c4, c5, c6, c7,"
                              " c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19 FROM nv_rows";
    office_source os = {.rows = rows, .srid = srid};
    size_t at;
    int max_fid = 0;
    if (s->status != NV_OK || rows->n == 0)
        return s->status;
    if (query_int(s, "SELECT coalesce(max(fid), 0) FROM offices", 0, &max_fid, "reading the offices' last fid") != NV_OK)
        return s->status;
    os.next_fid = max_fid < rows->first_fid;
    if (nv_store_rows_run(s->db, sql, rows->n, office_column, &os, &at) != SQLITE_OK) {
        const nv_office_result *r = at < rows->n ? &rows->o[at] : NULL;
        if (r)
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "storing office row %s:%ld: %s%s",
                                     r->source ? r->source : "?", (long)r->line, sqlite3_errmsg(s->db), system_cause(s));
        else
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "storing the office rows: %s%s",
                                     sqlite3_errmsg(s->db), system_cause(s));
    }
    return s->status;
}

static nv_status insert_counties(store *s, const nv_county_result *c, size_t n)
{
    static const char sql[] =
        "INSERT INTO counties (lanskod, namn, municipalities, offices, municipalities_with_office,"
        " municipalities_without_office, staffed, booked, other, none, mean_nearest_office_km,"
        " max_nearest_office_km) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, "preparing the county insert");
    for (size_t i = 0; i < n && s->status == NV_OK; i++) {
        const nv_county_result *r = &c[i];
        int rc = bind_text(st, 1, r->lanskod);
        rc |= bind_text(st, 2, r->namn);
        rc |= sqlite3_bind_int(st, 3, r->municipalities);
        rc |= sqlite3_bind_int(st, 4, r->offices);
        rc |= sqlite3_bind_int(st, 5, r->with_office);
        rc |= sqlite3_bind_int(st, 6, r->without_office);
        rc |= sqlite3_bind_int(st, 7, r->staffed);
        rc |= sqlite3_bind_int(st, 8, r->booked);
        rc |= sqlite3_bind_int(st, 9, r->other);
        rc |= sqlite3_bind_int(st, 10, r->none);
        rc |= bind_real(st, 11, r->mean_nearest_office_km);
        rc |= bind_real(st, 12, r->max_nearest_office_km);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK)
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "storing county %s: %s%s",
                                     r->lanskod ? r->lanskod : "(no code)", sqlite3_errmsg(s->db),
                                     system_cause(s));
    }
    finalize(s, st, "finishing the county insert");
    return s->status;
}

/* The plan files, one per line; NULL for none. Caller frees. */
static char *join_lines(const char *const *items, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(items[i] ? items[i] : "") + 1;
    char *out = malloc(len), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *item = items[i] ? items[i] : "";
        size_t k = strlen(item);
        if (i > 0)
            *p++ = '\n';
        memcpy(p, item, k);
        p += k;
    }
    *p = '\0';
    return out;
}

static nv_status insert_run(store *s, int srid, const nv_run_summary *r)
{
    static const char sql[] =
        "INSERT INTO runs (narvaro_version, gdal_version, proj_version, sqlite_version,"
        " spatialite_version, boundaries, layer, office_files, analysis_crs, srid, snap_km,"
        " municipalities, counties, offices_read, offices, offices_snapped, offices_rejected,"
        " kommunkod_disagreements, geometries_repaired, municipalities_with_office,"
        " municipalities_without_office, presence_staffed, presence_booked, presence_other,"
        " presence_none, mean_nearest_office_km, max_nearest_office_km, max_nearest_kommunkod,"
        " illustrative, radii_km, population_source, population_municipal, population_points,"
        " population_points_outside, population, population_outside, mean_distance_km,"
        " max_distance_km, manifest_digest, manifest, locations, municipalities_with_presence,"
        " municipalities_without_presence, presence_order, office_types) VALUES (?1, ?2, ?3, ?4, ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25,"
        " ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44,"
        " ?45)";
    char *files = NULL;
    if (r->n_office_files > 0) {
        files = join_lines(r->office_files, r->n_office_files);
        if (!files)
            return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "out of memory");
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        free(files);
        return fail_db(s, "preparing the run insert");
    }
    int rc = bind_text(st, 1, r->version);
    rc |= bind_text(st, 2, r->gdal_version);
    rc |= bind_text(st, 3, r->proj_version);
    rc |= bind_text(st, 4, r->sqlite_version ? r->sqlite_version : sqlite3_libversion());
    rc |= bind_text(st, 5, spatialite_version());
    rc |= bind_text(st, 6, r->boundaries);
    rc |= bind_text(st, 7, r->layer);
    rc |= bind_text(st, 8, files);
    rc |= bind_text(st, 9, r->crs);
    rc |= sqlite3_bind_int(st, 10, srid);
    rc |= bind_real(st, 11, r->snap_km);
    rc |= sqlite3_bind_int(st, 12, r->municipalities);
    rc |= sqlite3_bind_int(st, 13, r->counties);
    rc |= sqlite3_bind_int(st, 14, r->offices_read);
    rc |= sqlite3_bind_int(st, 15, r->offices);
    rc |= sqlite3_bind_int(st, 16, r->offices_snapped);
    rc |= sqlite3_bind_int(st, 17, r->offices_rejected);
    rc |= sqlite3_bind_int(st, 18, r->kommunkod_disagreements);
    rc |= sqlite3_bind_int(st, 19, r->geometries_repaired);
    rc |= sqlite3_bind_int(st, 20, r->with_office);
    rc |= sqlite3_bind_int(st, 21, r->without_office);
    rc |= sqlite3_bind_int(st, 22, r->presence_staffed);
    rc |= sqlite3_bind_int(st, 23, r->presence_booked);
    rc |= sqlite3_bind_int(st, 24, r->presence_other);
    rc |= sqlite3_bind_int(st, 25, r->presence_none);
    rc |= bind_real(st, 26, r->mean_nearest_office_km);
    rc |= bind_real(st, 27, r->max_nearest_office_km);
    rc |= bind_text(st, 28, r->max_nearest_kommunkod);
    rc |= sqlite3_bind_int(st, 29, r->illustrative ? 1 : 0);
    char radii[256] = "";
    for (size_t i = 0; i < r->radii.n; i++) {
        size_t used = strlen(radii);
        snprintf(radii + used, sizeof radii - used, "%s%g", i ? "," : "", r->radii.km[i]);
    }
    rc |= bind_text(st, 30, radii);
    rc |= bind_text(st, 31, r->population_source);
    rc |= sqlite3_bind_int(st, 32, r->population_municipal ? 1 : 0);
    rc |= sqlite3_bind_int64(st, 33, r->population_points);
    rc |= sqlite3_bind_int64(st, 34, r->population_points_outside);
    rc |= bind_real(st, 35, r->pop.population);
    rc |= bind_real(st, 36, r->population_outside);
    rc |= bind_real(st, 37, r->pop.mean_distance_km);
    rc |= bind_real(st, 38, r->pop.max_distance_km);
    rc |= bind_text(st, 39, r->manifest_digest);
    rc |= bind_text(st, 40, r->manifest_json);
    rc |= sqlite3_bind_int(st, 41, r->locations);
    rc |= sqlite3_bind_int(st, 42, r->with_presence);
    rc |= sqlite3_bind_int(st, 43, r->without_presence);
    char order[1024] = "";
    for (size_t i = 0; i < r->n_tiers; i++) {
        size_t used = strlen(order);
        snprintf(order + used, sizeof order - used, "%s%s", i ? "," : "", r->tier_words[i]);
    }
    rc |= bind_text(st, 44, order);
    rc |= bind_text(st, 45, r->office_types);
    if (rc == SQLITE_OK)
        rc = step_insert(st);
    if (rc != SQLITE_OK)
        fail_db(s, "storing the run");
    finalize(s, st, "finishing the run insert");
    free(files);
    return s->status;
}

/* Adds the population columns to a table (their names depend on the radii) and fills
 * them row by row, matching key. */
static nv_status add_population(store *s, const char *table, const char *key, const char *const *keys,
                                const nv_population_result *const *pops, size_t n, const nv_radii *radii)
{
    char sql[2048], col[96];
    size_t nr = radii ? radii->n : 0;
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN population REAL", table);
    if (exec_sql(s, sql, "adding the population columns") != NV_OK)
        return s->status;
    char set[1536] = "population = ?1";
    for (size_t r = 0; r < nr; r++) {
        snprintf(col, sizeof col, "population_within_%gkm", radii->km[r]);
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN \"%s\" REAL", table, col);
        if (exec_sql(s, sql, "adding the population columns") != NV_OK)
            return s->status;
        size_t used = strlen(set);
        snprintf(set + used, sizeof set - used, ", \"%s\" = ?%zu", col, r + 2);
    }
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN mean_distance_km REAL", table);
    if (exec_sql(s, sql, "adding the population columns") != NV_OK)
        return s->status;
    snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN max_distance_km REAL", table);
    if (exec_sql(s, sql, "adding the population columns") != NV_OK)
        return s->status;
    snprintf(sql, sizeof sql, "UPDATE %s SET %s, mean_distance_km = ?%zu, max_distance_km = ?%zu WHERE %s = ?%zu",
             table, set, nr + 2, nr + 3, key, nr + 4);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, "preparing the population update");
    for (size_t i = 0; i < n && s->status == NV_OK; i++) {
        const nv_population_result *p = pops[i];
        int rc = bind_real(st, 1, p->population);
        for (size_t r = 0; r < nr; r++)
            rc |= bind_real(st, (int)r + 2, p->within[r]);
        rc |= bind_real(st, (int)nr + 2, p->mean_distance_km);
        rc |= bind_real(st, (int)nr + 3, p->max_distance_km);
        rc |= bind_text(st, (int)nr + 4, keys[i]);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK)
            fail_db(s, "storing the population figures");
    }
    finalize(s, st, "finishing the population update");
    return s->status;
}

static nv_status store_population(store *s, const nv_muni_result *m, size_t n_m, const nv_county_result *c,
                                  size_t n_c, const nv_radii *radii)
{
    size_t n = n_m > n_c ? n_m : n_c;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    const nv_population_result **pops = malloc((n ? n : 1) * sizeof *pops);
    if (!keys || !pops) {
        free(keys);
        free(pops);
        return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "out of memory");
    }
    for (size_t i = 0; i < n_m; i++)
        keys[i] = m[i].kommunkod, pops[i] = &m[i].pop;
    if (add_population(s, "municipalities", "kommunkod", keys, pops, n_m, radii) == NV_OK) {
        for (size_t i = 0; i < n_c; i++)
            keys[i] = c[i].lanskod, pops[i] = &c[i].pop;
        add_population(s, "counties", "lanskod", keys, pops, n_c, radii);
    }
    free(keys);
    free(pops);
    return s->status;
}

/* Creates path, failing if it exists. O_EXCL makes the check and the creation one step,
 * so a file that appears in between is not overwritten either. SQLite treats the empty
 * file as a new database. */
static nv_status create_exclusively(store *s)
{
    int fd = open(s->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (errno == EEXIST)
            return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                            "already exists; narvaro does not overwrite a database "
                                            "(remove it or choose another output folder)");
        return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                        "cannot create the database: %s", strerror(errno));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(s->path);
        return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                        "cannot create the database: %s", strerror(e));
    }
    s->created = 1;
    return NV_OK;
}

/* Creates the file, connects SpatiaLite, writes its metadata and the SRID, and starts
 * the transaction that store_end commits. */
static nv_status store_begin(store *st, int srid)
{
    if (!st->path || !*st->path)
        return st->status = nv_error_set(st->err, NV_ERR_FAIL, NULL, 0, "no path given for the database");
    if (create_exclusively(st) != NV_OK)
        return st->status;
    spatialite_initialize();
    st->cache = spatialite_alloc_connection();
    if (!st->cache)
        return st->status = nv_error_set(st->err, NV_ERR_FAIL, st->path, 0,
                                         "cannot allocate a SpatiaLite connection (out of memory?)");
    /* One thread uses the connection from open to close: no SQLite mutex per call (with
     * millions of rows, a few per cent of the run). */
    /* Its pages are written by a thread of their own (storevfs.h). */
    if (nv_store_vfs_register() != SQLITE_OK)
        return st->status = nv_error_set(st->err, NV_ERR_FAIL, st->path, 0, "cannot set up SQLite's file access");
    if (sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NV_STORE_VFS) != SQLITE_OK)
        return fail_db(st, "cannot open the database");
    spatialite_init_ex(st->db, st->cache, 0);
    spatialite_set_silent_mode(st->cache);
    /* The file is new and nobody reads it before it is finished: narvaro writes it into a
     * working folder that is swapped into place only when complete, and a crash leaves
     * only that folder behind. So no rollback journal and no fsync per transaction:
     * durability comes from the swap, and this saves most of the database's cost. */
    /* A page cache of up to 16 MB (allocated as used): a large plan's transaction spills
     * pages to the file, which the kernel keeps cached. 64 MB was no faster than 32 for 2
     * million rows (bench/bigplan.sh); 16 leaves room under the run's peak for the
     * offices' R*Tree packed beside their rows (offices_begin). */
    if (exec_sql(st, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA secure_delete = ON;"
                 " PRAGMA cache_size = -16384", "setting up the database") != NV_OK)
        return st->status;

    /* The metadata goes into our one transaction too (InitSpatialMetadata(0, …) opens
     * none of its own). Besides saving a commit, this keeps libspatialite quiet when the
     * disk is full: it prints its own failures on stderr, but nothing reaches the file
     * before our COMMIT (or a cache spill during our inserts), whose failure is ours to
     * report. */
    if (exec_sql(st, "BEGIN", "starting the transaction") != NV_OK)
        return st->status;
    if (call_spatialite(st, "SELECT InitSpatialMetadata(0, 'NONE')", 0,
                        "creating the SpatiaLite metadata") != NV_OK)
        return st->status;
    /* InitSpatialMetadata also makes two tables that are no metadata: KNN (a virtual table
     * for nearest-neighbour queries) and data_licenses (licences for raster coverages, of
     * which there are none here). QGIS lists both as layers beside narvaro's own; nothing
     * refers to them, so they go. The other SpatiaLite tables are metadata that GDAL and
     * QGIS recognise and do not list. */
    if (exec_sql(st, "DROP TABLE IF EXISTS KNN; DROP TABLE IF EXISTS data_licenses",
                 "removing SpatiaLite's KNN and data_licenses tables") != NV_OK)
        return st->status;
    return ensure_srid(st, srid);
}

/* SpatiaLite stamps the wall-clock time into spatialite_history (each metadata step) and
 * geometry_columns_time (each insert, by trigger). narvaro promises identical files for
 * identical inputs, so these become one fixed time, the epoch, as the very last writes;
 * secure_delete (set in store_begin) zeroes the bytes they replace, so no old time stays
 * behind in the pages' free space either. */
static const char fixed_times_sql[] =
    "UPDATE spatialite_history SET timestamp = '1970-01-01T00:00:00.000Z';"
    "UPDATE geometry_columns_time SET last_insert = '1970-01-01T00:00:00.000Z',"
    " last_update = '1970-01-01T00:00:00.000Z', last_delete = '1970-01-01T00:00:00.000Z'";

/* Commits if nothing failed, closes, and removes the file if anything did. Returns the
 * first failure. */
static nv_status store_end(store *st)
{
    nv_store_rtree_free(pack_finish(st)); /* a failure between offices_begin and offices_end */
    if (st->status == NV_OK && st->db)
        exec_sql(st, fixed_times_sql, "fixing SpatiaLite's timestamps");
    if (st->status == NV_OK && st->db)
        exec_sql(st, "COMMIT", "committing");
    /* The commit's pages may still be on their way to the file. */
    int rc, e;
    if (st->status == NV_OK && st->db && (rc = nv_store_vfs_flush(st->db, &e)) != SQLITE_OK)
        st->status = nv_error_set(st->err, NV_ERR_FAIL, st->path, 0, "committing: %s%s", sqlite3_errstr(rc),
                                  errno_cause(st, e));
    if (st->db) {
        /* A failed close leaves the handle open: report it, then let close_v2 release
         * it whenever it can. An uncommitted transaction is rolled back here. */
        if (sqlite3_close(st->db) != SQLITE_OK) {
            fail_db(st, "closing the database");
            sqlite3_close_v2(st->db);
        }
        st->db = NULL;
    }
    if (st->cache)
        spatialite_cleanup_ex(st->cache);
    st->cache = NULL;
    /* A file that create_exclusively did not create is never ours to remove. */
    if (st->status != NV_OK && st->created)
        unlink(st->path);
    return st->status;
}

/* The joined attribute columns: REAL for numbers, TEXT else, NULL where a table has no
 * value. Identifiers are quoted: a column may be called anything. */
static nv_status insert_attributes(store *s, const nv_attributes *a, const nv_muni_result *m, size_t n_m,
                                   const nv_county_result *c, size_t n_c)
{
    for (int level = 0; level < 2 && s->status == NV_OK; level++) {
        const char *table = level ? "counties" : "municipalities", *key = level ? "lanskod" : "kommunkod";
        size_t n = level ? n_c : n_m;
        for (size_t col = 0; col < nv_attributes_count(a, level) && s->status == NV_OK; col++) {
            const char *name = nv_attributes_name(a, level, col);
            int numeric = nv_attributes_numeric(a, level, col);
            char *q = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN \"%w\" %s", table, name, numeric ? "REAL" : "TEXT");
            char *u = sqlite3_mprintf("UPDATE %s SET \"%w\" = ?1 WHERE %s = ?2", table, name, key);
            sqlite3_stmt *st = NULL;
            if (!q || !u) {
                s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "out of memory");
            } else if (exec_sql(s, q, "adding an attribute column") == NV_OK &&
                       sqlite3_prepare_v2(s->db, u, -1, &st, NULL) != SQLITE_OK) {
                fail_db(s, "preparing the attribute update");
            }
            for (size_t i = 0; st && i < n && s->status == NV_OK; i++) {
                const char *code = level ? c[i].lanskod : m[i].kommunkod;
                const char *v = level ? nv_attributes_county_value(a, code, col) : nv_attributes_muni_value(a, i, col);
                double d;
                int rc;
                if (!v[0])
                    rc = sqlite3_bind_null(st, 1);
                else if (numeric && nv_text_parse_number(v, strlen(v), &d))
                    rc = sqlite3_bind_double(st, 1, d);
                else
                    rc = sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
                rc |= sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
                if (rc == SQLITE_OK)
                    rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
                sqlite3_reset(st);
                if (rc != SQLITE_OK)
                    fail_db(s, "storing an attribute");
            }
            if (st)
                finalize(s, st, "finishing the attribute update");
            sqlite3_free(q);
            sqlite3_free(u);
        }
    }
    return s->status;
}

nv_status nv_store_write(const char *path, int srid,
                         const nv_muni_result *m, size_t n_m,
                         const nv_office_result *o, size_t n_o,
                         const nv_county_result *c, size_t n_c,
                         const nv_run_summary *s, nv_error *err)
{
    return nv_store_write_attributes(path, srid, m, n_m, o, n_o, c, n_c, s, NULL, err);
}

nv_status nv_store_write_attributes(const char *path, int srid,
                                    const nv_muni_result *m, size_t n_m,
                                    const nv_office_result *o, size_t n_o,
                                    const nv_county_result *c, size_t n_c,
                                    const nv_run_summary *s, const nv_attributes *attrs, nv_error *err)
{
    store st = {.path = path, .err = err, .status = NV_OK};
    if (store_begin(&st, srid) == NV_OK && create_schema(&st, srid, schema_sql) == NV_OK &&
        insert_municipalities(&st, srid, m, n_m) == NV_OK &&
        offices_begin(&st, srid, &(office_rows){o, n_o, 1}, 1) == NV_OK) {
        insert_offices(&st, srid, &(office_rows){o, n_o, 1});
        if (offices_end(&st, "CREATE INDEX offices_kommunkod ON offices (kommunkod)") == NV_OK &&
            insert_counties(&st, c, n_c) == NV_OK &&
            store_population(&st, m, n_m, c, n_c, s ? &s->radii : NULL) == NV_OK && s && insert_run(&st, srid, s) == NV_OK)
            (void)(attrs && insert_attributes(&st, attrs, m, n_m, c, n_c));
    }
    return store_end(&st);
}

/* ---------------------------------------------------------------- compare.sqlite */

/* The offices table of analyze plus the plan each row comes from; counties by change
 * class. The municipalities and comparison tables have columns per radius and are made
 * by the functions below. */
static const char compare_tables_sql[] =
    "CREATE TABLE offices (" OFFICE_COLUMNS ","
    " plan TEXT,"                /* "before" or "after" */
    " closed INTEGER);"          /* 1: a before office with no after office near it */
    "CREATE INDEX offices_plan ON offices (plan);"
    "CREATE TABLE counties ("
    " fid INTEGER PRIMARY KEY,"
    " lanskod TEXT NOT NULL,"
    " namn TEXT,"
    " municipalities INTEGER,"
    " lost_presence INTEGER,"
    " longer INTEGER,"
    " unchanged INTEGER,"
    " shorter INTEGER,"
    " gained_presence INTEGER,"
    " municipalities_with_office_before INTEGER,"
    " municipalities_with_office_after INTEGER);";

/* SQL text with columns per radius, built in a fixed buffer: at most 8 radii keep it
 * far below the size. */
typedef struct sqltext {
    char s[8192];
    size_t n;
    int overflow;
} sqltext;

static void sql_add(sqltext *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= sizeof t->s - t->n)
        t->overflow = 1;
    else
        t->n += (size_t)k;
}

/* Adds " name TYPE," for each radius, name made from fmt and the radius in km. */
static void sql_radius_columns(sqltext *t, const nv_radii *radii, const char *fmt, const char *type)
{
    char col[96];
    for (size_t r = 0; radii && r < radii->n; r++) {
        snprintf(col, sizeof col, fmt, radii->km[r]);
        sql_add(t, " \"%s\" %s,", col, type);
    }
}

static nv_status exec_text(store *s, const sqltext *t, const char *what)
{
    if (t->overflow)
        return s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "%s: the SQL is too long", what);
    return exec_sql(s, t->s, what);
}

/* Prepares "INSERT INTO table VALUES (NULL, ?1, …, ?n)" for the table's columns in their
 * order, fid first (NULL: SQLite numbers the rows). With geom_srid > 0 the last column is
 * the multipolygon geometry and ?n its WKB. */
static sqlite3_stmt *prepare_insert_all(store *s, const char *table, int n, int geom_srid, const char *what)
{
    sqltext t = {.n = 0};
    sqlite3_stmt *st = NULL;
    sql_add(&t, "INSERT INTO %s VALUES (NULL", table);
    for (int i = 1; i < n; i++)
        sql_add(&t, ", ?%d", i);
    if (geom_srid > 0)
        sql_add(&t, ", CastToMultiPolygon(CastToXY(GeomFromWKB(?%d, %d))))", n, geom_srid);
    else
        sql_add(&t, ", ?%d)", n);
    if (t.overflow || sqlite3_prepare_v2(s->db, t.s, -1, &st, NULL) != SQLITE_OK) {
        fail_db(s, what);
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

static nv_status insert_changes(store *s, int srid, const nv_store_comparison *c)
{
    const nv_radii *radii = &c->after->radii;
    int nr = (int)radii->n;
    sqltext t = {.n = 0};
    sql_add(&t, "CREATE TABLE municipalities (fid INTEGER PRIMARY KEY, kommunkod TEXT NOT NULL, namn TEXT,"
                " lanskod TEXT, change TEXT, presence_before TEXT, presence_after TEXT, offices_before INTEGER,"
                " offices_after INTEGER, nearest_office_km_before REAL, nearest_office_km_after REAL,"
                " nearest_office_km_change REAL, nearest_office_id_before TEXT, nearest_office_id_after TEXT,"
                " rep_x REAL, rep_y REAL, area_km2 REAL, population REAL,");
    sql_radius_columns(&t, radii, "population_within_%gkm_before", "REAL");
    sql_radius_columns(&t, radii, "population_within_%gkm_after", "REAL");
    sql_add(&t, " mean_distance_km_before REAL, mean_distance_km_after REAL, person_km_added REAL,");
    sql_radius_columns(&t, radii, "people_beyond_%gkm_added", "REAL");
    t.s[--t.n] = '\0'; /* the last comma */
    sql_add(&t, ");CREATE INDEX municipalities_kommunkod ON municipalities (kommunkod);");
    if (exec_text(s, &t, "creating the municipality table") != NV_OK ||
        create_schema(s, srid, compare_tables_sql) != NV_OK)
        return s->status;
    /* The geometry column comes last, after the ones named above. */
    int ncol = 17 + 3 * nr + 3 + 1;
    sqlite3_stmt *st = prepare_insert_all(s, "municipalities", ncol, srid, "preparing the municipality insert");
    if (!st)
        return s->status;
    for (size_t i = 0; i < c->n_changes && s->status == NV_OK; i++) {
        const nv_change *ch = &c->changes[i];
        const nv_muni_result *b = ch->before, *a = ch->after;
        const char *code = a->kommunkod ? a->kommunkod : "(no code)";
        if (!a->wkb || a->wkb_size == 0 || a->wkb_size > (size_t)INT_MAX) {
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0,
                                     "municipality %s has no geometry to store", code);
            break;
        }
        int k = 1;
        int rc = bind_text(st, k++, a->kommunkod);
        rc |= bind_text(st, k++, a->namn);
        rc |= bind_text(st, k++, a->lanskod);
        rc |= bind_text(st, k++, nv_change_class_name(ch->cls));
        rc |= bind_text(st, k++, b->presence);
        rc |= bind_text(st, k++, a->presence);
        rc |= sqlite3_bind_int(st, k++, b->offices);
        rc |= sqlite3_bind_int(st, k++, a->offices);
        rc |= bind_real(st, k++, b->nearest_office_km);
        rc |= bind_real(st, k++, a->nearest_office_km);
        rc |= bind_real(st, k++, ch->delta_km);
        rc |= bind_text(st, k++, b->nearest_office_id);
        rc |= bind_text(st, k++, a->nearest_office_id);
        rc |= bind_real(st, k++, a->rep_x);
        rc |= bind_real(st, k++, a->rep_y);
        rc |= bind_real(st, k++, a->area_km2);
        rc |= bind_real(st, k++, a->pop.population);
        for (int r = 0; r < nr; r++)
            rc |= bind_real(st, k++, b->pop.within[r]);
        for (int r = 0; r < nr; r++)
            rc |= bind_real(st, k++, a->pop.within[r]);
        rc |= bind_real(st, k++, b->pop.mean_distance_km);
        rc |= bind_real(st, k++, a->pop.mean_distance_km);
        rc |= bind_real(st, k++, ch->person_km_added);
        for (int r = 0; r < nr; r++)
            rc |= bind_real(st, k++, ch->beyond_added[r]);
        rc |= sqlite3_bind_blob(st, k++, a->wkb, (int)a->wkb_size, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK) {
            int null_geom = strstr(sqlite3_errmsg(s->db), "municipalities.geom") != NULL;
            s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "storing municipality %s: %s%s", code,
                                     sqlite3_errmsg(s->db), null_geom ? " (SpatiaLite could not read its WKB as "
                                                                        "a polygon or multipolygon)"
                                                                      : system_cause(s));
        }
    }
    finalize(s, st, "finishing the municipality insert");
    return s->status;
}

/* nv_rows's c0 for mark_closed: the fids of the closed rows. */
static void fid_column(sqlite3_context *ctx, void *src, size_t row, int col)
{
    (void)col;
    sqlite3_result_int64(ctx, ((const sqlite3_int64 *)src)[row]);
}

/* Sets closed = 1 on the rows of the first plan that have a point and no point of the
 * second plan within NV_STORE_CLOSED_WITHIN_M: no row of it, of whatever type, with
 * dx * dx + dy * dy <= R * R (nv_kdtree_within). The rule of the correlated NOT EXISTS
 * this replaces, which compared every row with every row: two plans of 20,000 rows took
 * 154 s. The rows' closed is 0 already. */
static nv_status mark_closed(store *s, const office_rows rows[2])
{
    static const char sql[] = "UPDATE offices SET closed = 1 WHERE fid IN (SELECT c0 FROM nv_rows)";
    const office_rows *b = &rows[0], *a = &rows[1];
    double *xy = malloc((a->n ? 2 * a->n : 1) * sizeof *xy);
    sqlite3_int64 *fid = malloc((b->n ? b->n : 1) * sizeof *fid);
    nv_kdtree *t = NULL;
    size_t n_xy = 0, n_closed = 0;
    int oom = !xy || !fid;
    for (size_t i = 0; !oom && i < a->n; i++)
        if (isfinite(a->o[i].x) && isfinite(a->o[i].y)) {
            xy[2 * n_xy] = a->o[i].x;
            xy[2 * n_xy + 1] = a->o[i].y;
            n_xy++;
        }
    /* No after point at all: no tree, and every before row with a point is closed. */
    if (!oom && n_xy && !(t = nv_kdtree_create(xy, n_xy)))
        oom = 1;
    free(xy); /* the tree has its copy */
    for (size_t i = 0; !oom && i < b->n; i++) {
        const nv_office_result *o = &b->o[i];
        if (isfinite(o->x) && isfinite(o->y) && !nv_kdtree_within(t, o->x, o->y, NV_STORE_CLOSED_WITHIN_M))
            fid[n_closed++] = b->first_fid + (sqlite3_int64)i;
    }
    if (oom)
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "out of memory while finding the closed offices");
    else if (n_closed && nv_store_rows_run(s->db, sql, n_closed, fid_column, fid, NULL) != SQLITE_OK)
        fail_db(s, "finding the closed offices");
    nv_kdtree_destroy(t);
    free(fid);
    return s->status;
}

/* Both plans' rows, told apart by plan, every row closed = 0; then which offices of the
 * first plan the second drops (mark_closed). */
static nv_status insert_compare_offices(store *s, int srid, const office_rows rows[2])
{
    if (insert_offices(s, srid, &rows[0]) != NV_OK ||
        exec_sql(s, "UPDATE offices SET plan = 'before', closed = 0 WHERE plan IS NULL",
                 "marking the offices") != NV_OK ||
        insert_offices(s, srid, &rows[1]) != NV_OK ||
        exec_sql(s, "UPDATE offices SET plan = 'after', closed = 0 WHERE plan IS NULL",
                 "marking the offices") != NV_OK)
        return s->status;
    return mark_closed(s, rows);
}

/* Counties by change class, counted from the municipalities just stored; names from c. */
static nv_status insert_compare_counties(store *s, const nv_store_comparison *c)
{
    if (exec_sql(s, "INSERT INTO counties (lanskod, municipalities, lost_presence, longer, unchanged, shorter,"
                    " gained_presence, municipalities_with_office_before, municipalities_with_office_after)"
                    " SELECT lanskod, count(*), total(change = 'lost_presence'), total(change = 'longer'),"
                    " total(change = 'unchanged'), total(change = 'shorter'), total(change = 'gained_presence'),"
                    " total(offices_before > 0), total(offices_after > 0)"
                    " FROM municipalities GROUP BY lanskod ORDER BY lanskod", "counting by county") != NV_OK)
        return s->status;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE counties SET namn = ?1 WHERE lanskod = ?2", -1, &st, NULL) != SQLITE_OK)
        return fail_db(s, "preparing the county names");
    for (size_t i = 0; i < c->n_counties && s->status == NV_OK; i++) {
        int rc = bind_text(st, 1, c->counties[i].namn);
        rc |= bind_text(st, 2, c->counties[i].lanskod);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK)
            fail_db(s, "storing the county names");
    }
    finalize(s, st, "finishing the county names");
    return s->status;
}

static nv_status insert_comparison(store *s, int srid, const nv_store_comparison *c)
{
    const nv_run_summary *b = c->before, *a = c->after;
    const nv_compare_totals *t = c->totals;
    const nv_radii *radii = &a->radii;
    int nr = (int)radii->n;
    sqltext q = {.n = 0};
    sql_add(&q, "CREATE TABLE comparison (fid INTEGER PRIMARY KEY, narvaro_version TEXT, boundaries TEXT,"
                " layer TEXT, analysis_crs TEXT, srid INTEGER,"
                " office_files_before TEXT," /* one path per line, in the order given */
                " office_files_after TEXT, illustrative_before INTEGER, illustrative_after INTEGER,"
                " municipalities INTEGER, municipalities_with_office_before INTEGER,"
                " municipalities_with_office_after INTEGER, offices_before INTEGER, offices_after INTEGER,"
                " municipalities_losing_presence INTEGER, municipalities_gaining_presence INTEGER,"
                " municipalities_longer_distance INTEGER, municipalities_shorter_distance INTEGER,"
                " municipalities_unchanged INTEGER, municipalities_changed INTEGER, radii_km TEXT,");
    sql_radius_columns(&q, radii, "people_moving_beyond_%gkm", "REAL");
    sql_radius_columns(&q, radii, "people_moving_within_%gkm", "REAL");
    sql_add(&q, " person_km_added REAL, manifest_digest TEXT, manifest TEXT);");
    if (exec_text(s, &q, "creating the comparison table") != NV_OK)
        return s->status;
    sqlite3_stmt *st = prepare_insert_all(s, "comparison", 24 + 2 * nr, 0, "preparing the comparison insert");
    if (!st)
        return s->status;
    char *files_b = join_lines(b->office_files, b->n_office_files);
    char *files_a = join_lines(a->office_files, a->n_office_files);
    char radii_km[256] = "";
    for (int r = 0; r < nr; r++) {
        size_t used = strlen(radii_km);
        snprintf(radii_km + used, sizeof radii_km - used, "%s%g", r ? "," : "", radii->km[r]);
    }
    if (!files_b || !files_a) {
        s->status = nv_error_set(s->err, NV_ERR_FAIL, s->path, 0, "out of memory");
        free(files_b);
        free(files_a);
        finalize(s, st, "finishing the comparison insert");
        return s->status;
    }
    int k = 1;
    int rc = bind_text(st, k++, a->version);
    rc |= bind_text(st, k++, a->boundaries);
    rc |= bind_text(st, k++, a->layer);
    rc |= bind_text(st, k++, a->crs);
    rc |= sqlite3_bind_int(st, k++, srid);
    rc |= bind_text(st, k++, files_b);
    rc |= bind_text(st, k++, files_a);
    rc |= sqlite3_bind_int(st, k++, b->illustrative ? 1 : 0);
    rc |= sqlite3_bind_int(st, k++, a->illustrative ? 1 : 0);
    rc |= sqlite3_bind_int(st, k++, a->municipalities);
    rc |= sqlite3_bind_int(st, k++, b->with_office);
    rc |= sqlite3_bind_int(st, k++, a->with_office);
    rc |= sqlite3_bind_int(st, k++, b->offices);
    rc |= sqlite3_bind_int(st, k++, a->offices);
    rc |= sqlite3_bind_int(st, k++, t->losing_presence);
    rc |= sqlite3_bind_int(st, k++, t->gaining_presence);
    rc |= sqlite3_bind_int(st, k++, t->longer);
    rc |= sqlite3_bind_int(st, k++, t->shorter);
    rc |= sqlite3_bind_int(st, k++, t->unchanged);
    rc |= sqlite3_bind_int(st, k++, t->changed);
    rc |= bind_text(st, k++, radii_km);
    for (int r = 0; r < nr; r++)
        rc |= bind_real(st, k++, t->beyond_added[r]);
    for (int r = 0; r < nr; r++)
        rc |= bind_real(st, k++, t->within_added[r]);
    rc |= bind_real(st, k++, t->person_km_added);
    rc |= bind_text(st, k++, c->manifest_digest);
    rc |= bind_text(st, k++, c->manifest_json);
    if (rc == SQLITE_OK)
        rc = step_insert(st);
    if (rc != SQLITE_OK)
        fail_db(s, "storing the comparison");
    finalize(s, st, "finishing the comparison insert");
    free(files_b);
    free(files_a);
    return s->status;
}

nv_status nv_store_write_changes(const char *path, int srid, const nv_store_comparison *c, nv_error *err)
{
    store st = {.path = path, .err = err, .status = NV_OK};
    if (!c || !c->changes || !c->totals || !c->before || !c->after)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "nothing to store: the comparison is incomplete");
    /* The first plan's rows are fids 1.., the second's follow them. */
    office_rows rows[2] = {{c->offices_before, c->n_offices_before, 1},
                           {c->offices_after, c->n_offices_after, (sqlite3_int64)c->n_offices_before + 1}};
    if (store_begin(&st, srid) == NV_OK && insert_changes(&st, srid, c) == NV_OK &&
        offices_begin(&st, srid, rows, 2) == NV_OK) {
        /* offices_plan stays in the schema: marking each plan's rows finds them by plan. */
        insert_compare_offices(&st, srid, rows);
        if (offices_end(&st, NULL) == NV_OK && insert_compare_counties(&st, c) == NV_OK)
            insert_comparison(&st, srid, c);
    }
    return store_end(&st);
}

/* ---------------------------------------------------------------- QGIS styles */

/* QGIS's own layer_styles (QgsOgrProviderUtils, GDAL's GPKG driver documentation): it
 * looks styles up by empty catalog and schema, the table and the geometry column. QGIS
 * does not list the table among the layers. update_time is left NULL: the database stays
 * the same for the same inputs. */
static const char layer_styles_sql[] =
    "CREATE TABLE layer_styles ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " f_table_catalog VARCHAR(256),"
    " f_table_schema VARCHAR(256),"
    " f_table_name VARCHAR(256),"
    " f_geometry_column VARCHAR(256),"
    " styleName TEXT,"
    " styleQML TEXT,"
    " styleSLD TEXT,"
    " useAsDefault BOOLEAN,"
    " description TEXT,"
    " owner VARCHAR(30),"
    " ui TEXT,"
    " update_time DATETIME)";

nv_status nv_store_add_styles(const char *path, const nv_layer_style *styles, size_t n, nv_error *err)
{
    store s = {.path = path, .err = err, .status = NV_OK};
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        fail_db(&s, "cannot open the database to add the QGIS styles");
        sqlite3_close(s.db);
        return s.status;
    }
    if (exec_sql(&s, "PRAGMA synchronous = OFF; BEGIN", "starting the transaction") == NV_OK &&
        exec_sql(&s, layer_styles_sql, "creating the table layer_styles") == NV_OK &&
        sqlite3_prepare_v2(s.db, "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name,"
                                 " f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description,"
                                 " owner, ui) VALUES ('', '', ?1, ?2, ?3, ?4, '', ?5, ?6, 'narvaro', '')",
                           -1, &st, NULL) != SQLITE_OK)
        fail_db(&s, "preparing the style insert");
    for (size_t i = 0; i < n && s.status == NV_OK; i++) {
        const nv_layer_style *l = &styles[i];
        int rc = bind_text(st, 1, l->table);
        rc |= bind_text(st, 2, l->geometry_column);
        rc |= bind_text(st, 3, l->name);
        rc |= bind_text(st, 4, l->qml);
        rc |= sqlite3_bind_int(st, 5, l->use_as_default ? 1 : 0);
        rc |= bind_text(st, 6, l->description);
        if (rc == SQLITE_OK)
            rc = step_insert(st);
        if (rc != SQLITE_OK)
            fail_db(&s, "storing a QGIS style");
    }
    if (st)
        finalize(&s, st, "finishing the style insert");
    if (s.status == NV_OK)
        exec_sql(&s, "COMMIT", "committing the QGIS styles");
    if (sqlite3_close(s.db) != SQLITE_OK) {
        fail_db(&s, "closing the database");
        sqlite3_close_v2(s.db);
    }
    return s.status;
}

/* ---------------------------------------------------------------- GeoPackage */

const char *nv_store_format_ext(nv_db_format f)
{
    return f == NV_DB_GPKG ? "gpkg" : "sqlite";
}

/* Appends GDAL's last error message to what. */
static nv_status gdal_fail(nv_error *err, const char *path, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return nv_error_set(err, NV_ERR_FAIL, path, 0, "%s%s%s", what, msg && *msg ? ": " : "", msg ? msg : "");
}

/* The copy is GDAL's own (ogr2ogr's library form), so that the GeoPackage is what GDAL
 * writes for any source: gpkg_contents, an R-tree per layer, attribute tables for the
 * tables without geometry. The SpatiaLite driver does not list those tables by default,
 * so they are named. */
static nv_status copy_to_gpkg(const char *sqlite_path, const char *gpkg_path, nv_error *err)
{
    static const char *const tables[] = {"municipalities", "offices", "counties", "runs", "comparison",
                                         "layer_styles"};
    static const char *const drivers[] = {"SQLite", NULL};
    struct stat sb;
    if (stat(gpkg_path, &sb) == 0)
        return nv_error_set(err, NV_ERR_FAIL, gpkg_path, 0,
                            "already exists; narvaro does not overwrite a database (remove it or choose "
                            "another output folder)");
    GDALAllRegister();
    CPLErrorReset();
    GDALDatasetH src = GDALOpenEx(sqlite_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    if (!src)
        return gdal_fail(err, sqlite_path, "cannot open the database to copy it into a GeoPackage");
    char **argv = NULL;
    argv = CSLAddString(argv, "-f");
    argv = CSLAddString(argv, "GPKG");
    argv = CSLAddString(argv, "-preserve_fid");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (GDALDatasetGetLayerByName(src, tables[i]))
            argv = CSLAddString(argv, tables[i]);
    CPLErrorReset();
    nv_status st = NV_OK;
    GDALVectorTranslateOptions *opt = GDALVectorTranslateOptionsNew(argv, NULL);
    CSLDestroy(argv);
    GDALDatasetH out = NULL;
    if (!opt) {
        st = gdal_fail(err, gpkg_path, "cannot set up the GeoPackage copy");
    } else {
        int usage_error = 0;
        out = GDALVectorTranslate(gpkg_path, NULL, 1, &src, opt, &usage_error);
        GDALVectorTranslateOptionsFree(opt);
        if (!out)
            st = gdal_fail(err, gpkg_path, "cannot write the GeoPackage");
    }
    if (out) {
        CPLErrorReset();
        GDALClose(out); /* void in GDAL 3.6: a failure shows as the last error */
        if (CPLGetLastErrorType() >= CE_Failure)
            st = gdal_fail(err, gpkg_path, "cannot finish the GeoPackage");
    }
    GDALClose(src);
    if (st != NV_OK)
        unlink(gpkg_path);
    return st;
}

nv_status nv_store_copy_to_gpkg(const char *sqlite_path, const char *gpkg_path, nv_error *err)
{
    /* GDAL's messages go into err, not onto stderr (per thread). */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    nv_status st = copy_to_gpkg(sqlite_path, gpkg_path, err);
    CPLPopErrorHandler();
    return st;
}

const char *nv_store_spatialite_version(void)
{
    return spatialite_version();
}

const char *nv_store_sqlite_version(void)
{
    return sqlite3_libversion();
}
