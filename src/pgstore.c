/* pgstore.c — runs into a shared PostGIS database, with libpq.
 *
 * Numbers go to the server as text in the C locale's notation (%.17g: exact for doubles),
 * NAN as SQL NULL; geometries as binary ISO WKB parameters (ST_GeomFromWKB), so that no
 * coordinate is rounded on the way. A few hundred rows per run are sent as prepared
 * statements on one connection: on a local socket that takes tens of milliseconds. */
#include "pgstore.h"

#include "json.h"
#include "textin.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

/* The advisory lock every narvaro writer takes for its transaction: an arbitrary 64-bit
 * key ("narvaro" in ASCII), the same for all. */
#define NV_PG_LOCK_KEY "31069391678435937" /* 0x6e617276617261 */

typedef struct pg {
    PGconn *conn;
    const char *name;   /* conn as given, for messages */
    nv_error *err;
    nv_status status;
    int in_tx;
} pg;

/* libpq's messages end with a newline and may span lines: one line for ours. */
static void clean_message(const char *in, char *out, size_t size)
{
    size_t k = 0;
    for (const char *p = in ? in : ""; *p && k + 1 < size; p++) {
        if (*p == '\n' || *p == '\t') {
            if (p[1] && k > 0 && out[k - 1] != ' ')
                out[k++] = ' ';
            continue;
        }
        out[k++] = *p;
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
}

static nv_status fail(pg *p, nv_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static nv_status fail(pg *p, nv_status code, const char *fmt, ...)
{
    if (p->status != NV_OK)
        return p->status;
    char msg[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return p->status = nv_error_set(p->err, code, p->name, 0, "%s", msg);
}

/* The connection string libpq reads: GDAL's "PG:" prefix removed. */
static const char *conninfo(const char *conn)
{
    return strncmp(conn, "PG:", 3) == 0 ? conn + 3 : conn;
}

static nv_status pg_connect(pg *p, const char *conn)
{
    p->name = conn;
    p->conn = PQconnectdb(conninfo(conn));
    if (!p->conn)
        return fail(p, NV_ERR_FAIL, "out of memory connecting to PostgreSQL");
    if (PQstatus(p->conn) == CONNECTION_OK) {
        /* No notices ("relation already exists, skipping") on stderr. */
        PGresult *r = PQexec(p->conn, "SET client_min_messages = warning");
        PQclear(r);
        return NV_OK;
    }
    char msg[1200];
    clean_message(PQerrorMessage(p->conn), msg, sizeof msg);
    const char *host = PQhost(p->conn), *port = PQport(p->conn), *db = PQdb(p->conn), *user = PQuser(p->conn);
    const char *hint;
    if (strstr(msg, "password") || strstr(msg, "authentication"))
        hint = "check the user and password: put the password in ~/.pgpass or PGPASSWORD, not on the command line";
    else if (strstr(msg, "does not exist") && strstr(msg, "database"))
        hint = "create the database (createdb, then CREATE EXTENSION postgis) or name another with dbname=";
    else if (strstr(msg, "invalid connection option") || strstr(msg, "missing \"=\""))
        hint = "give a libpq connection string, e.g. --postgis \"PG:host=db.example dbname=gis user=planner\"";
    else
        hint = "check that the server is running and that --postgis names it, e.g. "
               "--postgis \"PG:host=db.example port=5432 dbname=gis user=planner\"";
    return fail(p, NV_ERR_INPUT, "cannot connect to the PostgreSQL server %s port %s (database %s, user %s): %s (%s)",
                host && *host ? host : "(default socket)", port && *port ? port : "5432", db && *db ? db : "(default)",
                user && *user ? user : "(default)", msg, hint);
}

/* Runs sql; ok is the result status it must have. */
static nv_status pg_exec(pg *p, const char *sql, ExecStatusType ok, const char *what)
{
    if (p->status != NV_OK)
        return p->status;
    PGresult *r = PQexec(p->conn, sql);
    if (PQresultStatus(r) != ok) {
        char msg[1200];
        clean_message(r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn), msg, sizeof msg);
        fail(p, NV_ERR_FAIL, "%s: %s", what, msg);
    }
    PQclear(r);
    return p->status;
}

/* One integer (or 0 for no row or NULL) from a query with text parameters. */
static long pg_query_long(pg *p, const char *sql, int n, const char *const *params, int *found, const char *what)
{
    long v = 0;
    if (found)
        *found = 0;
    if (p->status != NV_OK)
        return 0;
    PGresult *r = PQexecParams(p->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        char msg[1200];
        clean_message(r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn), msg, sizeof msg);
        fail(p, NV_ERR_FAIL, "%s: %s", what, msg);
    } else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
        v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
        if (found)
            *found = 1;
    }
    PQclear(r);
    return v;
}

