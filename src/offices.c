/* offices.c — office plans: CSV files read with libcsv, coordinates moved with PROJ.
 *
 * One nv_plan_read goes through five stages, each of which may stop the file:
 *   1. check the plan's bound and read the bytes;
 *   2. decode them to UTF-8 (BOM, else valid UTF-8, else Windows-1252);
 *   3. pick the delimiter from the header line and split records with libcsv, noting the
 *      physical line each record starts on;
 *   4. map header names to roles (id, name, lat, ...);
 *   5. turn every data row into an nv_office, reporting row problems as diagnostics.
 * Stages 1-3 are plantext.c; 4 and 5 run here, record by record as stage 3 ends each.
 * A file that fails as a whole (in stages 1-4, or with no data row, or a CRS PROJ cannot
 * use) leaves the plan as it was: rows it appended are taken back. */
#include "offices.h"

#include "plantext.h"
#include "sheets.h"
#include "strpool.h"
#include "textin.h"
#include "tiers.h"

#include <proj.h>

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- the plan */

/* The rows are kept in chunks of PLAN_CHUNK_ROWS, not in one array, so that a caller done
 * with them can free them a chunk at a time as it walks them (nv_plan_drop_rows_before):
 * the coverage frees the rows while it makes the results, and a plan of millions of rows
 * never holds both whole. A chunk is made large enough (over 32 MB) that glibc's malloc
 * gives it a mapping of its own, whatever its dynamic threshold, and free gives that back
 * to the system at once; a smaller block could stay in the heap, freed but resident. The
 * first chunk grows by doubling (up to a chunk), so a plan of a hundred rows takes
 * kilobytes; later ones are allocated whole (their pages are touched only as rows come
 * in). */
#define PLAN_CHUNK_ROWS ((size_t)300000)
_Static_assert(PLAN_CHUNK_ROWS * sizeof(nv_office) >= ((size_t)32 << 20),
               "a chunk of rows must be large enough for malloc to map it on its own (see above)");

struct nv_plan {
    nv_office **chunks;       /* row i is chunks[i / PLAN_CHUNK_ROWS][i % PLAN_CHUNK_ROWS] */
    size_t n_chunks, cap_chunks;
    size_t n_dropped;         /* chunks freed by nv_plan_drop_rows_before (NULL in chunks) */
    int dropping;             /* nv_plan_drop_rows_before was called: no more rows may come */
    unsigned char *id_given;  /* parallel to the rows: 1 when the id came from the file */
    size_t n, cap;            /* rows, and rows the chunks have room for */
    char **sources;           /* a copy of every path read; offices point into these */
    struct source_crs {       /* parallel to sources: how its coordinates were read */
        char *from, *to;      /* the rows' CRS and the analysis CRS */
        int use_xy;           /* 1: x/y columns, 0: lat/lon */
        PJ_CONTEXT *swap_ctx; /* nv_plan_swapped_xy's transformation from -> to, made on first use */
        PJ *swap_op;
        int swap_tried;       /* 1: swap_op was made (or could not be) */
    } *source_crs;
    size_t n_sources, cap_sources;
    uint64_t *id_slots;       /* open addressing over offices with a given id: the id's hash in the
                               * high 32 bits (compared before the ids are), index + 1 in the low
                               * 32; 0 = empty */
    size_t n_slots, n_ids;
    nv_strpool *pool;         /* every string of every office (ids, names, problems, ...) */
    struct type_word {        /* the type column's words as written, and what they normalise to */
        const char *raw, *type;
    } types[16];
    size_t n_types;
    char encoding[32];
    char delimiter;
};

static void source_crs_free(struct source_crs *sc)
{
    free(sc->from);
    free(sc->to);
    proj_destroy(sc->swap_op);
    proj_context_destroy(sc->swap_ctx);
}

nv_plan *nv_plan_create(void)
{
    nv_plan *p = calloc(1, sizeof(nv_plan));
    if (p && !(p->pool = nv_strpool_create())) {
        free(p);
        return NULL;
    }
    return p;
}

void nv_plan_destroy(nv_plan *plan)
{
    if (!plan)
        return;
    nv_strpool_destroy(plan->pool);
    for (size_t i = 0; i < plan->n_sources; i++) {
        free(plan->sources[i]);
        source_crs_free(&plan->source_crs[i]);
    }
    free(plan->source_crs);
    for (size_t k = 0; k < plan->n_chunks; k++)
        free(plan->chunks[k]);
    free(plan->chunks);
    free(plan->id_given);
    free(plan->sources);
    free(plan->id_slots);
    free(plan);
}

/* Row i, which must be below cap and not dropped. */
static nv_office *row_at(const nv_plan *p, size_t i)
{
    return &p->chunks[i / PLAN_CHUNK_ROWS][i % PLAN_CHUNK_ROWS];
}

void nv_plan_drop_rows(nv_plan *plan)
{
    if (!plan)
        return;
    for (size_t k = 0; k < plan->n_chunks; k++)
        free(plan->chunks[k]);
    free(plan->chunks);
    free(plan->id_given);
    free(plan->id_slots);
    plan->chunks = NULL;
    plan->id_given = NULL;
    plan->id_slots = NULL;
    plan->n_chunks = plan->cap_chunks = plan->n_dropped = 0;
    plan->dropping = 0;
    plan->n = plan->cap = plan->n_slots = plan->n_ids = 0;
}

void nv_plan_drop_rows_before(nv_plan *plan, size_t i)
{
    if (!plan)
        return;
    if (!plan->dropping) {
        /* The duplicate-id set points at rows, and serves only rows still to be read. */
        free(plan->id_slots);
        free(plan->id_given);
        plan->id_slots = NULL;
        plan->id_given = NULL;
        plan->n_slots = plan->n_ids = 0;
        plan->dropping = 1;
    }
    size_t whole = (i < plan->n ? i : plan->n) / PLAN_CHUNK_ROWS; /* chunks wholly before row i */
    for (; plan->n_dropped < whole && plan->n_dropped < plan->n_chunks; plan->n_dropped++) {
        free(plan->chunks[plan->n_dropped]);
        plan->chunks[plan->n_dropped] = NULL;
    }
}

size_t nv_plan_count(const nv_plan *plan)
{
    return plan ? plan->n : 0;
}

const nv_office *nv_plan_office(const nv_plan *plan, size_t i)
{
    return plan && i < plan->n && i / PLAN_CHUNK_ROWS >= plan->n_dropped ? row_at(plan, i) : NULL;
}

const char *nv_plan_last_encoding(const nv_plan *plan)
{
    return plan ? plan->encoding : "";
}

char nv_plan_last_delimiter(const nv_plan *plan)
{
    return plan ? plan->delimiter : 0;
}

/* Ids are checked for duplicates across every file of the plan, so a hash set keeps a
 * 10,000-row batch linear. */
static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

/* The probe of id_find or id_put reads a random slot of a table of tens of MB for a plan of
 * millions of rows: a cache miss a row. Asked for when the id is read, the slot's line is
 * there by the time the row's other fields and its coordinates are done. */
