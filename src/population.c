#include "population.h"

#include "boundaries.h"
#include "csvbuf.h"
#include "textin.h"

#include <csv.h>
#include <proj.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK_BYTES (4u << 20)  /* fixed, so sums do not depend on the thread count */
#define BLOCK_BYTES (1u << 20)
#define BATCH 4096
#define MAX_PROBLEMS 20
#define MAX_THREADS 16

enum { C_X, C_Y, C_LAT, C_LON, C_POP, C_COUNT };

static const char *const ALIASES[C_COUNT][10] = {
    [C_X] = {"x", "easting", NULL},
    [C_Y] = {"y", "northing", NULL},
    [C_LAT] = {"lat", "latitude", "latitud", NULL},
    [C_LON] = {"lon", "lng", "long", "longitude", "longitud", NULL},
    [C_POP] = {"population", "pop", "befolkning", "folkmängd", "folkmangd", "invånare", "invanare",
               "antal", NULL},
};

/* ---------------------------------------------------------------- measuring */

/* Returns the area of the point (-1: outside every area; -2: far from every area, measured
 * for nothing). */
static inline long measure_point(const nv_demand_target *t, double x, double y, double pop,
                                 nv_demand_stats *stats)
{
    long a = nv_polyindex_locate(t->areas, x, y);
    if (a < 0 && isfinite(t->far_m)) {
        double d;
        if (nv_polyindex_nearest(t->areas, x, y, t->far_m, &d) < 0) {
            /* Far from everything: a typo, not a person to measure. */
            stats[t->n_areas + 1].points++;
            stats[t->n_areas + 1].population += pop;
            return -2;
        }
    }
    nv_demand_stats *s = &stats[a >= 0 ? (size_t)a : t->n_areas];
    s->points++;
    s->population += pop;
    if (!t->offices)
        return a;
    double d;
    nv_kdtree_nearest(t->offices, x, y, &d);
    for (size_t r = 0; r < t->n_radii; r++)
        if (d <= t->radii_m[r])
            s->within[r] += pop;
    s->dist_pop_m += pop * d;
    if (pop > 0 && d > s->max_dist_m)
        s->max_dist_m = d;
    return a;
}

void nv_population_measure_points(const double *xy, const double *pop, size_t n, const nv_demand_target *t,
                                  nv_demand_stats *stats)
{
    long *area = t->visit ? malloc((n ? n : 1) * sizeof *area) : NULL;
    for (size_t i = 0; i < n; i++) {
        long a = measure_point(t, xy[2 * i], xy[2 * i + 1], pop[i], stats);
        if (area)
            area[i] = a;
    }
    if (t->visit) {
        if (area) {
            t->visit(t->visit_user, 0, xy, pop, area, n);
        } else { /* out of memory for the batch: one point at a time */
            for (size_t i = 0; i < n; i++) {
                long a = nv_polyindex_locate(t->areas, xy[2 * i], xy[2 * i + 1]);
                t->visit(t->visit_user, 0, &xy[2 * i], &pop[i], &a, 1);
            }
        }
    }
    free(area);
}

static void add_stats(nv_demand_stats *into, const nv_demand_stats *from, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        into[i].population += from[i].population;
        for (size_t r = 0; r < NV_MAX_RADII; r++)
            into[i].within[r] += from[i].within[r];
        into[i].dist_pop_m += from[i].dist_pop_m;
        if (from[i].max_dist_m > into[i].max_dist_m)
            into[i].max_dist_m = from[i].max_dist_m;
        into[i].points += from[i].points;
    }
}

/* ---------------------------------------------------------------- the header */

typedef struct header {
    char delimiter;
    int bom;
    size_t n;          /* fields */
    char **names;      /* trimmed, lower-case UTF-8 */
    int col[C_COUNT];  /* -1: absent */
    int use_xy;
    long line;         /* line of the header */
    off_t data_start;  /* byte offset just after the header line */
} header;

static void header_free(header *h)
{
    for (size_t i = 0; h->names && i < h->n; i++)
        free(h->names[i]);
    free(h->names);
}

static void on_header_field(void *bytes, size_t len, void *data)
{
    header *h = data;
    char **names = realloc(h->names, (h->n + 1) * sizeof *names);
    if (!names)
        return;
    h->names = names;
    char *s = strndup(bytes ? bytes : "", bytes ? len : 0);
    if (s)
        nv_text_lower_utf8(nv_text_trim(s));
    h->names[h->n++] = s ? s : strdup("");
}