static void pg_close(pg *p)
{
    if (p->conn && p->in_tx) {
        PGresult *r = PQexec(p->conn, "ROLLBACK");
        PQclear(r);
    }
    PQfinish(p->conn);
    p->conn = NULL;
}

/* ---------------------------------------------------------------- parameters */

/* The text of up to 40 parameters of one row; NULL entries are SQL NULL. */
typedef struct params {
    char buf[40][64];
    const char *v[40];
    int len[40], fmt[40];
    int n;
} params;

static void p_reset(params *q)
{
    q->n = 0;
}

static void p_text(params *q, const char *s)
{
    q->v[q->n] = s;
    q->len[q->n] = 0;
    q->fmt[q->n] = 0;
    q->n++;
}

static void p_real(params *q, double v)
{
    if (!isfinite(v)) {
        p_text(q, NULL);
        return;
    }
    snprintf(q->buf[q->n], sizeof q->buf[q->n], "%.17g", v);
    p_text(q, q->buf[q->n]);
}

static void p_long(params *q, long v)
{
    snprintf(q->buf[q->n], sizeof q->buf[q->n], "%ld", v);
    p_text(q, q->buf[q->n]);
}

static void p_blob(params *q, const unsigned char *b, size_t n)
{
    q->v[q->n] = (const char *)b;
    q->len[q->n] = (int)n;
    q->fmt[q->n] = 1;
    q->n++;
}

/* "{v1,v2,…}" for a double precision[]; NULL entries for NAN. Into out (size >= 512). */
static const char *real_array(char *out, size_t size, const double *v, size_t n)
{
    size_t k = 0;
    k += (size_t)snprintf(out + k, size - k, "{");
    for (size_t i = 0; i < n && k < size; i++)
        k += isfinite(v[i]) ? (size_t)snprintf(out + k, size - k, "%s%.17g", i ? "," : "", v[i])
                            : (size_t)snprintf(out + k, size - k, "%sNULL", i ? "," : "");
    if (k < size)
        snprintf(out + k, size - k, "}");
    return out;
}

static nv_status pg_prepare(pg *p, const char *name, const char *sql, const char *what)
{
    if (p->status != NV_OK)
        return p->status;
    PGresult *r = PQprepare(p->conn, name, sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[1200];
        clean_message(r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn), msg, sizeof msg);
        fail(p, NV_ERR_FAIL, "%s: %s", what, msg);
    }
    PQclear(r);
    return p->status;
}

/* Runs a prepared statement; with want_id the id it returns goes to *id. */
static nv_status pg_run(pg *p, const char *name, const params *q, long *id, const char *what)
{
    if (p->status != NV_OK)
        return p->status;
    PGresult *r = PQexecPrepared(p->conn, name, q->n, q->v, q->len, q->fmt, 0);
    ExecStatusType want = id ? PGRES_TUPLES_OK : PGRES_COMMAND_OK;
    if (PQresultStatus(r) != want) {
        char msg[1200];
        clean_message(r ? PQresultErrorMessage(r) : PQerrorMessage(p->conn), msg, sizeof msg);
        fail(p, NV_ERR_FAIL, "%s: %s", what, msg);
    } else if (id) {
        *id = PQntuples(r) > 0 ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : 0;
    }
    PQclear(r);
    return p->status;
}

/* ---------------------------------------------------------------- the schema */