static void id_prefetch(const nv_plan *p, uint64_t h)
{
#if defined(__GNUC__)
    if (p->n_slots)
        __builtin_prefetch(&p->id_slots[(size_t)h & (p->n_slots - 1)]);
#else
    (void)p, (void)h;
#endif
}

/* The office with id (of hash h, str_hash), or SIZE_MAX. */
static size_t id_find(const nv_plan *p, const char *id, uint64_t h)
{
    if (!p->n_slots)
        return SIZE_MAX;
    size_t mask = p->n_slots - 1;
    uint64_t tag = (uint64_t)(uint32_t)(h >> 32) << 32;
    for (size_t i = (size_t)h & mask; p->id_slots[i]; i = (i + 1) & mask) {
        if ((p->id_slots[i] & ~(uint64_t)UINT32_MAX) != tag)
            continue;
        size_t k = (size_t)(p->id_slots[i] & UINT32_MAX) - 1;
        if (strcmp(row_at(p, k)->id, id) == 0)
            return k;
    }
    return SIZE_MAX;
}

static void id_put(nv_plan *p, size_t k, uint64_t h)
{
    size_t mask = p->n_slots - 1, i = (size_t)h & mask;
    while (p->id_slots[i])
        i = (i + 1) & mask;
    p->id_slots[i] = (uint64_t)(uint32_t)(h >> 32) << 32 | (uint64_t)(k + 1);
    p->n_ids++;
}

/* Refills the slots from the offices (after a resize or a rollback); allocates nothing. */
static void id_reindex(nv_plan *p)
{
    if (!p->n_slots)
        return;
    memset(p->id_slots, 0, p->n_slots * sizeof *p->id_slots);
    p->n_ids = 0;
    for (size_t k = 0; k < p->n; k++)
        if (p->id_given[k])
            id_put(p, k, str_hash(row_at(p, k)->id));
}

/* Zeroed slots; a table of megabytes in huge pages where the system allows it, since each
 * probe lands on a random page (a TLB miss a row with 4 kB pages). */
static uint64_t *slots_alloc(size_t n_slots)
{
    size_t bytes = n_slots * sizeof(uint64_t);
#if defined(MADV_HUGEPAGE)
    enum { HUGE = 2 << 20 };
    if (bytes >= HUGE) {
        void *m = NULL;
        if (posix_memalign(&m, HUGE, bytes) != 0)
            return NULL;
        madvise(m, bytes, MADV_HUGEPAGE); /* a hint: refused, the pages stay small */
        memset(m, 0, bytes);
        return m;
    }
#endif
    return calloc(n_slots, sizeof(uint64_t));
}

/* Room for n_ids ids in all without a resize (at most half the slots used). */
static int id_reserve(nv_plan *p, size_t n_ids)
{
    size_t n_slots = p->n_slots ? p->n_slots : 256;
    while (n_ids * 2 > n_slots)
        n_slots *= 2;
    if (n_slots == p->n_slots)
        return 1;
    uint64_t *slots = slots_alloc(n_slots);
    if (!slots)
        return 0;
    free(p->id_slots);
    p->id_slots = slots;
    p->n_slots = n_slots;
    id_reindex(p);
    return 1;
}

/* Adds office k, whose id has hash h, to the set; 0 when out of memory. */
static int id_insert(nv_plan *p, size_t k, uint64_t h)
{
    /* office k is not counted yet by id_reindex: id_given[k] is set after this */
    if ((p->n_ids + 1) * 2 > p->n_slots && !id_reserve(p, p->n_ids + 1))
        return 0;
    id_put(p, k, h);
    return 1;
}

/* Room for one more row: the first chunk doubled (up to PLAN_CHUNK_ROWS), or a new chunk. */
static int plan_reserve(nv_plan *p)
{
    if (p->n < p->cap)
        return 1;
    int grow_first = p->n_chunks == 1 && p->cap < PLAN_CHUNK_ROWS;
    size_t cap = grow_first ? (2 * p->cap < PLAN_CHUNK_ROWS ? 2 * p->cap : PLAN_CHUNK_ROWS)
                            : p->cap + (p->n_chunks ? PLAN_CHUNK_ROWS : 128);
    if (cap >= UINT32_MAX) /* the id slots hold indices in 32 bits */
        return 0;
    /* id_given first: larger than the rows need, should the chunk fail, it does no harm. */
    unsigned char *g = realloc(p->id_given, cap);
    if (!g)
        return 0;
    p->id_given = g;
    if (grow_first) {
        nv_office *o = realloc(p->chunks[0], cap * sizeof *o);
        if (!o)
            return 0;
        p->chunks[0] = o;
    } else {
        if (p->n_chunks == p->cap_chunks) {
            size_t n = p->cap_chunks ? 2 * p->cap_chunks : 8;
            nv_office **c = realloc(p->chunks, n * sizeof *c);
            if (!c)
                return 0;
            p->chunks = c;
            p->cap_chunks = n;
        }
        if (!(p->chunks[p->n_chunks] = malloc((cap - p->cap) * sizeof(nv_office))))
            return 0;
        p->n_chunks++;
    }
    p->cap = cap;
    return 1;
}

/* Drops the offices from n on (their strings stay in the pool until the plan goes). */
static void plan_truncate(nv_plan *p, size_t n)
{
    if (p->n > n)
        p->n = n;
    id_reindex(p);
}

/* ---------------------------------------------------------------- small helpers */

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}



static const char *delim_name(char d)
{
    switch (d) {
    case ',': return "','";
    case ';': return "';'";
    case '\t': return "TAB";
    case '|': return "'|'";
    default: return "the delimiter";
    }
}

/* A growable string for lists in messages. Out of memory leaves it shorter, no worse. */
struct sbuf {
    char *s;
    size_t n, cap;
};

static void sbuf_add(struct sbuf *b, const char *t)
{
    size_t k = strlen(t);
    if (b->n + k + 1 > b->cap) {
        size_t cap = (b->n + k + 1) * 2;
        char *s = realloc(b->s, cap);
        if (!s)
            return;
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->n, t, k + 1);
    b->n += k;
}

/* ---------------------------------------------------------------- stage 4: header */

enum role { R_ID, R_NAME, R_TYPE, R_KOMMUNKOD, R_BASIS, R_LAT, R_LON, R_X, R_Y, R_TOWN, R_COUNT };

static const char *const role_aliases[R_COUNT][9] = {
    [R_ID] = {"office_id", "id", "kontor-id", "kontor_id", "kontorsid", "kontors-id", "arrangement_id", "location_id", NULL},
    [R_NAME] = {"name", "namn", "office_name", NULL},
    [R_TYPE] = {"type", "typ", NULL},
    [R_KOMMUNKOD] = {"kommunkod", "kommun_code", "kommunkod_stated", "municipality_code", "kommun", NULL},
    [R_BASIS] = {"basis", NULL},
    [R_LAT] = {"lat", "latitude", "latitud", NULL},
    [R_LON] = {"lon", "lng", "long", "longitude", "longitud", NULL},
    [R_X] = {"x", "easting", NULL},
    [R_Y] = {"y", "northing", NULL},
    [R_TOWN] = {"town", "ort", "tätort", "locality", "plats", NULL},
};

