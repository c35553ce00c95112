/* places.c — the gazetteer (see places.h). The file is read by the office-plan reader
 * (offices.h), so a gazetteer takes every spelling a plan takes; Unicode normalisation
 * and case folding are glib's (already linked for pango). */
#include "places.h"

#include "offices.h"

#include <glib.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    nv_place p;
    char *key;
};

struct nv_places {
    char *source;
    struct entry *e;
    size_t n;
    size_t *by_key;       /* entry indices sorted by (key, kommunkod, line) */
    size_t read, untrusted, moved;
};

char *nv_places_key(const char *name)
{
    if (!name || !g_utf8_validate(name, -1, NULL))
        return NULL;
    gchar *nfc = g_utf8_normalize(name, -1, G_NORMALIZE_NFC);
    gchar *fold = nfc ? g_utf8_casefold(nfc, -1) : NULL;
    g_free(nfc);
    if (!fold)
        return NULL;
    /* Trim and collapse white space (also a no-break space, as spreadsheets paste it). */
    char *out = malloc(strlen(fold) + 1);
    size_t o = 0;
    int space = 0;
    for (const char *s = fold; out && *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);
        if (g_unichar_isspace(c) || c == 0xA0) {
            space = o > 0;
            continue;
        }
        if (space)
            out[o++] = ' ';
        space = 0;
        size_t len = (size_t)(g_utf8_next_char(s) - s);
        memcpy(out + o, s, len);
        o += len;
    }
    g_free(fold);
    if (!out)
        return NULL;
    out[o] = '\0';
    static const char suffix[] = " kommun";
    size_t k = sizeof suffix - 1;
    if (o > k && strcmp(out + o - k, suffix) == 0)
        out[o - k] = '\0';
    return out;
}

void nv_places_destroy(nv_places *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free((char *)p->e[i].p.name);
        free(p->e[i].key);
    }
    free(p->e);
    free(p->by_key);
    free(p->source);
    free(p);
}

static const nv_places *sort_ctx; /* qsort has no user pointer; loading is serialised below */
static GMutex sort_lock;

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = &sort_ctx->e[*(const size_t *)a], *y = &sort_ctx->e[*(const size_t *)b];
    int c = strcmp(x->key, y->key);
    if (!c)
        c = strcmp(x->p.kommunkod, y->p.kommunkod);
    if (!c)
        c = (x->p.line > y->p.line) - (x->p.line < y->p.line);
    return c;
}

/* Locates one entry and keeps it for the municipality its point lies in; line is the CSV
 * line, or -(feature id + 1) for a layer. 0 when out of memory. */
static int add_entry(nv_places *p, size_t cap, const nv_boundaries *b, const nv_polyindex *idx, const char *name,
                     const char *code, double x, double y, double lat, double lon, long line)
{
    p->read++;
    long m = nv_polyindex_locate(idx, x, y);
    if (m < 0) {
        p->untrusted++;
        return 1;
    }
    if (p->n == cap)
        return 1; /* cannot happen: cap is the number of rows */
    const nv_municipality *mu = nv_boundaries_get(b, (size_t)m);
    /* The point decides: a stated code that names another municipality is not believed. */
    p->moved += code[0] && strcmp(code, mu->code) != 0;
    struct entry *e = &p->e[p->n];
    e->key = nv_places_key(name);
    e->p.name = strdup(name);
    if (!e->key || !e->p.name) {
        free(e->key);
        free((char *)e->p.name);
        return !name[0] ? 1 : 0;
    }
    e->p.kommunkod = mu->code;
    e->p.kommun_namn = mu->name;
    e->p.muni = (size_t)m;
    e->p.x = x;
    e->p.y = y;
    e->p.lat_deg = lat;
    e->p.lon_deg = lon;
    e->p.line = line >= 0 ? line : 0;
    e->p.feature = line >= 0 ? -1 : -line - 1;
    p->by_key[p->n] = p->n;
    p->n++;
    return 1;
}

/* An OGR point layer: entries collected in a growing array. */
struct ogr_load {
    nv_places *p;
    size_t cap;
    const nv_boundaries *b;
    const nv_polyindex *idx;
    int oom;
};