static nv_status ensure_postgis(pg *p)
{
    int found = 0;
    pg_query_long(p, "SELECT 1 FROM pg_extension WHERE extname = 'postgis'", 0, NULL, &found,
                  "looking for PostGIS");
    if (p->status != NV_OK || found)
        return p->status;
    PGresult *r = PQexec(p->conn, "CREATE EXTENSION IF NOT EXISTS postgis");
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char msg[1200];
        clean_message(PQresultErrorMessage(r), msg, sizeof msg);
        fail(p, NV_ERR_INPUT,
             "database %s has no PostGIS and narvaro cannot add it: %s (ask its owner to run CREATE EXTENSION "
             "postgis; on Debian the server needs postgresql-15-postgis-3)", PQdb(p->conn), msg);
    }
    PQclear(r);
    return p->status;
}

/* The tables, created by the first run; their geometry columns take its SRID. */
static nv_status ensure_schema(pg *p, int srid)
{
    char sql[8192];
    int have = 0;
    pg_query_long(p, "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                     " WHERE n.nspname = 'narvaro' AND c.relname = 'latest'", 0, NULL, &have, "looking for the schema");
    if (p->status != NV_OK)
        return p->status;
    if (have) {
        int found = 0;
        long existing = pg_query_long(p, "SELECT srid FROM geometry_columns WHERE f_table_schema = 'narvaro'"
                                         " AND f_table_name = 'municipalities'", 0, NULL, &found,
                                      "reading the schema's CRS");
        if (p->status == NV_OK && found && existing != srid)
            fail(p, NV_ERR_INPUT,
                 "the schema narvaro holds geometries in EPSG:%ld and this run's are in EPSG:%d (run with --crs "
                 "EPSG:%ld to share the database, or give another database)", existing, srid, existing);
        return p->status;
    }
    snprintf(sql, sizeof sql,
             "CREATE SCHEMA IF NOT EXISTS narvaro;"
             "CREATE TABLE IF NOT EXISTS narvaro.runs ("
             " id bigserial PRIMARY KEY,"
             " plan text NOT NULL,"
             " office_files text[] NOT NULL,"
             " manifest_digest text NOT NULL UNIQUE,"
             " manifest jsonb,"
             " created timestamptz NOT NULL DEFAULT now(),"
             " narvaro_version text, gdal_version text, proj_version text,"
             " boundaries text, layer text, analysis_crs text, srid integer, snap_km double precision,"
             " radii_km double precision[],"
             " municipalities integer, counties integer, offices_read integer, offices integer,"
             " offices_snapped integer, offices_rejected integer,"
             " municipalities_with_office integer, municipalities_without_office integer,"
             " locations integer, municipalities_with_presence integer, municipalities_without_presence integer,"
             " office_types text,"
             " presence_staffed integer, presence_booked integer, presence_other integer, presence_none integer,"
             " mean_nearest_office_km double precision, max_nearest_office_km double precision,"
             " illustrative boolean, population_source text, population double precision,"
             " mean_distance_km double precision, max_distance_km double precision);"
             "CREATE INDEX IF NOT EXISTS runs_plan ON narvaro.runs (plan, id);"
             "CREATE TABLE IF NOT EXISTS narvaro.municipalities ("
             " fid bigserial PRIMARY KEY,"
             " run_id bigint NOT NULL REFERENCES narvaro.runs (id) ON DELETE CASCADE,"
             " kommunkod text NOT NULL, namn text, lanskod text, offices integer, presence text,"
             " nearest_office_km double precision, nearest_office_id text,"
             " locations integer, nearest_presence_km double precision, nearest_presence_id text,"
             " rep_x double precision, rep_y double precision, area_km2 double precision,"
             " population double precision, population_within double precision[],"
             " mean_distance_km double precision, max_distance_km double precision,"
             " attributes jsonb,"
             " geom geometry(MultiPolygon, %d) NOT NULL,"
             " UNIQUE (run_id, kommunkod));"
             "CREATE INDEX IF NOT EXISTS municipalities_geom ON narvaro.municipalities USING gist (geom);"
             "CREATE TABLE IF NOT EXISTS narvaro.offices ("
             " fid bigserial PRIMARY KEY,"
             " run_id bigint NOT NULL REFERENCES narvaro.runs (id) ON DELETE CASCADE,"
             " source text, line integer, office_id text, name text, type text, kommunkod_stated text,"
             " lat double precision, lon double precision, x double precision, y double precision,"
             " status text, kommunkod text, namn text, snap_m double precision, note text,"
             " town text, placed_by text,"
             " geom geometry(Point, %d));"
             "CREATE INDEX IF NOT EXISTS offices_run ON narvaro.offices (run_id);"
             "CREATE INDEX IF NOT EXISTS offices_geom ON narvaro.offices USING gist (geom);"
             "CREATE TABLE IF NOT EXISTS narvaro.counties ("
             " fid bigserial PRIMARY KEY,"
             " run_id bigint NOT NULL REFERENCES narvaro.runs (id) ON DELETE CASCADE,"
             " lanskod text NOT NULL, namn text, municipalities integer, offices integer,"
             " municipalities_with_office integer, municipalities_without_office integer,"
             " staffed integer, booked integer, other integer, \"none\" integer,"
             " mean_nearest_office_km double precision, max_nearest_office_km double precision,"
             " locations integer, municipalities_with_presence integer, municipalities_without_presence integer,"
             " population double precision, population_within double precision[],"
             " mean_distance_km double precision, max_distance_km double precision,"
             " attributes jsonb,"
             " UNIQUE (run_id, lanskod));"
             /* Each plan's newest run: ids grow in commit order, because every writer holds
              * the advisory lock from its first statement to its commit. */
             "CREATE OR REPLACE VIEW narvaro.latest AS"
             " SELECT m.*, r.plan, r.created, r.manifest_digest"
             " FROM narvaro.municipalities m JOIN narvaro.runs r ON r.id = m.run_id"
             " WHERE r.id = (SELECT max(r2.id) FROM narvaro.runs r2 WHERE r2.plan = r.plan);",
             srid, srid);
    return pg_exec(p, sql, PGRES_COMMAND_OK, "creating the schema narvaro");
}

/* QGIS's PostgreSQL provider keeps styles in public.layer_styles (its own CREATE TABLE,
 * QGIS 3.22), keyed by database, schema, table and geometry column. */
static nv_status insert_styles(pg *p, const nv_pg_run *run)
{
    if (run->n_styles == 0)
        return p->status;
    pg_exec(p, "CREATE TABLE IF NOT EXISTS public.layer_styles (id serial PRIMARY KEY, f_table_catalog varchar,"
               " f_table_schema varchar, f_table_name varchar, f_geometry_column varchar, styleName text,"
               " styleQML xml, styleSLD xml, useAsDefault boolean, description text,"
               " owner varchar(63) DEFAULT CURRENT_USER, ui xml, update_time timestamp DEFAULT CURRENT_TIMESTAMP,"
               " type varchar)", PGRES_COMMAND_OK, "creating public.layer_styles");
    pg_prepare(p, "nv_style",
               "INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
               " styleName, styleQML, useAsDefault, description)"
               " SELECT current_database(), 'narvaro', $1::text, $2::text, $3::text, XMLPARSE(DOCUMENT $4::text),"
               " $5::boolean, $6::text WHERE NOT EXISTS (SELECT 1 FROM public.layer_styles"
               " WHERE f_table_catalog = current_database() AND f_table_schema = 'narvaro'"
               " AND f_table_name = $1::text AND styleName = $3::text)",
               "preparing the style insert");
    params q;
    /* The view latest has the municipalities' columns: it takes their styles too. */
    for (size_t k = 0; k < 2 * run->n_styles && p->status == NV_OK; k++) {
        const nv_layer_style *l = &run->styles[k % run->n_styles];
        int view = k >= run->n_styles;
        if (view && strcmp(l->table, "municipalities") != 0)
            continue;
        p_reset(&q);
        p_text(&q, view ? "latest" : l->table);
        p_text(&q, l->geometry_column);
        p_text(&q, l->name);
        p_text(&q, l->qml);
        p_text(&q, l->use_as_default ? "true" : "false");
        p_text(&q, l->description);
        pg_run(p, "nv_style", &q, NULL, "storing a QGIS style");
    }
    return p->status;
}

/* ---------------------------------------------------------------- one run */

static char *text_array(const char *const *items, size_t n)
{
    size_t len = 3;
    for (size_t i = 0; i < n; i++)
        len += 2 * strlen(items[i] ? items[i] : "") + 3;
    char *out = malloc(len), *q = out;
    if (!out)
        return NULL;
    *q++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *q++ = ',';
        *q++ = '"';
        for (const char *s = items[i] ? items[i] : ""; *s; s++) {
            if (*s == '"' || *s == '\\')
                *q++ = '\\';
            *q++ = *s;
        }
        *q++ = '"';
    }
    *q++ = '}';
    *q = '\0';
    return out;
}