static const char *const role_what[R_COUNT] = {
    "office id", "name", "type", "kommunkod", "basis", "latitude", "longitude", "x", "y", "town"};

struct header {
    long line;
    size_t n;
    char **names;  /* as written (trimmed); copies: records are borrowed only for a moment */
    char **norm;   /* trimmed and lower-cased, for matching */
    int col[R_COUNT];
    int use_xy;
    int no_coordinates;  /* no coordinate columns: rows are placed by town or kommunkod */
};

static void header_free(struct header *h)
{
    for (size_t i = 0; h->norm && i < h->n; i++)
        free(h->norm[i]);
    for (size_t i = 0; h->names && i < h->n; i++)
        free(h->names[i]);
    free(h->norm);
    free(h->names);
}

static char *column_list(const struct header *h)
{
    struct sbuf b = {0};
    for (size_t i = 0; i < h->n; i++) {
        if (i)
            sbuf_add(&b, ", ");
        sbuf_add(&b, h->names[i][0] ? h->names[i] : "(empty)");
    }
    if (!b.s)
        sbuf_add(&b, "");
    return b.s;
}

static int find_column(const struct header *h, const char *name)
{
    char *want = strdup(name);
    if (!want)
        return -2;
    nv_text_trim(want);
    nv_text_lower_utf8(want);
    int found = -1;
    for (size_t i = 0; i < h->n && found < 0; i++)
        if (strcmp(h->norm[i], want) == 0)
            found = (int)i;
    free(want);
    return found;
}

static nv_status read_header(struct header *h, const nv_record *rec, const nv_offices_options *opts,
                             const char *path, nv_diags *diags, nv_error *err)
{
    h->line = rec->line;
    h->n = rec->nf;
    h->names = calloc(h->n ? h->n : 1, sizeof *h->names);
    h->norm = calloc(h->n ? h->n : 1, sizeof *h->norm);
    if (!h->norm || !h->names)
        return nv_error_set(err, NV_ERR_FAIL, path, h->line, "out of memory reading the header");
    for (size_t i = 0; i < h->n; i++) {
        h->names[i] = strdup(rec->f[i]);
        h->norm[i] = h->names[i] ? strdup(h->names[i]) : NULL;
        if (!h->norm[i])
            return nv_error_set(err, NV_ERR_FAIL, path, h->line, "out of memory reading the header");
        nv_text_lower_utf8(h->norm[i]);
    }
    for (size_t i = 0; i < h->n; i++)
        for (size_t j = i + 1; j < h->n; j++)
            if (h->norm[i][0] && strcmp(h->norm[i], h->norm[j]) == 0)
                return nv_error_set(err, NV_ERR_INPUT, path, h->line,
                                    "the header names column \"%s\" twice (columns %zu and %zu); "
                                    "rename or remove one of them",
                                    h->names[i], i + 1, j + 1);

    /* Each role takes the column whose name comes first in its alias list; a second
     * column for the same role is ignored, with a warning. */
    int rank[R_COUNT];
    for (int r = 0; r < R_COUNT; r++)
        h->col[r] = -1, rank[r] = 0;
    for (size_t c = 0; c < h->n; c++)
        for (int r = 0; r < R_COUNT; r++)
            for (int a = 0; role_aliases[r][a]; a++) {
                if (strcmp(h->norm[c], role_aliases[r][a]) != 0)
                    continue;
                if (h->col[r] >= 0) {
                    int keep = a < rank[r] ? (int)c : h->col[r], drop = a < rank[r] ? h->col[r] : (int)c;
                    nv_diags_add(diags, NV_WARNING, path, h->line,
                                 "column \"%s\" is ignored: column \"%s\" already gives the %s "
                                 "(rename one if that is the wrong choice)",
                                 h->names[drop], h->names[keep], role_what[r]);
                    if (keep != (int)c)
                        break;
                }
                h->col[r] = (int)c;
                rank[r] = a;
            }

    struct { const char *name; const char *option; int role; } over[] = {
        {opts->id_column, "--id-column", R_ID},
        {opts->lat_column, "--lat", R_LAT},
        {opts->lon_column, "--lon", R_LON},
        {opts->town_column, "town_column", R_TOWN},
    };
    for (size_t k = 0; k < sizeof over / sizeof *over; k++) {
        if (!over[k].name)
            continue;
        int c = find_column(h, over[k].name);
        if (c == -2)
            return nv_error_set(err, NV_ERR_FAIL, path, h->line, "out of memory reading the header");
        if (c < 0) {
            char *cols = column_list(h);
            nv_status st = nv_error_set(err, NV_ERR_INPUT, path, h->line,
                                        "has no column \"%s\" (asked for as the %s column by %s); "
                                        "the columns are: %s",
                                        over[k].name, role_what[over[k].role], over[k].option,
                                        cols ? cols : "?");
            free(cols);
            return st;
        }
        h->col[over[k].role] = c;
    }

    int lat = h->col[R_LAT] >= 0, lon = h->col[R_LON] >= 0;
    int x = h->col[R_X] >= 0, y = h->col[R_Y] >= 0;
    if (lat && lon) {
        h->use_xy = 0;
        if (x || y)
            nv_diags_add(diags, NV_WARNING, path, h->line,
                         "columns \"%s\" and \"%s\" give latitude and longitude, so the x/y "
                         "columns are ignored",
                         h->names[h->col[R_LAT]], h->names[h->col[R_LON]]);
        return NV_OK;
    }
    if (lat != lon)
        return nv_error_set(err, NV_ERR_INPUT, path, h->line,
                            "has a %s column (\"%s\") but no %s column; name it %s (or pass %s)",
                            lat ? "latitude" : "longitude", h->names[h->col[lat ? R_LAT : R_LON]],
                            lat ? "longitude" : "latitude",
                            lat ? "lon, lng, long, longitude or longitud" : "lat, latitude or latitud",
                            lat ? "--lon" : "--lat");
    if (x && y) {
        h->use_xy = 1;
        return NV_OK;
    }
    if (!x && !y && (h->col[R_TOWN] >= 0 || h->col[R_KOMMUNKOD] >= 0)) {
        h->no_coordinates = 1; /* a list of towns or municipality codes, placed by the join */
        return NV_OK;
    }
    char *cols = column_list(h);
    nv_status st = nv_error_set(
        err, NV_ERR_INPUT, path, h->line,
        "has no coordinate columns (columns found: %s); name them lat and lon (also latitude/"
        "longitude, latitud/longitud, lng, long) for WGS 84 degrees, or x and y (also easting/"
        "northing) for projected metres, or choose them with --lat and --lon, or give "
        "a town column (town, ort, tätort, locality, plats) or a kommunkod column to place rows "
        "without coordinates%s",
        cols ? cols : "?",
        h->n == 1 ? " (the header is one column: if the delimiter is not ',' ';' or TAB, give it "
                    "with --delimiter)"
                  : "");
    free(cols);
    return st;
}

/* ---------------------------------------------------------------- stage 5: rows */

struct proj_log {
    char last[512];
};

