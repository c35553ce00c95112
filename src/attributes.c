/* attributes.c — tables joined by code (see attributes.h). Values are kept column by
 * column, one string per municipality or county, so that tables can be added one after
 * another. */
#include "attributes.h"

#include "offices.h"
#include "textin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct column {
    char *name;
    int numeric;
    char **vals;        /* one per entity; NULL: no value */
};

struct level {
    struct column *cols;
    size_t n, cap;
};

struct nv_attributes {
    struct level lv[2];
    size_t n_munis;
    char **counties;    /* the boundaries' lanskod values, sorted */
    size_t n_counties;
    char **files;
    size_t n_files;
};

nv_attributes *nv_attributes_create(void)
{
    return calloc(1, sizeof(nv_attributes));
}

static void level_free(struct level *l, size_t n_entities)
{
    for (size_t c = 0; c < l->n; c++) {
        for (size_t i = 0; l->cols[c].vals && i < n_entities; i++)
            free(l->cols[c].vals[i]);
        free(l->cols[c].vals);
        free(l->cols[c].name);
    }
    free(l->cols);
}

void nv_attributes_destroy(nv_attributes *a)
{
    if (!a)
        return;
    level_free(&a->lv[0], a->n_munis);
    level_free(&a->lv[1], a->n_counties);
    for (size_t i = 0; i < a->n_counties; i++)
        free(a->counties[i]);
    free(a->counties);
    for (size_t i = 0; i < a->n_files; i++)
        free(a->files[i]);
    free(a->files);
    free(a);
}

struct loader {
    nv_attributes *a;
    const nv_boundaries *b;
    const char *path;
    const char *const *const *reserved;
    nv_error *err;
    int level;
    int key;            /* the key column */
    size_t first;       /* index of this table's first column in its level */
    size_t n_fields;    /* header fields */
    int *col_of;        /* header field -> column index in the level, -1 for the key */
    unsigned char *seen;/* entity already given */
};

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static long find_entity(const struct loader *ld, const char *code)
{
    if (ld->level == NV_ATTR_MUNICIPALITY) {
        size_t lo = 0, hi = nv_boundaries_count(ld->b);
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(nv_boundaries_get(ld->b, mid)->code, code);
            if (!c)
                return (long)mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return -1;
    }
    for (size_t i = 0; i < ld->a->n_counties; i++)
        if (strcmp(ld->a->counties[i], code) == 0)
            return (long)i;
    return -1;
}

static int is_digits(const char *s)
{
    return *s && strspn(s, "0123456789") == strlen(s);
}