static nv_status insert_run(pg *p, const nv_pg_run *run, long *run_id)
{
    const nv_run_summary *s = run->s;
    char radii[512];
    char *files = text_array(s->office_files, s->n_office_files);
    if (!files)
        return fail(p, NV_ERR_FAIL, "out of memory");
    pg_prepare(p, "nv_run",
               "INSERT INTO narvaro.runs (plan, office_files, manifest_digest, manifest, narvaro_version,"
               " gdal_version, proj_version, boundaries, layer, analysis_crs, srid, snap_km, radii_km,"
               " municipalities, counties, offices_read, offices, offices_snapped, offices_rejected,"
               " municipalities_with_office, municipalities_without_office, presence_staffed, presence_booked,"
               " presence_other, presence_none, mean_nearest_office_km, max_nearest_office_km, illustrative,"
               " population_source, population, mean_distance_km, max_distance_km, locations,"
               " municipalities_with_presence, municipalities_without_presence, office_types) VALUES ($1, $2, $3,"
               " $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,"
               " $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36) RETURNING id",
               "preparing the run insert");
    params q;
    p_reset(&q);
    p_text(&q, run->plan);
    p_text(&q, files);
    p_text(&q, s->manifest_digest);
    p_text(&q, s->manifest_json);
    p_text(&q, s->version);
    p_text(&q, s->gdal_version);
    p_text(&q, s->proj_version);
    p_text(&q, s->boundaries);
    p_text(&q, s->layer);
    p_text(&q, s->crs);
    p_long(&q, s->srid);
    p_real(&q, s->snap_km);
    p_text(&q, real_array(radii, sizeof radii, s->radii.km, s->radii.n));
    p_long(&q, s->municipalities);
    p_long(&q, s->counties);
    p_long(&q, s->offices_read);
    p_long(&q, s->offices);
    p_long(&q, s->offices_snapped);
    p_long(&q, s->offices_rejected);
    p_long(&q, s->with_office);
    p_long(&q, s->without_office);
    p_long(&q, s->presence_staffed);
    p_long(&q, s->presence_booked);
    p_long(&q, s->presence_other);
    p_long(&q, s->presence_none);
    p_real(&q, s->mean_nearest_office_km);
    p_real(&q, s->max_nearest_office_km);
    p_text(&q, s->illustrative ? "true" : "false");
    p_text(&q, s->population_source);
    p_real(&q, s->pop.population);
    p_real(&q, s->pop.mean_distance_km);
    p_real(&q, s->pop.max_distance_km);
    p_long(&q, s->locations);
    p_long(&q, s->with_presence);
    p_long(&q, s->without_presence);
    p_text(&q, s->office_types);
    pg_run(p, "nv_run", &q, run_id, "storing the run");
    free(files);
    return p->status;
}