static void proj_log_keep(void *data, int level, const char *msg)
{
    struct proj_log *log = data;
    if (level <= PJ_LOG_ERROR && msg)
        snprintf(log->last, sizeof log->last, "%s", msg);
}

static void proj_log_quiet(void *data, int level, const char *msg)
{
    (void)data, (void)level, (void)msg;
}

struct reader {
    const char *path;       /* as given, for messages */
    const char *source;     /* the plan's copy, for offices */
    nv_diags *diags;
    char delimiter;
    PJ *to_analysis;        /* lon/lat (or x/y) -> analysis CRS, x = easting */
    const char *analysis_crs;
    PJ_CONTEXT *ctx;
    struct proj_log *log;
    const struct header *h;
    nv_strpool *pool;       /* the plan's */
};

static void row_problem(const struct reader *rd, nv_office *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void row_problem(const struct reader *rd, nv_office *o, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    o->valid = 0;
    if (!msg)
        return;
    nv_diags_add(rd->diags, NV_PROBLEM, rd->path, o->line, "%s", msg);
    if (!o->problem)
        o->problem = nv_strpool_copy(rd->pool, msg, strlen(msg)); /* NULL when out of memory: no note */
    free(msg);
}


static int row_number(const struct reader *rd, nv_office *o, const nv_record *r, int role, double *v)
{
    const char *col = rd->h->names[rd->h->col[role]];
    const char *text = r->f[rd->h->col[role]];
    int degrees = role == R_LAT || role == R_LON;
    if (!text[0]) {
        row_problem(rd, o, "empty %s (column \"%s\"); every office needs both coordinates, "
                           "or neither and a town or kommunkod; fill it in or remove the row",
                    role_what[role], col);
        return 0;
    }
    if (!nv_text_parse_number(text, strlen(text), v)) {
        row_problem(rd, o, "%s \"%s\" (column \"%s\") is not a number; write %s", role_what[role],
                    text, col,
                    degrees ? "decimal degrees such as 59.3293 (or 59,3293)"
                            : "metres such as 674571.9 (or 674571,9), without thousands separators");
        return 0;
    }
    return 1;
}

/* 1 when the row leaves both coordinate cells empty. */
static int no_coordinates(const struct header *h, const nv_record *r)
{
    if (h->no_coordinates)
        return 1;
    int c1 = h->col[h->use_xy ? R_X : R_LAT], c2 = h->col[h->use_xy ? R_Y : R_LON];
    return (size_t)c1 < r->nf && (size_t)c2 < r->nf && !r->f[c1][0] && !r->f[c2][0];
}

static void row_coordinates(const struct reader *rd, nv_office *o, const nv_record *r)
{
    const struct header *h = rd->h;
    double a, b;
    /* A row without coordinates but with a town or a kommunkod is placed by the join. */
    if (no_coordinates(h, r) && (o->town[0] || o->kommunkod[0])) {
        o->located = 0;
        return;
    }
    if (h->no_coordinates) {
        row_problem(rd, o, "neither a town nor a kommunkod; give one of them (the plan has no coordinate columns)");
        return;
    }
    o->located = 1;
    if (!h->use_xy) {
        int ok_lat = row_number(rd, o, r, R_LAT, &o->lat_deg);
        int ok_lon = row_number(rd, o, r, R_LON, &o->lon_deg);
        if (ok_lat && !(o->lat_deg >= -90 && o->lat_deg <= 90)) {
            row_problem(rd, o, "latitude %s (column \"%s\") is outside -90..90; are lat and lon "
                               "swapped, or are these projected metres (name such columns x and y)?",
                        r->f[h->col[R_LAT]], h->names[h->col[R_LAT]]);
            ok_lat = 0;
        }
        if (ok_lon && !(o->lon_deg >= -180 && o->lon_deg <= 180)) {
            row_problem(rd, o, "longitude %s (column \"%s\") is outside -180..180; are lat and lon "
                               "swapped, or are these projected metres (name such columns x and y)?",
                        r->f[h->col[R_LON]], h->names[h->col[R_LON]]);
            ok_lon = 0;
        }
        if (!ok_lat || !ok_lon)
            return;
        a = o->lon_deg; /* normalized for visualization: x = longitude */
        b = o->lat_deg;
    } else {
        int ok_x = row_number(rd, o, r, R_X, &a);
        int ok_y = row_number(rd, o, r, R_Y, &b);
        if (!ok_x || !ok_y)
            return;
        o->x_given = a;
        o->y_given = b;
    }
    rd->log->last[0] = '\0';
    proj_errno_reset(rd->to_analysis);
    PJ_COORD c = proj_trans(rd->to_analysis, PJ_FWD, proj_coord(a, b, 0, 0));
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) {
        int e = proj_errno(rd->to_analysis);
    const char *why = rd->log->last[0] ? rd->log->last
                      : e              ? proj_context_errno_string(rd->ctx, e)
                                       : "no result";
        row_problem(rd, o, "cannot transform %s %s, %s to %s: %s; check the coordinates",
                    h->use_xy ? "x, y" : "latitude, longitude",
                    r->f[h->col[h->use_xy ? R_X : R_LAT]], r->f[h->col[h->use_xy ? R_Y : R_LON]],
                    rd->analysis_crs, why);
        return;
    }
    o->x = c.xy.x;
    o->y = c.xy.y;
}

/* Column col of r (borrowed), "" when the plan or the row lacks it. */
static const char *cell(const nv_record *r, int col)
{
    return col >= 0 && (size_t)col < r->nf ? r->f[col] : "";
}

static char *normalize_type(const char *t)
{
    char *s = strdup(t);
    if (!s)
        return NULL;
    nv_text_lower_utf8(s);
    /* collapse runs of white space, so "Bokade  besök" still matches */
    size_t o = 0;
    for (size_t i = 0; s[i]; i++) {
        if (is_ws((unsigned char)s[i])) {
            if (o && s[o - 1] == ' ')
                continue;
            s[o++] = ' ';
        } else {
            s[o++] = s[i];
        }
    }
    s[o] = '\0';
    const char *en = nv_tiers_canonical(s);
    if (en) {
        free(s);
        return strdup(en);
    }
    return s;
}

/* The plan's copy of the type word t as normalised (normalize_type): a plan of millions of
 * rows has a few distinct words, so the last 16 met are remembered. NULL: out of memory. */
static const char *plan_type(nv_plan *plan, const char *t)
{
    for (size_t i = 0; i < plan->n_types; i++)
        if (strcmp(plan->types[i].raw, t) == 0)
            return plan->types[i].type;
    char *norm = normalize_type(t);
    const char *type = norm ? nv_strpool_intern(plan->pool, norm, strlen(norm)) : NULL;
    const char *raw = type ? nv_strpool_intern(plan->pool, t, strlen(t)) : NULL;
    free(norm);
    if (raw && plan->n_types < sizeof plan->types / sizeof *plan->types)
        plan->types[plan->n_types++] = (struct type_word){raw, type};
    return raw ? type : NULL;
}