static int find_column(const header *h, const char *given, int role)
{
    if (given) {
        char *want = strdup(given);
        if (!want)
            return -1;
        nv_text_lower_utf8(nv_text_trim(want));
        for (size_t i = 0; i < h->n; i++)
            if (strcmp(h->names[i], want) == 0) {
                free(want);
                return (int)i;
            }
        free(want);
        return -1;
    }
    for (size_t k = 0; ALIASES[role][k]; k++)
        for (size_t i = 0; i < h->n; i++)
            if (strcmp(h->names[i], ALIASES[role][k]) == 0)
                return (int)i;
    return -1;
}

static void column_list(const header *h, char *buf, size_t size)
{
    buf[0] = 0;
    for (size_t i = 0; i < h->n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i ? ", " : "", h->names[i]);
    }
}

/* Reads the header line (blank lines before it are skipped): encoding, delimiter, names. */
static nv_status read_header(int fd, const char *path, const nv_population_options *opts, header *h,
                             nv_error *err)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    nv_status st = NV_OK;
    struct csv_parser p;
    int p_ok = 0;
    if (!buf)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
    /* Enough bytes to hold the first non-blank line. */
    for (;;) {
        ssize_t got = pread(fd, buf + n, cap - n, (off_t)n);
        if (got < 0) {
            st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot read: %s", strerror(errno));
            goto done;
        }
        n += (size_t)got;
        buf[n] = 0;
        size_t i = 0;
        while (i < n && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ' || buf[i] == '\t'))
            i++;
        if (memchr(buf + i, '\n', n - i) || got == 0)
            break;
        if (n == cap) {
            if (cap >= (16u << 20)) {
                st = nv_error_set(err, NV_ERR_INPUT, path, 1, "the header line is longer than 16 MB; is this a CSV file?");
                goto done;
            }
            char *bigger = realloc(buf, 2 * cap + 1);
            if (!bigger) {
                st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
                goto done;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    if (n == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "is empty; a population file needs a header and one row per point");
        goto done;
    }
    const unsigned char *u = (const unsigned char *)buf;
    h->bom = n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;
    size_t i = h->bom ? 3 : 0;
    h->line = 1;
    while (i < n && (buf[i] == '\n' || buf[i] == '\r' || buf[i] == ' ' || buf[i] == '\t')) {
        h->line += buf[i] == '\n';
        i++;
    }
    char *nl = memchr(buf + i, '\n', n - i);
    size_t end = nl ? (size_t)(nl - buf) + 1 : n;
    h->data_start = (off_t)end;
    size_t len = end - i;
    /* Header names may hold å, ä, ö: decode them like an office plan. */
    nv_text_encoding enc = NV_TEXT_DETECT;
    if (opts->encoding && !nv_text_encoding_from_name(opts->encoding, &enc)) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "unknown encoding \"%s\"; use UTF-8 or CP1252", opts->encoding);
        goto done;
    }
    if (enc == NV_TEXT_DETECT)
        enc = h->bom || nv_text_utf8_invalid_at(u + i, len) == len ? NV_TEXT_UTF8 : NV_TEXT_CP1252;
    char *text = NULL;
    size_t text_len = len;
    if (enc == NV_TEXT_CP1252) {
        text = nv_text_cp1252_to_utf8(u + i, len, &text_len);
    } else if ((text = malloc(len + 1)) != NULL) {
        /* Exactly len bytes: strndup would stop at a NUL byte in the header and leave the
         * parser reading past the copy (found by fuzz_population). */
        memcpy(text, buf + i, len);
        text[len] = '\0';
    }
    if (!text) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        goto done;
    }
    h->delimiter = opts->delimiter ? opts->delimiter : nv_text_detect_delimiter(text, text_len);
    if (csv_init(&p, 0) != 0) {
        free(text);
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory starting the CSV parser");
        goto done;
    }
    nv_csvbuf_attach(&p);
    p_ok = 1;
    csv_set_delim(&p, (unsigned char)h->delimiter);
    csv_parse(&p, text, text_len, on_header_field, NULL, h);
    csv_fini(&p, on_header_field, NULL, h);
    free(text);
done:
    if (p_ok)
        csv_free(&p);
    free(buf);
    return st;
}

/* ---------------------------------------------------------------- CSV chunks */

typedef struct problem {
    long line_rel;      /* 0-based line within the chunk */
    char msg[256];
} problem;

typedef struct chunk {
    off_t start, end;
    nv_demand_stats *stats;
    long newlines;      /* '\n' in the bytes the chunk processed */
    long n_problems;
    problem problems[MAX_PROBLEMS];
    int saw_quote;
    int failed;         /* an I/O or memory failure */
} chunk;

typedef struct shared {
    const char *path;
    int fd;
    off_t size;
    const header *h;
    const nv_demand_target *t;
    const char *from_crs, *to_crs;
    int transform;      /* 0: the points are in the analysis CRS already */
    chunk *chunks;
    size_t n_chunks;
    atomic_size_t next;
} shared;