static void p_population(params *q, char *array, size_t size, const nv_population_result *pop, const nv_radii *radii)
{
    p_real(q, pop->population);
    p_text(q, real_array(array, size, pop->within, radii->n));
    p_real(q, pop->mean_distance_km);
    p_real(q, pop->max_distance_km);
}

/* The joined attribute columns of a row (--attributes) as a JSON object, numbers as
 * numbers and empty cells as null, into *buf (grown as needed); NULL (SQL NULL) when the
 * run joined none at this level. i: the municipality's index, or code: the county's. */
static const char *attributes_json(pg *p, const nv_attributes *a, nv_attr_level level, size_t i, const char *code,
                                   char **buf)
{
    size_t n = a ? nv_attributes_count(a, level) : 0;
    if (!n)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        fail(p, NV_ERR_FAIL, "out of memory");
        return NULL;
    }
    fputc('{', f);
    for (size_t col = 0; col < n; col++) {
        const char *v = level == NV_ATTR_COUNTY ? nv_attributes_county_value(a, code, col)
                                                : nv_attributes_muni_value(a, i, col);
        double d;
        fputs(col ? ", " : "", f);
        nv_json_fputs(f, nv_attributes_name(a, level, col));
        fputs(": ", f);
        if (!v[0])
            fputs("null", f);
        else if (nv_attributes_numeric(a, level, col) && nv_text_parse_number(v, strlen(v), &d) && isfinite(d))
            fprintf(f, "%.17g", d);
        else
            nv_json_fputs(f, v);
    }
    fputc('}', f);
    if (fclose(f) != 0 || !text) {
        free(text);
        fail(p, NV_ERR_FAIL, "out of memory");
        return NULL;
    }
    free(*buf);
    return *buf = text;
}