/* A blank row: every text empty, no coordinates, accounted for as "blank". */
static nv_status read_blank(nv_plan *plan, const struct reader *rd, long line)
{
    nv_office o;
    memset(&o, 0, sizeof o);
    o.source = rd->source;
    o.line = line;
    o.lat_deg = o.lon_deg = o.x = o.y = o.x_given = o.y_given = NAN;
    o.valid = 1;
    o.blank = 1;
    o.id = o.name = o.type = o.kommunkod = o.town = o.basis = "";
    if (!plan_reserve(plan))
        return NV_ERR_FAIL;
    plan->id_given[plan->n] = 0;
    *row_at(plan, plan->n++) = o;
    return NV_OK;
}

/* Appends one data row to the plan; *problem is set when the row has a problem. Its
 * strings go into the plan's pool: the ones that repeat from row to row (type,
 * kommunkod, town, basis) once for all rows. */
static nv_status read_row(nv_plan *plan, const struct reader *rd, const nv_record *r, int *problem)
{
    const struct header *h = rd->h;
    nv_strpool *pool = plan->pool;
    nv_office o;
    memset(&o, 0, sizeof o);
    o.source = rd->source;
    o.line = r->line;
    o.lat_deg = o.lon_deg = o.x = o.y = o.x_given = o.y_given = NAN;
    o.valid = 1;
    int id_given = 0, shape_ok = 1;

    if (r->nf < h->n) {
        row_problem(rd, &o, "line %ld has %zu field%s, the header has %zu (a missing delimiter, or "
                            "fields run together by a stray quote?); give every row %zu fields, empty "
                            "ones included",
                    r->line, r->nf, r->nf == 1 ? "" : "s", h->n, h->n);
        shape_ok = 0;
    } else if (r->nf > h->n) {
        int extra = 0; /* trailing empty cells are a spreadsheet habit, not a problem */
        for (size_t i = h->n; i < r->nf; i++)
            extra |= r->f[i][0] != '\0';
        if (extra) {
            row_problem(rd, &o, "line %ld has %zu fields, the header has %zu (an unquoted %s in a "
                                "name?); quote fields that contain %s",
                        r->line, r->nf, h->n, delim_name(rd->delimiter), delim_name(rd->delimiter));
            shape_ok = 0;
        }
    }

    const char *id = h->col[R_ID] >= 0 ? cell(r, h->col[R_ID]) : NULL;
    uint64_t id_hash = 0;
    if (id && id[0]) {
        id_given = 1;
        o.id = nv_strpool_copy(pool, id, strlen(id));
        id_hash = str_hash(id);
        id_prefetch(plan, id_hash);
    } else {
        if (id && shape_ok)
            row_problem(rd, &o, "empty office id (column \"%s\"); give every office a unique id",
                        h->names[h->col[R_ID]]);
        char buf[32];
        int len = snprintf(buf, sizeof buf, "line-%ld", r->line);
        o.id = nv_strpool_copy(pool, buf, (size_t)len);
    }
    const char *name = cell(r, h->col[R_NAME]), *basis = cell(r, h->col[R_BASIS]);
    const char *kommunkod = cell(r, h->col[R_KOMMUNKOD]), *town = cell(r, h->col[R_TOWN]);
    o.name = nv_strpool_copy(pool, name, strlen(name));
    o.basis = nv_strpool_intern(pool, basis, strlen(basis));
    if (h->col[R_TYPE] < 0) {
        o.type = "staffed";
    } else {
        o.type = plan_type(plan, cell(r, h->col[R_TYPE]));
        if (o.type && !o.type[0] && shape_ok)
            row_problem(rd, &o, "empty type (column \"%s\"); write staffed, booked (bemannad, bokade "
                                "besök) or another word for the kind of presence",
                        h->names[h->col[R_TYPE]]);
    }
    /* Swedish Excel turns 0114 into 114; every kommunkod has four digits. */
    char code4[5];
    if (strlen(kommunkod) == 3 && is_digit(kommunkod[0]) && is_digit(kommunkod[1]) && is_digit(kommunkod[2])) {
        code4[0] = '0';
        memcpy(code4 + 1, kommunkod, 4);
        kommunkod = code4;
    }
    /* A column headed "kommun" may hold names rather than codes: a name is read as the
     * row's town (so "Ydre" or "Ydre kommun" is looked up), never as a bad code. */
    if (kommunkod[0] && strspn(kommunkod, "0123456789") != strlen(kommunkod) &&
        nv_text_ieq(h->names[h->col[R_KOMMUNKOD]], "kommun")) {
        if (!town[0])
            town = kommunkod;
        kommunkod = "";
    }
    o.kommunkod = nv_strpool_intern(pool, kommunkod, strlen(kommunkod));
    o.town = nv_strpool_intern(pool, town, strlen(town));
    if (!o.id || !o.name || !o.kommunkod || !o.town || !o.basis || !o.type)
        return NV_ERR_FAIL;
    if (shape_ok && o.kommunkod[0] && (strlen(o.kommunkod) != 4 || strspn(o.kommunkod, "0123456789") != 4)) {
        row_problem(rd, &o, "kommunkod \"%s\" (column \"%s\") is not a 4-digit municipality code such as "
                            "0180; correct it or leave it empty",
                    o.kommunkod, h->names[h->col[R_KOMMUNKOD]]);
        shape_ok = 0;
    }

    if (shape_ok)
        row_coordinates(rd, &o, r);

    if (id_given) {
        size_t first = id_find(plan, o.id, id_hash);
        if (first != SIZE_MAX) {
            row_problem(rd, &o, "duplicate office id %s (first seen at %s:%ld); ids must be unique",
                        o.id, row_at(plan, first)->source, (long)row_at(plan, first)->line);
            id_given = 0; /* the first one keeps the id */
        }
    }
    if (!o.valid)
        o.x = o.y = NAN;

    if (!plan_reserve(plan))
        return NV_ERR_FAIL;
    size_t k = plan->n;
    *row_at(plan, k) = o;
    plan->id_given[k] = 0;
    plan->n++;
    if (id_given) {
        if (!id_insert(plan, k, id_hash))
            return NV_ERR_FAIL;
        plan->id_given[k] = 1;
    }
    *problem = !o.valid;
    return NV_OK;
}

static PJ *make_transform(PJ_CONTEXT *ctx, const char *from, const char *to)
{
    PJ *p = proj_create_crs_to_crs(ctx, from, to, NULL);
    if (!p)
        return NULL;
    PJ *norm = proj_normalize_for_visualization(ctx, p);
    proj_destroy(p);
    return norm;
}

static int add_source(nv_plan *plan, const char *path, const char *from, const char *to, int use_xy)
{
    if (plan->n_sources == plan->cap_sources) {
        size_t cap = plan->cap_sources ? plan->cap_sources * 2 : 8;
        char **s = realloc(plan->sources, cap * sizeof *s);
        if (!s)
            return 0;
        plan->sources = s;
        struct source_crs *c = realloc(plan->source_crs, cap * sizeof *c);
        if (!c)
            return 0;
        plan->source_crs = c;
        plan->cap_sources = cap;
    }
    char *copy = strdup(path), *f = strdup(from), *t = strdup(to);
    if (!copy || !f || !t) {
        free(copy);
        free(f);
        free(t);
        return 0;
    }
    plan->source_crs[plan->n_sources] = (struct source_crs){.from = f, .to = t, .use_xy = use_xy};
    plan->sources[plan->n_sources++] = copy;
    return 1;
}