static void ogr_place(const char *name, const char *code, double x, double y, long fid, void *user)
{
    struct ogr_load *l = user;
    if (l->oom)
        return;
    if (l->p->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        struct entry *e = realloc(l->p->e, cap * sizeof *e);
        size_t *k = e ? realloc(l->p->by_key, cap * sizeof *k) : NULL;
        if (e)
            l->p->e = e;
        if (!e || !k) {
            l->oom = 1;
            return;
        }
        l->p->by_key = k;
        l->cap = cap;
    }
    l->oom = !add_entry(l->p, l->cap, l->b, l->idx, name, code, x, y, NAN, NAN, -fid - 1);
}

static int is_text_table(const char *path)
{
    const char *dot = strrchr(path, '.');
    return dot && (g_ascii_strcasecmp(dot, ".csv") == 0 || g_ascii_strcasecmp(dot, ".txt") == 0 ||
                   g_ascii_strcasecmp(dot, ".tsv") == 0);
}

static void sort_entries(nv_places *p);
static nv_status load_csv(const nv_places_options *o, const nv_boundaries *b, const nv_polyindex *idx,
                          nv_places **out, nv_diags *diags, nv_error *err);

nv_status nv_places_load(const nv_places_options *o, const nv_boundaries *b, const nv_polyindex *idx,
                         nv_places **out, nv_diags *diags, nv_error *err)
{
    if (!is_text_table(o->source)) {
        nv_places *p = calloc(1, sizeof *p);
        struct ogr_load l = {p, 0, b, idx, 0};
        nv_named_points_options src = {o->source, o->name_field, o->analysis_crs};
        *out = NULL;
        if (!p || !(p->source = strdup(o->source))) {
            nv_places_destroy(p);
            return nv_error_set(err, NV_ERR_FAIL, o->source, 0, "out of memory");
        }
        nv_status st = nv_boundaries_read_places(&src, ogr_place, &l, diags, err);
        if (st == NV_OK && l.oom)
            st = nv_error_set(err, NV_ERR_FAIL, o->source, 0, "out of memory");
        if (st != NV_OK) {
            nv_places_destroy(p);
            return st;
        }
        sort_entries(p);
        *out = p;
        return NV_OK;
    }
    return load_csv(o, b, idx, out, diags, err);
}

static nv_status load_csv(const nv_places_options *o, const nv_boundaries *b, const nv_polyindex *idx,
                          nv_places **out, nv_diags *diags, nv_error *err)
{
    nv_status st;
    nv_plan *plan = nv_plan_create();
    nv_diags *rows = nv_diags_create();
    nv_places *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!plan || !rows || !p || !(p->source = strdup(o->source))) {
        st = nv_error_set(err, NV_ERR_FAIL, o->source, 0, "out of memory");
        goto done;
    }
    nv_offices_options oo = {0};
    oo.analysis_crs = o->analysis_crs;
    oo.town_column = o->name_field;
    st = nv_plan_read(plan, o->source, &oo, rows, err);
    size_t n = nv_plan_count(plan);
    if (st == NV_ERR_INPUT && n > 0) {
        /* Bad rows of a gazetteer only leave those entries out. */
        size_t shown = 0;
        for (size_t i = 0; i < nv_diags_count(rows); i++) {
            const nv_diag *g = nv_diags_get(rows, i);
            if (g->severity == NV_PROBLEM && g->line > 0 && ++shown <= 3)
                nv_diags_add(diags, NV_WARNING, g->path, g->line, "gazetteer entry left out: %s", g->message);
        }
        st = NV_OK;
    } else if (st != NV_OK) {
        if (err) {
            size_t k = strlen(err->message);
            snprintf(err->message + k, sizeof err->message - k, " (the gazetteer, --places)");
        }
        goto done;
    }
    if (!(p->e = calloc(n ? n : 1, sizeof *p->e)) || !(p->by_key = calloc(n ? n : 1, sizeof *p->by_key))) {
        st = nv_error_set(err, NV_ERR_FAIL, o->source, 0, "out of memory");
        goto done;
    }
    size_t no_name = 0;
    for (size_t i = 0; i < n; i++) {
        const nv_office *r = nv_plan_office(plan, i);
        if (!r->valid || !r->located)
            continue;
        const char *name = r->town[0] ? r->town : r->name;
        if (!name[0]) {
            no_name++;
            continue;
        }
        if (!add_entry(p, n, b, idx, name, r->kommunkod, r->x, r->y, r->lat_deg, r->lon_deg, r->line)) {
            st = nv_error_set(err, NV_ERR_FAIL, o->source, r->line, "out of memory");
            goto done;
        }
    }
    if (no_name)
        nv_diags_add(diags, NV_WARNING, o->source, 0,
                     "%zu gazetteer entr%s no name, left out (choose the name column with --places-name-field)",
                     no_name, no_name == 1 ? "y has" : "ies have");
    sort_entries(p);
    *out = p;
    p = NULL;