/* One worker's state while it parses a chunk. */
typedef struct worker {
    shared *sh;
    chunk *c;
    PJ_CONTEXT *ctx;
    PJ *op;
    size_t field;       /* index of the field being parsed */
    double v[C_COUNT];
    unsigned char have[C_COUNT];
    int bad_number;     /* a field that should be a number is not */
    size_t bad_col;
    char bad_text[48];
    int all_empty;
    long line_rel;      /* line being fed */
    size_t n;           /* points in the batch */
    double *bx, *by, *bp;
    double *bxy;        /* for the visitor: the batch's points interleaved, and their areas */
    long *ba;
    char *block;
} worker;

static void chunk_problem(chunk *c, long line_rel, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void chunk_problem(chunk *c, long line_rel, const char *fmt, ...)
{
    if (c->n_problems < MAX_PROBLEMS) {
        problem *p = &c->problems[c->n_problems];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->msg, sizeof p->msg, fmt, ap);
        va_end(ap);
        p->line_rel = line_rel;
    }
    c->n_problems++;
}

static void flush_batch(worker *w)
{
    if (w->n == 0)
        return;
    if (w->op) {
        proj_trans_generic(w->op, PJ_FWD, w->bx, sizeof(double), w->n, w->by, sizeof(double), w->n,
                           NULL, 0, 0, NULL, 0, 0);
    }
    const nv_demand_target *t = w->sh->t;
    for (size_t i = 0; i < w->n; i++) {
        long a = -1;
        if (!isfinite(w->bx[i]) || !isfinite(w->by[i])) {
            /* A point PROJ cannot move into the analysis CRS: counted, measured for nothing. */
            w->c->stats[t->n_areas + 1].points++;
            w->c->stats[t->n_areas + 1].population += w->bp[i];
            a = -2;
        } else {
            a = measure_point(t, w->bx[i], w->by[i], w->bp[i], w->c->stats);
        }
        if (t->visit) {
            w->bxy[2 * i] = isfinite(w->bx[i]) && isfinite(w->by[i]) ? w->bx[i] : NAN;
            w->bxy[2 * i + 1] = isfinite(w->bx[i]) && isfinite(w->by[i]) ? w->by[i] : NAN;
            w->ba[i] = a;
        }
    }
    if (t->visit)
        t->visit(t->visit_user, (size_t)(w->c - w->sh->chunks), w->bxy, w->bp, w->ba, w->n);
    w->n = 0;
}

static void on_field(void *bytes, size_t len, void *data)
{
    worker *w = data;
    const header *h = w->sh->h;
    size_t f = w->field++;
    const char *s = bytes ? bytes : "";
    if (!bytes)
        len = 0;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len)
        w->all_empty = 0;
    for (int role = 0; role < C_COUNT; role++) {
        if (h->col[role] != (int)f)
            continue;
        if (nv_text_parse_number(s, len, &w->v[role])) {
            w->have[role] = 1;
        } else if (!w->bad_number) {
            w->bad_number = 1;
            w->bad_col = f;
            snprintf(w->bad_text, sizeof w->bad_text, "%.*s", (int)(len < 40 ? len : 40), s);
        }
    }
}

static void on_record(int terminator, void *data)
{
    (void)terminator;
    worker *w = data;
    const header *h = w->sh->h;
    chunk *c = w->c;
    size_t nf = w->field;
    w->field = 0;
    if (w->all_empty) { /* a blank or empty-celled line */
        w->bad_number = 0;
        memset(w->have, 0, sizeof w->have);
        return;
    }
    w->all_empty = 1;
    int bad = w->bad_number;
    w->bad_number = 0;
    if (nf < h->n) {
        chunk_problem(c, w->line_rel, "has %zu fields, the header has %zu; give every row %zu fields", nf, h->n, h->n);
        memset(w->have, 0, sizeof w->have);
        return;
    }
    if (bad) {
        chunk_problem(c, w->line_rel, "%s \"%s\" (column \"%s\") is not a number",
                      (int)w->bad_col == h->col[C_POP] ? "population" : "coordinate", w->bad_text,
                      h->names[w->bad_col]);
        memset(w->have, 0, sizeof w->have);
        return;
    }
    int cx = h->use_xy ? C_X : C_LON, cy = h->use_xy ? C_Y : C_LAT;
    if (!w->have[cx] || !w->have[cy] || (h->col[C_POP] >= 0 && !w->have[C_POP])) {
        chunk_problem(c, w->line_rel, "an empty %s; every point needs both coordinates%s",
                      !w->have[cx] || !w->have[cy] ? "coordinate" : "population",
                      h->col[C_POP] >= 0 ? " and a population" : "");
        memset(w->have, 0, sizeof w->have);
        return;
    }
    memset(w->have, 0, sizeof w->have);
    double pop = h->col[C_POP] >= 0 ? w->v[C_POP] : 1.0;
    if (!(pop >= 0)) {
        chunk_problem(c, w->line_rel, "population %g is negative", pop);
        return;
    }
    if (pop > NV_POPULATION_MAX) {
        chunk_problem(c, w->line_rel, "population %g is more than %.0f people at one point (is the column "
                      "right? see --population-column)", pop, NV_POPULATION_MAX);
        return;
    }
    if (!h->use_xy) {
        double lat = w->v[C_LAT], lon = w->v[C_LON];
        if (!(lat >= -90 && lat <= 90) || !(lon >= -180 && lon <= 180)) {
            chunk_problem(c, w->line_rel, "latitude %g, longitude %g are out of range (are lat and lon swapped, "
                          "or are these metres? name such columns x and y)", lat, lon);
            return;
        }
    }
    w->bx[w->n] = w->v[cx];
    w->by[w->n] = w->v[cy];
    w->bp[w->n] = pop;
    if (++w->n == BATCH)
        flush_batch(w);
}