enum { CACHE_SLOTS = 4 };

struct nv_offices_cache {
    PJ_CONTEXT *ctx;
    struct {
        char *from, *to;
        PJ *op;
    } slot[CACHE_SLOTS];
    size_t used, next;
};

nv_offices_cache *nv_offices_cache_create(void)
{
    nv_offices_cache *c = calloc(1, sizeof *c);
    if (c && !(c->ctx = proj_context_create())) {
        free(c);
        return NULL;
    }
    return c;
}

void nv_offices_cache_destroy(nv_offices_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->used; i++) {
        free(c->slot[i].from);
        free(c->slot[i].to);
        proj_destroy(c->slot[i].op);
    }
    proj_context_destroy(c->ctx);
    free(c);
}

/* The cached operation from -> to, made on first use; NULL if PROJ cannot make it. */
static PJ *cached_transform(nv_offices_cache *c, const char *from, const char *to)
{
    for (size_t i = 0; i < c->used; i++)
        if (strcmp(c->slot[i].from, from) == 0 && strcmp(c->slot[i].to, to) == 0)
            return c->slot[i].op;
    PJ *op = make_transform(c->ctx, from, to);
    char *f = strdup(from), *t = strdup(to);
    if (!op || !f || !t) {
        proj_destroy(op);
        free(f);
        free(t);
        return NULL;
    }
    size_t k = c->used < CACHE_SLOTS ? c->used++ : c->next++ % CACHE_SLOTS;
    if (c->slot[k].op) {
        free(c->slot[k].from);
        free(c->slot[k].to);
        proj_destroy(c->slot[k].op);
    }
    c->slot[k].from = f, c->slot[k].to = t, c->slot[k].op = op;
    return op;
}

/* nv_plan_read's state while the records stream by: the header first, then one row per
 * record. Blank lines are held back until a later record shows that they lie inside the
 * data, not among the empty lines an editor leaves at the end. */
struct stream {
    nv_plan *plan;
    const nv_offices_options *opts;
    const char *where;        /* the file as messages name it */
    const char *analysis_crs;
    nv_diags *diags;
    nv_error *err;
    nv_status st;             /* why the stream stopped */
    struct header h;
    int have_header;
    size_t start_n, start_sources; /* the plan before this file, to roll back to */
    struct reader rd;
    int rd_ready;             /* rd's source and transformation are set up */
    PJ_CONTEXT *ctx;
    PJ *to_analysis;
    struct proj_log log;
    long *pending;            /* blank lines (no cells) not yet known to be inside the data */
    size_t n_pending, cap_pending;
    size_t data_rows, bad_rows, blank_rows;
    size_t rows_counted;      /* the file's rows as the bound counted them (0: not counted) */
};

/* Sets up what rows need (the source, the transformation): at the first row after the
 * header, so that a file of only a header is told so before anything about its CRS. */
static nv_status stream_ready(struct stream *s)
{
    const nv_offices_options *opts = s->opts;
    struct header *h = &s->h;
    if (s->rd_ready)
        return NV_OK;
    s->ctx = opts->cache ? opts->cache->ctx : proj_context_create();
    if (!s->ctx)
        return nv_error_set(s->err, NV_ERR_FAIL, s->where, 0, "out of memory (PROJ context)");
    proj_log_level(s->ctx, PJ_LOG_ERROR);
    proj_log_func(s->ctx, &s->log, proj_log_keep);
    const char *from = h->use_xy ? (opts->xy_crs ? opts->xy_crs : s->analysis_crs) : "EPSG:4326";
    s->to_analysis = opts->cache ? cached_transform(opts->cache, from, s->analysis_crs)
                                 : make_transform(s->ctx, from, s->analysis_crs);
    if (!s->to_analysis) {
        int e = proj_context_errno(s->ctx);
        return nv_error_set(s->err, NV_ERR_INPUT, s->where, 0,
                            "cannot transform from %s to %s: %s; give %s as a CRS PROJ knows, such as "
                            "EPSG:3006",
                            from, s->analysis_crs,
                            s->log.last[0] ? s->log.last : e ? proj_context_errno_string(s->ctx, e) : "unknown CRS",
                            h->use_xy && opts->xy_crs ? "the x/y CRS" : "the analysis CRS");
    }
    if (!add_source(s->plan, opts->source_label ? opts->source_label : s->where, from, s->analysis_crs, h->use_xy))
        return nv_error_set(s->err, NV_ERR_FAIL, s->where, 0, "out of memory");
    /* A large file's rows were counted: room for all their ids at once, rather than the
     * id set rebuilt at every doubling (a random write a row each time). The rows
     * themselves go into blocks (plan_reserve): nothing is copied as they grow. */
    if (s->rows_counted && h->col[R_ID] >= 0 && !id_reserve(s->plan, s->plan->n_ids + s->rows_counted))
        return nv_error_set(s->err, NV_ERR_FAIL, s->where, 0, "out of memory");
    s->rd = (struct reader){
        .path = s->where,
        .source = s->plan->sources[s->plan->n_sources - 1],
        .diags = s->diags,
        .delimiter = s->plan->delimiter,
        .to_analysis = s->to_analysis,
        .ctx = s->ctx,
        .analysis_crs = s->analysis_crs,
        .log = &s->log,
        .h = h,
        .pool = s->plan->pool,
    };
    s->rd_ready = 1;
    return NV_OK;
}

static int stream_record(const nv_record *r, void *user)
{
    struct stream *s = user;
    if (!s->have_header) {
        /* The header is the first line with something in it: blank lines before it are
         * no data lines. */
        if (r->blank)
            return 0;
        s->st = read_header(&s->h, r, s->opts, s->where, s->diags, s->err);
        s->have_header = 1;
        return s->st != NV_OK;
    }
    if (r->blank && r->nf == 0) {
        if (s->n_pending == s->cap_pending) {
            size_t cap = s->cap_pending ? s->cap_pending * 2 : 16;
            long *p = realloc(s->pending, cap * sizeof *p);
            if (!p) {
                s->st = nv_error_set(s->err, NV_ERR_FAIL, s->where, r->line, "out of memory reading the plan");
                return 1;
            }
            s->pending = p;
            s->cap_pending = cap;
        }
        s->pending[s->n_pending++] = r->line;
        return 0;
    }
    if ((s->st = stream_ready(s)) != NV_OK)
        return 1;
    /* Every blank line and every row of empty cells (",,,," where Excel had formatted
     * cells, at the end too) before this record is a blank row. */
    for (size_t i = 0; i < s->n_pending; i++)
        if (read_blank(s->plan, &s->rd, s->pending[i]) != NV_OK)
            goto oom;
    s->blank_rows += s->n_pending;
    s->n_pending = 0;
    if (r->blank) {
        s->blank_rows++;
        if (read_blank(s->plan, &s->rd, r->line) != NV_OK)
            goto oom;
        return 0;
    }
    int problem = 0;
    s->data_rows++;
    if (read_row(s->plan, &s->rd, r, &problem) != NV_OK)
        goto oom;
    s->bad_rows += problem != 0;
    return 0;
oom:
    s->st = nv_error_set(s->err, NV_ERR_FAIL, s->where, r->line, "out of memory reading the plan");
    return 1;
}