static nv_status insert_rows(pg *p, const nv_pg_run *run, long run_id, int srid)
{
    char id[32], srid_text[16], array[512], *json = NULL;
    const nv_radii *radii = &run->s->radii;
    snprintf(id, sizeof id, "%ld", run_id);
    snprintf(srid_text, sizeof srid_text, "%d", srid);
    pg_prepare(p, "nv_muni",
               "INSERT INTO narvaro.municipalities (run_id, kommunkod, namn, lanskod, offices, presence,"
               " nearest_office_km, nearest_office_id, rep_x, rep_y, area_km2, population, population_within,"
               " mean_distance_km, max_distance_km, geom, locations, nearest_presence_km, nearest_presence_id,"
               " attributes)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
               " ST_Multi(ST_GeomFromWKB($16, $17::integer)), $18, $19, $20, $21::jsonb)",
               "preparing the municipality insert");
    params q;
    for (size_t i = 0; i < run->n_m && p->status == NV_OK; i++) {
        const nv_muni_result *m = &run->m[i];
        p_reset(&q);
        p_text(&q, id);
        p_text(&q, m->kommunkod);
        p_text(&q, m->namn);
        p_text(&q, m->lanskod);
        p_long(&q, m->offices);
        p_text(&q, m->presence);
        p_real(&q, m->nearest_office_km);
        p_text(&q, m->nearest_office_id);
        p_real(&q, m->rep_x);
        p_real(&q, m->rep_y);
        p_real(&q, m->area_km2);
        p_population(&q, array, sizeof array, &m->pop, radii);
        p_blob(&q, m->wkb, m->wkb_size);
        p_text(&q, srid_text);
        p_long(&q, m->locations);
        p_real(&q, m->nearest_presence_km);
        p_text(&q, m->nearest_presence_id);
        p_text(&q, attributes_json(p, run->attrs, NV_ATTR_MUNICIPALITY, i, NULL, &json));
        pg_run(p, "nv_muni", &q, NULL, "storing a municipality");
    }
    pg_prepare(p, "nv_office",
               "INSERT INTO narvaro.offices (run_id, source, line, office_id, name, type, kommunkod_stated, lat,"
               " lon, x, y, status, kommunkod, namn, snap_m, note, geom, town, placed_by) VALUES ($1, $2, $3, $4, $5,"
               " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,"
               " CASE WHEN $10::double precision IS NULL OR $11::double precision IS NULL OR $13::text IS NULL"
               " THEN NULL ELSE ST_SetSRID(ST_MakePoint($10, $11), $17::integer) END, $18, $19)",
               "preparing the office insert");
    for (size_t i = 0; i < run->n_o && p->status == NV_OK; i++) {
        const nv_office_result *o = &run->o[i];
        p_reset(&q);
        p_text(&q, id);
        p_text(&q, o->source);
        p_long(&q, o->line);
        p_text(&q, o->office_id);
        p_text(&q, o->name);
        p_text(&q, o->type);
        p_text(&q, o->kommunkod_stated);
        p_real(&q, o->lat_deg);
        p_real(&q, o->lon_deg);
        p_real(&q, o->x);
        p_real(&q, o->y);
        p_text(&q, nv_office_status_word(o->status));
        p_text(&q, nv_office_kommunkod(o));
        p_text(&q, nv_office_namn(o));
        p_real(&q, o->snap_m);
        p_text(&q, o->note);
        p_text(&q, srid_text);
        p_text(&q, o->town);
        p_text(&q, nv_placed_by_word(o->placed_by));
        pg_run(p, "nv_office", &q, NULL, "storing an office");
    }
    pg_prepare(p, "nv_county",
               "INSERT INTO narvaro.counties (run_id, lanskod, namn, municipalities, offices,"
               " municipalities_with_office, municipalities_without_office, staffed, booked, other, \"none\","
               " mean_nearest_office_km, max_nearest_office_km, population, population_within, mean_distance_km,"
               " max_distance_km, locations, municipalities_with_presence, municipalities_without_presence, attributes)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
               " $21::jsonb)",
               "preparing the county insert");
    for (size_t i = 0; i < run->n_c && p->status == NV_OK; i++) {
        const nv_county_result *c = &run->c[i];
        p_reset(&q);
        p_text(&q, id);
        p_text(&q, c->lanskod);
        p_text(&q, c->namn);
        p_long(&q, c->municipalities);
        p_long(&q, c->offices);
        p_long(&q, c->with_office);
        p_long(&q, c->without_office);
        p_long(&q, c->staffed);
        p_long(&q, c->booked);
        p_long(&q, c->other);
        p_long(&q, c->none);
        p_real(&q, c->mean_nearest_office_km);
        p_real(&q, c->max_nearest_office_km);
        p_population(&q, array, sizeof array, &c->pop, radii);
        p_long(&q, c->locations);
        p_long(&q, c->with_presence);
        p_long(&q, c->without_presence);
        p_text(&q, attributes_json(p, run->attrs, NV_ATTR_COUNTY, 0, c->lanskod, &json));
        pg_run(p, "nv_county", &q, NULL, "storing a county");
    }
    free(json);
    return p->status;
}