/* Reads up to want bytes at off into buf; returns the count (0 at end of file), -1 on error. */
static ssize_t read_at(int fd, char *buf, size_t want, off_t off)
{
    size_t got = 0;
    while (got < want) {
        ssize_t r = pread(fd, buf + got, want - got, off + (off_t)got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* The first line start at or after off: off itself when the byte before it is '\n'. */
static off_t line_start_at(worker *w, off_t off)
{
    shared *sh = w->sh;
    if (off <= sh->h->data_start)
        return sh->h->data_start;
    off_t pos = off - 1;
    while (pos < sh->size) {
        ssize_t got = read_at(sh->fd, w->block, BLOCK_BYTES, pos);
        if (got <= 0)
            return got < 0 ? -1 : sh->size;
        char *nl = memchr(w->block, '\n', (size_t)got);
        if (nl)
            return pos + (nl - w->block) + 1;
        pos += got;
    }
    return sh->size;
}

static void process_chunk(worker *w, chunk *c)
{
    shared *sh = w->sh;
    w->c = c;
    off_t s = line_start_at(w, c->start);
    off_t e = line_start_at(w, c->end);
    if (s < 0 || e < 0) {
        c->failed = 1;
        return;
    }
    struct csv_parser p;
    if (csv_init(&p, 0) != 0) {
        c->failed = 1;
        return;
    }
    nv_csvbuf_attach(&p);
    csv_set_delim(&p, (unsigned char)sh->h->delimiter);
    w->field = 0;
    w->all_empty = 1;
    w->line_rel = 0;
    w->n = 0;
    for (off_t pos = s; pos < e;) {
        size_t want = (size_t)(e - pos) < BLOCK_BYTES ? (size_t)(e - pos) : BLOCK_BYTES;
        ssize_t got = read_at(sh->fd, w->block, want, pos);
        if (got <= 0) {
            c->failed = 1;
            break;
        }
        if (memchr(w->block, '"', (size_t)got))
            c->saw_quote = 1;
        /* One physical line at a time, so that a problem knows its line. */
        char *b = w->block, *end = w->block + got;
        while (b < end) {
            char *nl = memchr(b, '\n', (size_t)(end - b));
            char *stop = nl ? nl + 1 : end;
            csv_parse(&p, b, (size_t)(stop - b), on_field, on_record, w);
            if (nl) {
                w->line_rel++;
                c->newlines++;
            }
            b = stop;
        }
        pos += got;
    }
    csv_fini(&p, on_field, on_record, w);
    csv_free(&p);
    flush_batch(w);
}

static PJ *make_op(PJ_CONTEXT *ctx, const char *from, const char *to)
{
    PJ *raw = proj_create_crs_to_crs(ctx, from, to, NULL);
    if (!raw)
        return NULL;
    PJ *norm = proj_normalize_for_visualization(ctx, raw);
    proj_destroy(raw);
    return norm;
}

static void quiet_log(void *user, int level, const char *msg)
{
    (void)user, (void)level, (void)msg;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    for (;;) {
        size_t k = atomic_fetch_add(&sh->next, 1);
        if (k >= sh->n_chunks)
            break;
        process_chunk(w, &sh->chunks[k]);
    }
    return NULL;
}

static int worker_init(worker *w, shared *sh)
{
    memset(w, 0, sizeof *w);
    w->sh = sh;
    w->all_empty = 1;
    w->bx = malloc(BATCH * sizeof(double));
    w->by = malloc(BATCH * sizeof(double));
    w->bp = malloc(BATCH * sizeof(double));
    w->block = malloc(BLOCK_BYTES);
    if (!w->bx || !w->by || !w->bp || !w->block)
        return -1;
    if (sh->t->visit && (!(w->bxy = malloc(2 * BATCH * sizeof(double))) || !(w->ba = malloc(BATCH * sizeof(long)))))
        return -1;
    if (sh->transform) {
        w->ctx = proj_context_create();
        if (!w->ctx)
            return -1;
        proj_log_func(w->ctx, NULL, quiet_log);
        w->op = make_op(w->ctx, sh->from_crs, sh->to_crs);
        if (!w->op)
            return -1;
    }
    return 0;
}

static void worker_free(worker *w)
{
    free(w->bx);
    free(w->by);
    free(w->bp);
    free(w->block);
    free(w->bxy);
    free(w->ba);
    proj_destroy(w->op);
    proj_context_destroy(w->ctx);
}

static int thread_count(const nv_population_options *opts)
{
    long n = opts->threads > 0 ? opts->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

/* Runs the chunks over [data_start, size) with up to n_threads workers. */
static nv_status run_chunks(shared *sh, size_t chunk_bytes, int n_threads, nv_error *err)
{
    off_t span = sh->size - sh->h->data_start;
    size_t nstats = sh->t->n_areas + 2;
    sh->n_chunks = span > 0 ? (size_t)((span + (off_t)chunk_bytes - 1) / (off_t)chunk_bytes) : 1;
    sh->chunks = calloc(sh->n_chunks, sizeof(chunk));
    if (!sh->chunks)
        return nv_error_set(err, NV_ERR_FAIL, sh->path, 0, "out of memory");
    for (size_t k = 0; k < sh->n_chunks; k++) {
        chunk *c = &sh->chunks[k];
        c->start = sh->h->data_start + (off_t)(k * chunk_bytes);
        c->end = k + 1 == sh->n_chunks ? sh->size : c->start + (off_t)chunk_bytes;
        c->stats = calloc(nstats, sizeof(nv_demand_stats));
        if (!c->stats)
            return nv_error_set(err, NV_ERR_FAIL, sh->path, 0, "out of memory");
    }
    atomic_store(&sh->next, 0);
    if ((size_t)n_threads > sh->n_chunks)
        n_threads = (int)sh->n_chunks;
    worker ws[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    int started = 0, ok = 1;
    for (int i = 0; i < n_threads; i++)
        if (worker_init(&ws[i], sh) != 0) {
            ok = 0;
            n_threads = i + 1;
            break;
        }
    if (ok) {
        for (int i = 1; i < n_threads; i++)
            if (pthread_create(&tids[i], NULL, worker_main, &ws[i]) == 0)
                started = i;
            else
                break;
        worker_main(&ws[0]);
        for (int i = 1; i <= started; i++)
            pthread_join(tids[i], NULL);
    }
    for (int i = 0; i < n_threads; i++)
        worker_free(&ws[i]);
    if (!ok)
        return nv_error_set(err, NV_ERR_FAIL, sh->path, 0, "cannot set up the readers (memory or PROJ: %s -> %s)",
                            sh->from_crs ? sh->from_crs : "-", sh->to_crs ? sh->to_crs : "-");
    for (size_t k = 0; k < sh->n_chunks; k++)
        if (sh->chunks[k].failed)
            return nv_error_set(err, NV_ERR_FAIL, sh->path, 0, "cannot read: %s", strerror(errno ? errno : EIO));
    return NV_OK;
}

static void free_chunks(shared *sh)
{
    for (size_t k = 0; sh->chunks && k < sh->n_chunks; k++)
        free(sh->chunks[k].stats);
    free(sh->chunks);
    sh->chunks = NULL;
    sh->n_chunks = 0;
}

static int is_csv_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (nv_text_ieq(dot, ".csv") || nv_text_ieq(dot, ".txt") || nv_text_ieq(dot, ".tsv"));
}

static nv_status measure_csv(const nv_population_options *opts, const nv_demand_target *t, nv_demand_stats *stats,
                             long *points_read, nv_diags *diags, nv_error *err)
{
    const char *path = opts->name ? opts->name : opts->source; /* for messages */
    const char *analysis = opts->analysis_crs ? opts->analysis_crs : "EPSG:3006";
    header h;
    memset(&h, 0, sizeof h);
    shared sh;
    memset(&sh, 0, sizeof sh);
    nv_status st = NV_OK;
    char cols[2048];
    int fd = open(opts->source, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open the population file: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "is not a regular file");
    }
    if ((st = read_header(fd, path, opts, &h, err)) != NV_OK)
        goto done;
    for (int r = 0; r < C_COUNT; r++)
        h.col[r] = find_column(&h, r == C_POP ? opts->population_column : NULL, r);
    column_list(&h, cols, sizeof cols);
    if (opts->population_column && h.col[C_POP] < 0) {
        st = nv_error_set(err, NV_ERR_INPUT, path, h.line, "has no column \"%s\" (columns: %s)",
                          opts->population_column, cols);
        goto done;
    }
    h.use_xy = !(h.col[C_LAT] >= 0 && h.col[C_LON] >= 0);
    if (h.use_xy && (h.col[C_X] < 0 || h.col[C_Y] < 0)) {
        st = nv_error_set(err, NV_ERR_INPUT, path, h.line,
                          "has no coordinate columns (columns: %s); name them x and y (in --population-crs) "
                          "or lat and lon (WGS 84)%s", cols,
                          h.n == 1 ? "; the header is one column: is the delimiter ',' ';' or TAB, which are detected?" : "");
        goto done;
    }
    if (h.col[C_POP] < 0)
        nv_diags_add(diags, NV_WARNING, path, h.line,
                     "no population column (columns: %s): every point counts as one person "
                     "(name the column population, or use --population-column)", cols);
    sh.path = path;
    sh.fd = fd;
    sh.size = sb.st_size;
    sh.h = &h;
    sh.t = t;
    sh.from_crs = h.use_xy ? (opts->crs ? opts->crs : analysis) : "EPSG:4326";
    sh.to_crs = analysis;
    sh.transform = !(h.use_xy && (!opts->crs || strcmp(opts->crs, analysis) == 0));
    if (sh.transform) {
        PJ_CONTEXT *ctx = proj_context_create();
        proj_log_func(ctx, NULL, quiet_log);
        PJ *op = make_op(ctx, sh.from_crs, sh.to_crs);
        proj_destroy(op);
        proj_context_destroy(ctx);
        if (!op) {
            st = nv_error_set(err, NV_ERR_INPUT, path, 0, "PROJ cannot transform %s to %s (check --population-crs)",
                              sh.from_crs, sh.to_crs);
            goto done;
        }
    }
    if ((st = run_chunks(&sh, CHUNK_BYTES, thread_count(opts), err)) != NV_OK)
        goto done;
    int quotes = 0;
    for (size_t k = 0; k < sh.n_chunks; k++)
        quotes |= sh.chunks[k].saw_quote;
    if (quotes && sh.n_chunks > 1) {
        /* A quoted field may hold a line break, so the cuts at line ends may be wrong:
         * read the file again as one chunk. */
        free_chunks(&sh);
        if (t->visit_restart)
            t->visit_restart(t->visit_user);
        if ((st = run_chunks(&sh, (size_t)sh.size + 1, 1, err)) != NV_OK)
            goto done;
    }
    long line = h.line + 1, problems = 0;
    *points_read = 0;
    for (size_t k = 0; k < sh.n_chunks; k++) {
        chunk *c = &sh.chunks[k];
        for (long i = 0; i < c->n_problems && i < MAX_PROBLEMS; i++) {
            if (problems + i < MAX_PROBLEMS)
                nv_diags_add(diags, NV_PROBLEM, path, line + c->problems[i].line_rel, "%s", c->problems[i].msg);
        }
        problems += c->n_problems;
        line += c->newlines;
        add_stats(stats, c->stats, t->n_areas + 2);
    }
    for (size_t a = 0; a <= t->n_areas + 1; a++)
        *points_read += stats[a].points;
    if (problems) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "%ld row%s cannot be used%s; fix them and run again", problems,
                          problems == 1 ? "" : "s", problems > MAX_PROBLEMS ? " (the first 20 are shown)" : "");
        goto done;
    }
    if (*points_read == 0)
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "has no data rows, only a header");
done:
    free_chunks(&sh);
    header_free(&h);
    close(fd);
    return st;
}