nv_status nv_plan_read(nv_plan *plan, const char *path, const nv_offices_options *opts,
                       nv_diags *diags, nv_error *err)
{
    static const nv_offices_options defaults;
    nv_status st = NV_OK;
    char *raw = NULL, *text = NULL;
    size_t raw_len = 0, text_len = 0;
    struct stream sm;
    nv_text_encoding enc = NV_TEXT_DETECT;
    nv_plantext_scan scan;
    int streamed = 0, changed = 0;

    memset(&sm, 0, sizeof sm);
    if (!plan || !path)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "nv_plan_read: no plan or no path");
    if (plan->dropping)
        return nv_error_set(err, NV_ERR_FAIL, path, 0,
                            "nv_plan_read: the plan's rows are being dropped; read after nv_plan_drop_rows");
    if (!opts)
        opts = &defaults;
    const char *analysis_crs = opts->analysis_crs ? opts->analysis_crs : "EPSG:3006";
    if (opts->encoding && !nv_text_encoding_from_name(opts->encoding, &enc))
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "unknown encoding \"%s\"; use UTF-8 or CP1252 (also WINDOWS-1252, "
                            "LATIN1, ISO-8859-1)",
                            opts->encoding);
    if (opts->delimiter == '"' || opts->delimiter == '\n' || opts->delimiter == '\r')
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "a quote or a line break cannot be the delimiter; use ',', ';' or TAB");

    /* A workbook becomes text for the same reader: its first sheet, or opts->sheet, with the
     * sheet's rows as lines, so that messages say plan.xlsx:Blad1:17. */
    char where_buf[1400];
    const char *where = path;
    if (nv_sheets_is_workbook(path)) {
        char sheet[256];
        if ((st = nv_sheets_read_text(path, opts->sheet, &text, &text_len, sheet, sizeof sheet, err)) != NV_OK)
            goto done;
        snprintf(where_buf, sizeof where_buf, "%s:%s", path, sheet);
        where = where_buf;
        snprintf(plan->encoding, sizeof plan->encoding, "workbook");
        plan->delimiter = ';';
    } else {
        if ((st = nv_plantext_check_bound(path, plan->n, opts->max_rows, opts->bytes_per_row, &sm.rows_counted,
                                          &scan, err)) != NV_OK)
            goto done;
        /* A large plan of plain UTF-8, as the count found it, is split as it is read
         * again, never held whole: its text would be the largest thing at the read's peak
         * (143 MB at 2,000,000 rows). Anything else is decoded whole. */
        streamed = scan.utf8 && enc != NV_TEXT_CP1252;
        if (streamed) {
            snprintf(plan->encoding, sizeof plan->encoding, "%s", scan.bom ? "UTF-8 with BOM" : "UTF-8");
            plan->delimiter = opts->delimiter ? opts->delimiter : scan.delimiter;
        } else {
            if ((st = nv_plantext_read_bytes(path, &raw, &raw_len, err)) != NV_OK)
                goto done;
            if (nv_sheets_looks_like_workbook(raw, raw_len)) {
                st = nv_error_set(err, NV_ERR_INPUT, path, 0,
                                  "is a workbook (Excel .xlsx/.xls or OpenDocument .ods), not a CSV file: give "
                                  "it its real extension (e.g. rename it to .xlsx) and narvaro reads its first "
                                  "sheet, or save it as CSV");
                goto done;
            }
            if ((st = nv_plantext_decode(&raw, raw_len, enc, &text, &text_len, plan->encoding,
                                         sizeof plan->encoding, path, diags, err)) != NV_OK)
                goto done;
            plan->delimiter = opts->delimiter ? opts->delimiter : nv_text_detect_delimiter(text, text_len);
        }
    }
    if (opts->sheet && where == path) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "--sheet %s: is no workbook (.xlsx, .xls or .ods)", opts->sheet);
        goto done;
    }
    sm.plan = plan;
    sm.opts = opts;
    sm.where = where;
    sm.analysis_crs = analysis_crs;
    sm.diags = diags;
    sm.err = err;
    sm.start_n = plan->n;
    sm.start_sources = plan->n_sources;
    st = streamed ? nv_plantext_split_file(path, &scan, plan->delimiter, stream_record, &sm, &changed, err)
                  : nv_plantext_split(text, text_len, plan->delimiter, stream_record, &sm, where, err);
    if (st != NV_OK)
        goto done;
    if ((st = sm.st) != NV_OK)
        goto done;
    if (!sm.have_header) {
        st = nv_error_set(err, NV_ERR_INPUT, where, 0,
                          "has no data rows (the file is empty); a plan needs a header line and one "
                          "row per office");
        goto done;
    }
    if (sm.data_rows == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, where, 0,
                          "has no data rows, only the header (line %ld)%s; add one row per office",
                          sm.h.line, sm.blank_rows ? " and blank lines" : "");
        goto done;
    }
    if (sm.bad_rows)
        st = nv_error_set(err, NV_ERR_INPUT, where, 0, "%zu row%s of %s ha%s problems; see above",
                          sm.bad_rows, sm.bad_rows == 1 ? "" : "s", where, sm.bad_rows == 1 ? "s" : "ve");

done:
    /* A file that fails as a whole (not by its rows) leaves the plan as it was. */
    if (st != NV_OK && (st == NV_ERR_FAIL || sm.data_rows == 0 || sm.st != NV_OK || changed) && sm.plan) {
        plan_truncate(plan, sm.start_n);
        while (plan->n_sources > sm.start_sources) {
            plan->n_sources--;
            free(plan->sources[plan->n_sources]);
            source_crs_free(&plan->source_crs[plan->n_sources]);
        }
    }
    if (opts && opts->cache) {
        if (sm.ctx) /* the log on our stack is gone after this call */
            proj_log_func(sm.ctx, NULL, proj_log_quiet);
    } else {
        proj_destroy(sm.to_analysis);
        proj_context_destroy(sm.ctx);
    }
    header_free(&sm.h);
    free(sm.pending);
    free(text);
    free(raw);
    return st;
}

/* ---------------------------------------------------------------- rows outside everything */

int nv_plan_swapped_xy(const nv_plan *plan, const nv_office *o, double *x, double *y)
{
    *x = *y = NAN;
    if (!o->valid || !o->located || o->blank || !(fabs(o->lon_deg) <= 90))
        return 0;
    size_t k = 0;
    while (k < plan->n_sources && plan->sources[k] != o->source)
        k++;
    if (k == plan->n_sources || plan->source_crs[k].use_xy)
        return 0;
    /* Only rows outside every municipality ask, so the transformation is made then, not
     * for every file read; the plan is const to its readers, the transformation a cache. */
    struct source_crs *sc = &plan->source_crs[k];
    if (!sc->swap_tried) {
        sc->swap_tried = 1;
        if ((sc->swap_ctx = proj_context_create()) != NULL) {
            proj_log_func(sc->swap_ctx, NULL, proj_log_quiet);
            sc->swap_op = make_transform(sc->swap_ctx, sc->from, sc->to);
        }
    }
    if (!sc->swap_op)
        return 0;
    PJ_COORD c = proj_trans(sc->swap_op, PJ_FWD, proj_coord(o->lat_deg, o->lon_deg, 0, 0));
    if (!isfinite(c.xy.x) || !isfinite(c.xy.y))
        return 0;
    *x = c.xy.x;
    *y = c.xy.y;
    return 1;
}