nv_status nv_pgstore_write(const char *conn, const nv_pg_run *run, long *run_id, int *already, nv_error *err)
{
    pg p = {.err = err, .status = NV_OK};
    *run_id = 0;
    *already = 0;
    if (!run || !run->s || !run->s->manifest_digest || !run->plan)
        return nv_error_set(err, NV_ERR_FAIL, conn, 0, "nothing to store: the run has no manifest");
    if (pg_connect(&p, conn) != NV_OK) {
        pg_close(&p);
        return p.status;
    }
    /* One transaction; the lock makes concurrent writers take turns. */
    if (pg_exec(&p, "BEGIN", PGRES_COMMAND_OK, "starting the transaction") == NV_OK)
        p.in_tx = 1;
    pg_exec(&p, "SELECT pg_advisory_xact_lock(" NV_PG_LOCK_KEY ")", PGRES_TUPLES_OK, "waiting for other writers");
    ensure_postgis(&p);
    ensure_schema(&p, run->s->srid);
    const char *const digest[] = {run->s->manifest_digest};
    int found = 0;
    long existing = pg_query_long(&p, "SELECT id FROM narvaro.runs WHERE manifest_digest = $1", 1, digest, &found,
                                  "looking for the run");
    if (p.status == NV_OK && found) {
        *run_id = existing;
        *already = 1;
    } else if (insert_run(&p, run, run_id) == NV_OK && insert_rows(&p, run, *run_id, run->s->srid) == NV_OK &&
               insert_styles(&p, run) == NV_OK) {
        if (pg_exec(&p, "COMMIT", PGRES_COMMAND_OK, "committing the run") == NV_OK)
            p.in_tx = 0;
    }
    if (p.status != NV_OK)
        *run_id = 0;
    pg_close(&p); /* rolls back whatever is not committed */
    return p.status;
}

nv_status nv_pgstore_find(const char *conn, const char *digest, long *run_id, nv_error *err)
{
    pg p = {.err = err, .status = NV_OK};
    *run_id = 0;
    if (pg_connect(&p, conn) == NV_OK) {
        int have = 0;
        pg_query_long(&p, "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                          " WHERE n.nspname = 'narvaro' AND c.relname = 'runs'", 0, NULL, &have,
                      "looking for the schema");
        const char *const params1[] = {digest};
        if (have)
            *run_id = pg_query_long(&p, "SELECT id FROM narvaro.runs WHERE manifest_digest = $1", 1, params1, NULL,
                                    "looking for the run");
    }
    pg_close(&p);
    return p.status;
}