/* ---------------------------------------------------------------- spooling */

/* Do the first bytes end their lines with a lone CR (old Mac, some exports) more often
 * than with LF? */
static int lone_cr_lines(const char *b, size_t n)
{
    size_t cr = 0, lf = 0;
    for (size_t i = 0; i < n; i++) {
        lf += b[i] == '\n';
        cr += b[i] == '\r' && (i + 1 == n || b[i + 1] != '\n');
    }
    return cr > lf;
}

/* An unnamed file that vanishes with the process (O_TMPFILE), else a named one unlinked
 * at once. */
static int anonymous_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/narvaro-population-XXXXXX", dir);
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd >= 0)
        unlink(tmpl);
    return fd;
}

nv_status nv_population_spool(const char *source, int *fd_out, nv_error *err)
{
    *fd_out = -1;
    int stdin_ = strcmp(source, "-") == 0;
    const char *name = stdin_ ? "standard input" : source;
    int in = stdin_ ? STDIN_FILENO : open(source, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (in < 0 || fstat(in, &sb) != 0) {
        nv_status st = nv_error_set(err, NV_ERR_INPUT, name, 0, "cannot open the population file: %s",
                                    strerror(errno));
        if (in >= 0 && !stdin_)
            close(in);
        return st;
    }
    if (!stdin_ && S_ISREG(sb.st_mode)) {
        char head[65536];
        ssize_t got = is_csv_path(source) ? read_at(in, head, sizeof head, 0) : 0;
        int cr = got > 0 && lone_cr_lines(head, (size_t)got);
        close(in);
        if (!cr)
            return NV_OK; /* read in place, in parallel chunks */
        in = open(source, O_RDONLY | O_CLOEXEC);
        if (in < 0)
            return nv_error_set(err, NV_ERR_INPUT, name, 0, "cannot open the population file: %s", strerror(errno));
    } else if (S_ISDIR(sb.st_mode)) {
        if (!stdin_)
            close(in);
        return nv_error_set(err, NV_ERR_INPUT, name, 0, "is a folder; give a CSV file or an OGR source");
    }
    int out = anonymous_file();
    if (out < 0) {
        int e = errno;
        if (!stdin_)
            close(in);
        return nv_error_set(err, NV_ERR_FAIL, name, 0, "cannot create a temporary file to read it into: %s",
                            strerror(e));
    }
    /* Line ends become LF (a lone CR or CR LF), so that the chunked reader can cut at them. */
    char *buf = malloc(BLOCK_BYTES), *conv = malloc(BLOCK_BYTES);
    nv_status st = NV_OK;
    int after_cr = 0;
    if (!buf || !conv)
        st = nv_error_set(err, NV_ERR_FAIL, name, 0, "out of memory");
    while (st == NV_OK) {
        ssize_t got = read(in, buf, BLOCK_BYTES);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            st = nv_error_set(err, NV_ERR_INPUT, name, 0, "cannot read: %s", strerror(errno));
            break;
        }
        if (got == 0)
            break;
        size_t n = 0;
        for (ssize_t i = 0; i < got; i++) {
            char c = buf[i];
            if (c == '\n' && after_cr) {
                after_cr = 0;
                continue;
            }
            after_cr = c == '\r';
            conv[n++] = after_cr ? '\n' : c;
        }
        for (size_t done = 0; done < n;) {
            ssize_t w = write(out, conv + done, n - done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                st = nv_error_set(err, NV_ERR_FAIL, name, 0, "cannot copy it into a temporary file: %s",
                                  strerror(w < 0 ? errno : EIO));
                break;
            }
            done += (size_t)w;
        }
    }
    free(buf);
    free(conv);
    if (!stdin_)
        close(in);
    if (st != NV_OK) {
        close(out);
        return st;
    }
    *fd_out = out;
    return NV_OK;
}