static nv_status header(struct loader *ld, long line, char *const *f, size_t n)
{
    static const char *const keys[2][5] = {{"kommunkod", "kommun_code", "kommunkod_stated", "municipality_code", NULL},
                                           {"lanskod", "länskod", "lan_code", "county_code", NULL}};
    ld->key = -1;
    for (size_t i = 0; i < n && ld->key < 0; i++) {
        char low[256];
        snprintf(low, sizeof low, "%s", f[i]);
        nv_text_lower_utf8(low);
        for (int l = 0; l < 2 && ld->key < 0; l++)
            for (int k = 0; keys[l][k]; k++)
                if (strcmp(low, keys[l][k]) == 0) {
                    ld->key = (int)i;
                    ld->level = l;
                    break;
                }
    }
    if (ld->key < 0)
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line,
                            "has no key column; name the code column kommunkod (a municipality table) or lanskod "
                            "(a county table)");
    if (n < 2)
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line,
                            "has only the key column; an attribute table needs columns to join");
    struct level *lv = &ld->a->lv[ld->level];
    size_t n_ent = ld->level == NV_ATTR_MUNICIPALITY ? ld->a->n_munis : ld->a->n_counties;
    ld->first = lv->n;
    ld->n_fields = n;
    if (!(ld->col_of = calloc(n, sizeof *ld->col_of)) || !(ld->seen = calloc(n_ent + 1, 1)))
        return nv_error_set(ld->err, NV_ERR_FAIL, ld->path, line, "out of memory");
    for (size_t i = 0; i < n; i++) {
        ld->col_of[i] = -1;
        if ((int)i == ld->key)
            continue;
        const char *name = f[i];
        if (!name[0])
            return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line, "column %zu has no name; name it or remove it",
                                i + 1);
        for (const char *const *r = ld->reserved[ld->level]; r && *r; r++)
            if (strcmp(*r, name) == 0)
                return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line,
                                    "column \"%s\" clashes with the column %s of the results' %s; rename it (or "
                                    "remove it, if it only repeats what narvaro computes)",
                                    name, name, ld->level == NV_ATTR_MUNICIPALITY ? "municipalities.csv" : "counties.csv");
        for (size_t c = 0; c < lv->n; c++)
            if (strcmp(lv->cols[c].name, name) == 0)
                return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line,
                                    "column \"%s\" is already joined (from this or an earlier --attributes table); "
                                    "rename one of them",
                                    name);
        if (lv->n == lv->cap) {
            size_t cap = lv->cap ? lv->cap * 2 : 8;
            struct column *g = realloc(lv->cols, cap * sizeof *g);
            if (!g)
                return nv_error_set(ld->err, NV_ERR_FAIL, ld->path, line, "out of memory");
            lv->cols = g;
            lv->cap = cap;
        }
        struct column *col = &lv->cols[lv->n];
        memset(col, 0, sizeof *col);
        col->name = strdup(name);
        col->vals = calloc(n_ent ? n_ent : 1, sizeof *col->vals);
        lv->n++;
        if (!col->name || !col->vals)
            return nv_error_set(ld->err, NV_ERR_FAIL, ld->path, line, "out of memory");
        ld->col_of[i] = (int)(lv->n - 1);
    }
    return NV_OK;
}

static nv_status row(long line, char *const *f, size_t n, void *user)
{
    struct loader *ld = user;
    if (!ld->col_of)
        return header(ld, line, f, n);
    if ((size_t)ld->key >= n || !f[ld->key][0])
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line, "no code in the key column; give every row one");
    for (size_t i = ld->n_fields; i < n; i++)
        if (f[i][0])
            return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line,
                                "has %zu fields, the header %zu; quote fields that contain the delimiter", n,
                                ld->n_fields);
    /* A code Excel stored as a number lost its leading zero. */
    char code[16];
    const char *k = f[ld->key];
    size_t width = ld->level == NV_ATTR_MUNICIPALITY ? 4 : 2;
    if (!is_digits(k) || strlen(k) > width)
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line, "\"%s\" is not a %s code (%zu digits, e.g. %s)", k,
                            ld->level == NV_ATTR_MUNICIPALITY ? "municipality" : "county", width,
                            ld->level == NV_ATTR_MUNICIPALITY ? "0180" : "01");
    snprintf(code, sizeof code, "%0*d", (int)width, atoi(k));
    long e = find_entity(ld, code);
    if (e < 0)
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line, "%s %s is no %s of the boundaries; correct the code",
                            ld->level == NV_ATTR_MUNICIPALITY ? "kommunkod" : "lanskod", code,
                            ld->level == NV_ATTR_MUNICIPALITY ? "municipality" : "county");
    if (ld->seen[e])
        return nv_error_set(ld->err, NV_ERR_INPUT, ld->path, line, "%s is given twice; keep one row per code", code);
    ld->seen[e] = 1;
    struct level *lv = &ld->a->lv[ld->level];
    for (size_t i = 0; i < n && i < ld->n_fields; i++) {
        if (ld->col_of[i] < 0 || !f[i][0])
            continue;
        if (!(lv->cols[ld->col_of[i]].vals[e] = strdup(f[i])))
            return nv_error_set(ld->err, NV_ERR_FAIL, ld->path, line, "out of memory");
    }
    return NV_OK;
}