done:
    nv_places_destroy(p);
    nv_plan_destroy(plan);
    nv_diags_destroy(rows);
    return st;
}

static void sort_entries(nv_places *p)
{
    if (p->n < 2)
        return;
    g_mutex_lock(&sort_lock);
    sort_ctx = p;
    qsort(p->by_key, p->n, sizeof *p->by_key, cmp_entry);
    sort_ctx = NULL;
    g_mutex_unlock(&sort_lock);
}

const char *nv_places_source(const nv_places *p)
{
    return p->source;
}

size_t nv_places_count(const nv_places *p)
{
    return p ? p->n : 0;
}

const nv_place *nv_places_get(const nv_places *p, size_t i)
{
    return p && i < p->n ? &p->e[i].p : NULL;
}

size_t nv_places_read(const nv_places *p)
{
    return p ? p->read : 0;
}

size_t nv_places_untrusted(const nv_places *p)
{
    return p ? p->untrusted : 0;
}

size_t nv_places_moved(const nv_places *p)
{
    return p ? p->moved : 0;
}

size_t nv_places_find(const nv_places *p, const char *name, long muni, size_t *out, size_t max)
{
    char *key = nv_places_key(name);
    size_t found = 0;
    if (!p || !key || !key[0]) {
        free(key);
        return 0;
    }
    /* Binary search for the first entry with this key. */
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(p->e[p->by_key[mid]].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    const char *last_code = NULL;
    for (size_t k = lo; k < p->n && strcmp(p->e[p->by_key[k]].key, key) == 0; k++) {
        const nv_place *e = &p->e[p->by_key[k]].p;
        if (muni >= 0 && e->muni != (size_t)muni)
            continue;
        if (last_code && strcmp(last_code, e->kommunkod) == 0)
            continue; /* one per municipality: the first in the file */
        last_code = e->kommunkod;
        if (found < max)
            out[found] = p->by_key[k];
        found++;
    }
    free(key);
    return found;
}

/* Edit distance between two strings of code points, with a cut-off. */
static size_t edit_distance(const gunichar *a, size_t na, const gunichar *b, size_t nb, size_t *row)
{
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

size_t nv_places_closest(const nv_places *p, const char *name, const char **out, size_t max)
{
    enum { MAX_OUT = 16 };
    size_t dist[MAX_OUT], n_out = 0;
    char *key = nv_places_key(name);
    glong na = 0;
    gunichar *a = key ? g_utf8_to_ucs4_fast(key, -1, &na) : NULL;
    size_t *row = NULL;
    if (max > MAX_OUT)
        max = MAX_OUT;
    if (!p || !a || max == 0)
        goto done;
    const char *prev_key = NULL;
    for (size_t k = 0; k < p->n; k++) {
        const struct entry *e = &p->e[p->by_key[k]];
        if (prev_key && strcmp(prev_key, e->key) == 0)
            continue; /* one suggestion per name */
        prev_key = e->key;
        glong nb = 0;
        gunichar *b = g_utf8_to_ucs4_fast(e->key, -1, &nb);
        size_t *r2 = b ? realloc(row, ((size_t)nb + 1) * sizeof *row) : NULL;
        if (!r2) {
            g_free(b);
            break;
        }
        row = r2;
        size_t d = edit_distance(a, (size_t)na, b, (size_t)nb, row);
        g_free(b);
        /* Insert in order of distance; the names come in key order, so ties stay alphabetical. */
        size_t at = n_out;
        while (at > 0 && dist[at - 1] > d)
            at--;
        if (at >= max)
            continue;
        size_t end = n_out < max ? n_out : max - 1;
        memmove(out + at + 1, out + at, (end - at) * sizeof *out);
        memmove(dist + at + 1, dist + at, (end - at) * sizeof *dist);
        out[at] = e->p.name;
        dist[at] = d;
        if (n_out < max)
            n_out++;
    }
done:
    free(row);
    g_free(a);
    free(key);
    return n_out;
}