/* ---------------------------------------------------------------- OGR point layers */

typedef struct ogr_sink {
    const nv_demand_target *t;
    nv_demand_stats *stats;
    long points;
} ogr_sink;

static void ogr_point(double x, double y, double pop, void *user)
{
    ogr_sink *s = user;
    long a = measure_point(s->t, x, y, pop, s->stats);
    if (s->t->visit) {
        double xy[2] = {x, y};
        s->t->visit(s->t->visit_user, 0, xy, &pop, &a, 1);
    }
    s->points++;
}

nv_status nv_population_measure_source(const nv_population_options *opts, const nv_demand_target *t,
                                       nv_demand_stats *stats, long *points_read, nv_diags *diags,
                                       nv_error *err)
{
    *points_read = 0;
    if (t->n_radii > NV_MAX_RADII)
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "at most %d radii", NV_MAX_RADII);
    if (opts->csv || is_csv_path(opts->source))
        return measure_csv(opts, t, stats, points_read, diags, err);
    ogr_sink sink = {t, stats, 0};
    nv_points_options po = {opts->source, opts->layer, opts->population_column, ALIASES[C_POP], opts->crs,
                            opts->analysis_crs, NV_POPULATION_MAX};
    nv_status st = nv_boundaries_read_points(&po, ogr_point, &sink, diags, err);
    *points_read = sink.points;
    return st;
}