nv_status nv_attributes_load(nv_attributes *a, const char *path, const nv_boundaries *b,
                             const char *const *const reserved[2], nv_error *err)
{
    size_t nm = nv_boundaries_count(b);
    if (!a->n_munis && !a->counties) {
        a->n_munis = nm;
        a->counties = calloc(nm ? nm : 1, sizeof *a->counties);
        if (!a->counties)
            return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        for (size_t i = 0; i < nm; i++) {
            const char *c = nv_boundaries_get(b, i)->county;
            size_t k = 0;
            while (k < a->n_counties && strcmp(a->counties[k], c) != 0)
                k++;
            if (k == a->n_counties && !(a->counties[a->n_counties++] = strdup(c)))
                return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        }
        qsort(a->counties, a->n_counties, sizeof *a->counties, cmp_str);
    }
    struct loader ld = {.a = a, .b = b, .path = path, .reserved = reserved, .err = err};
    nv_status st = nv_csv_read(path, 0, NULL, row, &ld, err);
    if (st == NV_OK && !ld.col_of)
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "is empty; give a header with kommunkod or lanskod");
    if (st == NV_OK) {
        struct level *lv = &a->lv[ld.level];
        size_t n_ent = ld.level == NV_ATTR_MUNICIPALITY ? a->n_munis : a->n_counties;
        for (size_t c = ld.first; c < lv->n; c++) {
            struct column *col = &lv->cols[c];
            int numeric = 0, text = 0;
            for (size_t i = 0; i < n_ent; i++) {
                double v;
                if (!col->vals[i])
                    continue;
                if (nv_text_parse_number(col->vals[i], strlen(col->vals[i]), &v))
                    numeric = 1;
                else
                    text = 1;
            }
            col->numeric = numeric && !text;
            /* Numbers as the results write them: a decimal point. */
            for (size_t i = 0; col->numeric && i < n_ent; i++)
                for (char *p = col->vals[i]; p && *p; p++)
                    if (*p == ',')
                        *p = '.';
        }
        char **g = realloc(a->files, (a->n_files + 1) * sizeof *g);
        if (!g || !(g[a->n_files] = strdup(path))) {
            if (g)
                a->files = g;
            st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
        } else {
            a->files = g;
            a->n_files++;
        }
    } else if (ld.col_of) {
        /* Leave the attributes as they were before this table. */
        struct level *lv = &a->lv[ld.level];
        size_t n_ent = ld.level == NV_ATTR_MUNICIPALITY ? a->n_munis : a->n_counties;
        while (lv->n > ld.first) {
            struct column *col = &lv->cols[--lv->n];
            for (size_t i = 0; col->vals && i < n_ent; i++)
                free(col->vals[i]);
            free(col->vals);
            free(col->name);
        }
    }
    free(ld.col_of);
    free(ld.seen);
    return st;
}

size_t nv_attributes_count(const nv_attributes *a, nv_attr_level level)
{
    return a ? a->lv[level].n : 0;
}

const char *nv_attributes_name(const nv_attributes *a, nv_attr_level level, size_t col)
{
    return a->lv[level].cols[col].name;
}

int nv_attributes_numeric(const nv_attributes *a, nv_attr_level level, size_t col)
{
    return a->lv[level].cols[col].numeric;
}

const char *nv_attributes_muni_value(const nv_attributes *a, size_t muni, size_t col)
{
    const char *v = muni < a->n_munis ? a->lv[0].cols[col].vals[muni] : NULL;
    return v ? v : "";
}

const char *nv_attributes_county_value(const nv_attributes *a, const char *lanskod, size_t col)
{
    for (size_t i = 0; i < a->n_counties; i++)
        if (strcmp(a->counties[i], lanskod) == 0)
            return a->lv[1].cols[col].vals[i] ? a->lv[1].cols[col].vals[i] : "";
    return "";
}

size_t nv_attributes_files(const nv_attributes *a, const char *const **paths)
{
    *paths = (const char *const *)a->files;
    return a->n_files;
}