/* One way coordinates are commonly misread, tried by nv_plan_explain_outside. */
struct misreading {
    const char *what;   /* "read as RT 90 (EPSG:3021)" */
    const char *fix;    /* what to do */
    const char *from;   /* CRS the values are then in; NULL: the file's own */
    int swap;           /* x and y exchanged */
    double scale;       /* values multiplied by this */
    int degrees;        /* only for values that can be degrees */
};

static const struct misreading MISREADINGS[] = {
    {"with x and y exchanged", "exchange the x and y columns (x is the easting, y the northing)", NULL, 1, 1, 0},
    {"as RT 90 2.5 gon V (EPSG:3021)", "give --offices-crs EPSG:3021", "EPSG:3021", 0, 1, 0},
    {"as RT 90 2.5 gon V (EPSG:3021) with x the northing, as RT 90 writes it",
     "give --offices-crs EPSG:3021 and exchange the x and y columns", "EPSG:3021", 1, 1, 0},
    {"as SWEREF 99 TM (EPSG:3006)", "give --offices-crs EPSG:3006", "EPSG:3006", 0, 1, 0},
    {"as degrees (x the longitude, y the latitude)", "name the columns lon and lat (degrees, WGS 84)",
     "EPSG:4326", 0, 1, 1},
    {"as degrees with x the latitude", "name the columns lat and lon (x holds the latitude)", "EPSG:4326", 1, 1, 1},
    {"times 1000 (thousands separators such as 674,032 read as decimal commas)",
     "write the numbers without thousands separators (674032, not 674,032)", NULL, 0, 1000, 0},
};

void nv_plan_explain_outside(const nv_plan *plan, const char *source, int (*inside)(double x, double y, void *user),
                             void *user, char *buf, size_t size)
{
    enum { SAMPLE = 200 };
    size_t k = 0, rows[SAMPLE], n = 0;
    buf[0] = '\0';
    while (k < plan->n_sources && plan->sources[k] != source && strcmp(plan->sources[k], source) != 0)
        k++;
    if (k == plan->n_sources)
        return;
    const struct source_crs *sc = &plan->source_crs[k];
    for (size_t i = 0; i < plan->n && n < SAMPLE; i++) {
        const nv_office *o = nv_plan_office(plan, i);
        if (o && o->valid && o->located && !o->blank && (o->source == source || strcmp(o->source, source) == 0))
            rows[n++] = i;
    }
    if (n == 0)
        return;
    const nv_office *first = row_at(plan, rows[0]);
    PJ_CONTEXT *ctx = proj_context_create();
    if (!ctx)
        return;
    proj_log_func(ctx, NULL, proj_log_quiet);
    size_t used = 0;
#define ADD(...) (used += (size_t)snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__), \
                  used = used < size ? used : size - 1)
    if (!sc->use_xy) {
        ADD("line %ld: lat %.6f, lon %.6f; do these coordinates belong to these boundaries?", (long)first->line,
            first->lat_deg, first->lon_deg);
        proj_context_destroy(ctx);
        return;
    }
    ADD("line %ld: x %.2f, y %.2f in %s", (long)first->line, first->x_given, first->y_given, sc->from);
    /* Outside the area of use of its CRS? */
    PJ *crs = proj_create(ctx, sc->from);
    double w, s, e, nn;
    const char *area = NULL;
    if (crs && proj_get_area_of_use(ctx, crs, &w, &s, &e, &nn, &area) && w > -1000) {
        PJ *raw = proj_create_crs_to_crs(ctx, sc->from, "EPSG:4326", NULL);
        PJ *to_geo = raw ? proj_normalize_for_visualization(ctx, raw) : NULL;
        PJ_COORD g = to_geo ? proj_trans(to_geo, PJ_FWD, proj_coord(first->x_given, first->y_given, 0, 0))
                            : proj_coord(HUGE_VAL, HUGE_VAL, 0, 0);
        int in_area = isfinite(g.xy.x) && isfinite(g.xy.y) && g.xy.y >= s && g.xy.y <= nn &&
                      (w <= e ? g.xy.x >= w && g.xy.x <= e : g.xy.x >= w || g.xy.x <= e);
        if (!in_area) {
            char name[256];
            snprintf(name, sizeof name, "%s", area ? area : "?");
            size_t len = strlen(name);
            while (len && name[len - 1] == '.') /* "Sweden - onshore and offshore." */
                name[--len] = '\0';
            ADD(", outside its area of use (%s: %.2f..%.2f E, %.2f..%.2f N)", name, w, e, s, nn);
        }
        proj_destroy(to_geo);
        proj_destroy(raw);
    }
    proj_destroy(crs);
    /* Which misreading puts most of them inside? */
    size_t best = SIZE_MAX, best_hits = 0;
    for (size_t m = 0; m < sizeof MISREADINGS / sizeof *MISREADINGS; m++) {
        const struct misreading *mr = &MISREADINGS[m];
        const char *from = mr->from ? mr->from : sc->from;
        if (mr->from && strcmp(mr->from, sc->from) == 0 && !mr->swap)
            continue; /* that is how they were read */
        PJ *raw = proj_create_crs_to_crs(ctx, from, sc->to, NULL);
        PJ *op = raw ? proj_normalize_for_visualization(ctx, raw) : NULL;
        proj_destroy(raw);
        if (!op)
            continue;
        size_t hits = 0;
        for (size_t i = 0; i < n; i++) {
            const nv_office *o = row_at(plan, rows[i]);
            double a = o->x_given * mr->scale, b = o->y_given * mr->scale;
            if (mr->swap) {
                double t = a;
                a = b, b = t;
            }
            if (mr->degrees && !(fabs(a) <= 180 && fabs(b) <= 90))
                continue;
            PJ_COORD c = proj_trans(op, PJ_FWD, proj_coord(a, b, 0, 0));
            hits += isfinite(c.xy.x) && isfinite(c.xy.y) && inside(c.xy.x, c.xy.y, user);
        }
        proj_destroy(op);
        if (hits > best_hits)
            best = m, best_hits = hits;
    }
    proj_context_destroy(ctx);
    if (best != SIZE_MAX && 2 * best_hits >= n)
        ADD(". Read %s, %zu of the %zu rows tried lie in municipalities: %s", MISREADINGS[best].what, best_hits, n,
            MISREADINGS[best].fix);
    else
        ADD(". Check the coordinates: are x and y exchanged, do thousands separators (674,032 is read as 674.032) "
            "hide in them, are they RT 90 (--offices-crs EPSG:3021), or degrees given as x/y (name such columns "
            "lat and lon)?");
#undef ADD
}