/* ---------------------------------------------------------------- tables */

typedef struct table_state {
    header h;
    int col_code, col_pop;
    long line;
    size_t field;
    char code[64];
    double pop;
    int have_pop, bad;
    char bad_text[48];
    void (*add)(const char *, double, long, void *);
    void *user;
    const char *path;
    nv_error *err;
    nv_status st;
    int in_header;
} table_state;

static const char *const CODE_ALIASES[] = {"kommun_code", "kommunkod", "kod", "code", "id", NULL};

static void table_field(void *bytes, size_t len, void *data)
{
    table_state *ts = data;
    if (ts->in_header) {
        on_header_field(bytes, len, &ts->h);
        return;
    }
    size_t f = ts->field++;
    const char *s = bytes ? bytes : "";
    if (!bytes)
        len = 0;
    while (len && (*s == ' ' || s[len - 1] == ' ' || s[len - 1] == '\r')) {
        if (*s == ' ')
            s++;
        len--;
    }
    if ((int)f == ts->col_code)
        snprintf(ts->code, sizeof ts->code, "%.*s", (int)len, s);
    if ((int)f == ts->col_pop) {
        ts->have_pop = nv_text_parse_number(s, len, &ts->pop);
        if (!ts->have_pop)
            snprintf(ts->bad_text, sizeof ts->bad_text, "%.*s", (int)(len < 40 ? len : 40), s);
    }
}

static void table_record(int term, void *data)
{
    (void)term;
    table_state *ts = data;
    if (ts->in_header) {
        ts->in_header = 0;
        for (size_t k = 0; CODE_ALIASES[k] && ts->col_code < 0; k++)
            for (size_t i = 0; i < ts->h.n; i++)
                if (strcmp(ts->h.names[i], CODE_ALIASES[k]) == 0) {
                    ts->col_code = (int)i;
                    break;
                }
        ts->col_pop = find_column(&ts->h, NULL, C_POP);
        if ((ts->col_code < 0 || ts->col_pop < 0) && ts->st == NV_OK) {
            char cols[1024];
            column_list(&ts->h, cols, sizeof cols);
            ts->st = nv_error_set(ts->err, NV_ERR_INPUT, ts->path, 1,
                                  "needs a code column (kommun_code, kommunkod, kod, code) and a population "
                                  "column (population, befolkning, folkmängd); it has: %s", cols);
        }
        ts->field = 0;
        return;
    }
    if (ts->st == NV_OK && ts->field > 0) {
        if (!ts->have_pop)
            ts->st = nv_error_set(ts->err, NV_ERR_INPUT, ts->path, ts->line, "population \"%s\" is not a number",
                                  ts->bad_text);
        else if (ts->pop < 0)
            ts->st = nv_error_set(ts->err, NV_ERR_INPUT, ts->path, ts->line, "population %g is negative", ts->pop);
        else if (ts->pop > NV_POPULATION_MAX)
            ts->st = nv_error_set(ts->err, NV_ERR_INPUT, ts->path, ts->line,
                                  "population %g is more than %.0f people in one municipality", ts->pop,
                                  NV_POPULATION_MAX);
        else
            ts->add(ts->code, ts->pop, ts->line, ts->user);
    }
    ts->field = 0;
    ts->have_pop = 0;
    ts->code[0] = 0;
}

nv_status nv_population_read_table(const char *path, void (*add)(const char *code, double population,
                                                                 long line, void *user),
                                   void *user, nv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open the population table: %s", strerror(errno));
    table_state ts;
    memset(&ts, 0, sizeof ts);
    ts.col_code = ts.col_pop = -1;
    ts.add = add;
    ts.user = user;
    ts.path = path;
    ts.err = err;
    ts.in_header = 1;
    struct csv_parser p;
    if (csv_init(&p, 0) != 0) {
        fclose(f);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
    }
    nv_csvbuf_attach(&p);
    char line[8192];
    int first = 1;
    /* Small files: decoded line by line (a BOM, Windows-1252 and ';' as Excel writes). */
    nv_text_encoding enc = NV_TEXT_DETECT;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        char *text = line, *conv = NULL;
        if (first) {
            if (n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
                text += 3;
                n -= 3;
                enc = NV_TEXT_UTF8;
            }
            csv_set_delim(&p, (unsigned char)nv_text_detect_delimiter(text, n));
            first = 0;
        }
        if (enc != NV_TEXT_UTF8 && nv_text_utf8_invalid_at((const unsigned char *)text, n) != n) {
            conv = nv_text_cp1252_to_utf8((const unsigned char *)text, n, &n);
            text = conv;
        }
        ts.line++;
        if (text)
            csv_parse(&p, text, n, table_field, table_record, &ts);
        free(conv);
    }
    csv_fini(&p, table_field, table_record, &ts);
    csv_free(&p);
    if (ferror(f) && ts.st == NV_OK)
        ts.st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot read: %s", strerror(errno));
    fclose(f);
    header_free(&ts.h);
    return ts.st;
}
