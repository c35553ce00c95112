/* store_rtree.c — an SQLite R*Tree filled in one pass (store_rtree.h). */
#include "store_rtree.h"

#include "storerows.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* rtree.c's rounding of a double to the 32-bit float it stores: a box's low corner
 * rounded down and its high corner up, so that the float box contains the double one. */
#define RNDTOWARDS (1.0 - 1.0 / 8388608.0)
#define RNDAWAY (1.0 + 1.0 / 8388608.0)

static float value_down(double d)
{
    float f = (float)d;
    if (f > d)
        f = (float)(d * (d < 0 ? RNDAWAY : RNDTOWARDS));
    return f;
}

static float value_up(double d)
{
    float f = (float)d;
    if (f < d)
        f = (float)(d * (d < 0 ? RNDTOWARDS : RNDAWAY));
    return f;
}

/* A node of an upper level while the tree is built: its box and number. */
struct node {
    float box[4]; /* xmin, xmax, ymin, ymax: the order of the virtual table's columns */
    sqlite3_int64 nodeno;
    double cx, cy; /* centre, the sort key */
};

/* Total orders, so that the same points always give the same file: the points by x and
 * rowid (or y, x, rowid; str_order_points), the nodes by their centres, then nodeno. */
static int cmp_nx(const void *a, const void *b)
{
    const struct node *p = a, *q = b;
    if (p->cx != q->cx)
        return p->cx < q->cx ? -1 : 1;
    if (p->cy != q->cy)
        return p->cy < q->cy ? -1 : 1;
    return (p->nodeno > q->nodeno) - (p->nodeno < q->nodeno);
}

static int cmp_ny(const void *a, const void *b)
{
    const struct node *p = a, *q = b;
    if (p->cy != q->cy)
        return p->cy < q->cy ? -1 : 1;
    if (p->cx != q->cx)
        return p->cx < q->cx ? -1 : 1;
    return (p->nodeno > q->nodeno) - (p->nodeno < q->nodeno);
}

/* The low corner of a point's box, as the node stores it, as an unsigned integer of the
 * same order (IEEE 754: positives get the sign bit set, negatives every bit flipped). The
 * points are sorted by it, not by their doubles: 32 bits take two passes, not six, and
 * points that tie in it are in one place in the index anyway. */
static uint32_t order_key(double d)
{
    float f = value_down(d);
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return (u >> 31) ? ~u : u | UINT32_C(0x80000000);
}

enum { RADIX_BITS = 16, RADIX_DIGITS = 1 << RADIX_BITS };
_Static_assert(32 / RADIX_BITS % 2 == 0, "radix_sort leaves its result in p after an even number of passes");

/* A point while it is sorted: the key of the pass (order_key of x, then of y) and which
 * point it is. 8 bytes, not the point's 24: the sort's two copies are what the packing
 * adds to the run's peak while SQLite's cache fills beside it (store.c). */
typedef struct keyed {
    uint32_t key, i;
} keyed;

/* Stable LSD radix sort of p[0..n) by key, 16 bits a pass; tmp holds n entries, count
 * RADIX_DIGITS. qsort's comparator calls were most of the index's time for millions of
 * points. */
static void radix_sort(keyed *p, size_t n, keyed *tmp, size_t *count)
{
    keyed *src = p, *dst = tmp;
    for (int shift = 0; shift < 32; shift += RADIX_BITS) {
        memset(count, 0, RADIX_DIGITS * sizeof *count);
        for (size_t i = 0; i < n; i++)
            count[(src[i].key >> shift) & (RADIX_DIGITS - 1)]++;
        size_t sum = 0;
        for (size_t d = 0; d < RADIX_DIGITS; d++) {
            size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i].key >> shift) & (RADIX_DIGITS - 1)]++] = src[i];
        keyed *t = src;
        src = dst, dst = t;
    }
    /* Two passes, an even number: the result is back in p. */
}

/* The points as the packing reads them: through the caller's function, or an array. */
typedef struct source {
    nv_store_rtree_point_fn fn;
    void *src;
    const nv_store_rtree_point *pts;
} source;

static nv_store_rtree_point point_at(const source *s, size_t i)
{
    nv_store_rtree_point p;
    if (s->pts)
        return s->pts[i];
    s->fn(s->src, i, &p);
    return p;
}

static int cmp_keyed_rowid(const void *a, const void *b)
{
    /* key and i hold the rowid's high and low 32 bits (rowid_order) */
    const keyed *p = a, *q = b;
    if (p[0].key != q[0].key)
        return p[0].key < q[0].key ? -1 : 1;
    return (p[0].i > q[0].i) - (p[0].i < q[0].i);
}

/* The points with finite coordinates, in rowid order (they usually are: then no sort),
 * so that the same points in any order give the same tree; *m their number, *lo and *hi
 * their rowids' range. NULL: out of memory (or n beyond 32-bit indices). */
static keyed *rowid_order(const source *s, size_t n, size_t *m, sqlite3_int64 *lo, sqlite3_int64 *hi)
{
    keyed *p = n < UINT32_MAX ? malloc((n ? n : 1) * sizeof *p) : NULL;
    int sorted = 1;
    sqlite3_int64 last = 0;
    *m = 0;
    if (!p)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        nv_store_rtree_point q = point_at(s, i);
        if (!isfinite(q.x) || !isfinite(q.y))
            continue;
        if (*m == 0 || q.rowid < *lo) *lo = q.rowid;
        if (*m == 0 || q.rowid > *hi) *hi = q.rowid;
        sorted &= *m == 0 || q.rowid > last;
        last = q.rowid;
        p[(*m)++] = (keyed){0, (uint32_t)i};
    }
    if (!sorted) {
        /* Rare (store.c's fids ascend): sort by rowid, 16 bytes a point for the while. */
        keyed *r = malloc((*m ? *m : 1) * 2 * sizeof *r);
        if (!r) {
            free(p);
            return NULL;
        }
        for (size_t k = 0; k < *m; k++) {
            uint64_t u = (uint64_t)point_at(s, p[k].i).rowid ^ UINT64_C(0x8000000000000000);
            r[2 * k] = (keyed){(uint32_t)(u >> 32), (uint32_t)u};
            r[2 * k + 1] = (keyed){0, p[k].i};
        }
        qsort(r, *m, 2 * sizeof *r, cmp_keyed_rowid);
        for (size_t k = 0; k < *m; k++)
            p[k] = r[2 * k + 1];
        free(r);
    }
    return p;
}

/* The points in the order x, then rowid, every vertical slice in the order y, then x,
 * then rowid (x and y as order_key has them), by stable radix sorts: from rowid order, a
 * stable sort by x gives x, rowid; a stable sort of a slice by y then gives y, x, rowid.
 * (str_order breaks ties in x by y; for points, whose ties in x are few and only move a
 * point between two neighbouring slices, a sort by y before the one by x was a third of
 * the time.) Returns the points' indices in that order (p itself, shrunk to 4 bytes a
 * point), NULL when out of memory (p is then freed). */
static uint32_t *str_order_points(const source *s, keyed *p, size_t n, size_t per)
{
    keyed *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = malloc(RADIX_DIGITS * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        free(p);
        return NULL;
    }
    size_t nodes = (n + per - 1) / per, slices = 1;
    while (slices * slices < nodes)
        slices++;
    size_t slice = ((nodes + slices - 1) / slices) * per;
    for (size_t k = 0; k < n; k++)
        p[k].key = order_key(point_at(s, p[k].i).x);
    radix_sort(p, n, tmp, count);
    for (size_t k = 0; k < n; k++)
        p[k].key = order_key(point_at(s, p[k].i).y);
    for (size_t k = 0; k < n; k += slice)
        radix_sort(p + k, n - k < slice ? n - k : slice, tmp, count);
    free(tmp);
    free(count);
    /* In place: entry k's 4 bytes go where entry k / 2 was, already read. */
    uint32_t *order = (uint32_t *)(void *)p;
    for (size_t k = 0; k < n; k++)
        order[k] = p[k].i;
    uint32_t *shrunk = realloc(order, (n ? n : 1) * sizeof *order);
    return shrunk ? shrunk : order;
}

/* Sort-tile-recursive order: by x, then each vertical slice of about sqrt(n / per)
 * nodes' worth by y, so that consecutive runs of `per` entries are compact tiles. */
static void str_order(void *base, size_t n, size_t size, size_t per, int (*by_x)(const void *, const void *),
                      int (*by_y)(const void *, const void *))
{
    size_t nodes = (n + per - 1) / per, slices = 1;
    while (slices * slices < nodes)
        slices++;
    size_t slice = ((nodes + slices - 1) / slices) * per;
    qsort(base, n, size, by_x);
    for (size_t i = 0; i < n; i += slice)
        qsort((char *)base + i * size, n - i < slice ? n - i : slice, size, by_y);
}

static void put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_i64(unsigned char *p, sqlite3_int64 v)
{
    uint64_t u = (uint64_t)v;
    for (int i = 7; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)u;
}

static void put_f32(unsigned char *p, float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    for (int i = 3; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)u;
}

/* Cell k of a node blob: the rowid (leaves) or child node number, then the box. */
static void put_cell(unsigned char *blob, size_t k, sqlite3_int64 id, const float box[4])
{
    unsigned char *c = blob + 4 + k * 24;
    put_i64(c, id);
    for (int i = 0; i < 4; i++)
        put_f32(c + 8 + 4 * i, box[i]);
}

static void grow_box(float box[4], const float b[4], int first)
{
    if (first) {
        memcpy(box, b, 4 * sizeof *box);
        return;
    }
    if (b[0] < box[0]) box[0] = b[0];
    if (b[1] > box[1]) box[1] = b[1];
    if (b[2] < box[2]) box[2] = b[2];
    if (b[3] > box[3]) box[3] = b[3];
}

static void point_box(const nv_store_rtree_point *p, float box[4])
{
    box[0] = value_down(p->x);
    box[1] = value_up(p->x);
    box[2] = value_down(p->y);
    box[3] = value_up(p->y);
}

/* A packed tree: its nodes in the order they are written (the leaves first, then each
 * level above, the root last), and which leaf holds each rowid. */
struct nv_store_rtree {
    int size;                 /* bytes per node blob */
    size_t per;               /* cells per node */
    size_t n_nodes, n_leaves, cap_nodes;
    sqlite3_int64 *nodeno;    /* per node */
    unsigned char *blobs;     /* n_nodes blobs of size bytes */
    /* NAME_rowid, in rowid order: inserted in the leaves' order, the rowids would come at
     * random and each would move the B-tree. When the rowids are dense, as a table's
     * fids are, leaf[r - lo] is rowid r's leaf (0: no such rowid; 4 bytes a rowid), else
     * the pairs are sorted (16 bytes a point). */
    uint32_t *leaf;
    sqlite3_int64 lo;
    size_t range;
    struct leaf_of {
        sqlite3_int64 rowid, nodeno;
    } *leaf_of;
    size_t n_rows;
};

static int cmp_leaf_of(const void *a, const void *b)
{
    const struct leaf_of *p = a, *q = b;
    return (p->rowid > q->rowid) - (p->rowid < q->rowid);
}

/* A new node's blob: depth (stored in the root only) and cell count set, the cells
 * after the count zeroed. NULL when out of memory. */
static unsigned char *add_node(nv_store_rtree *t, sqlite3_int64 nodeno, size_t ncell, unsigned depth)
{
    if (t->n_nodes == t->cap_nodes)
        return NULL; /* sized in advance: not reached */
    unsigned char *blob = t->blobs + t->n_nodes * (size_t)t->size;
    t->nodeno[t->n_nodes++] = nodeno;
    put_u16(blob, depth);
    put_u16(blob + 2, (unsigned)ncell);
    memset(blob + 4 + ncell * 24, 0, (size_t)t->size - 4 - ncell * 24);
    return blob;
}

/* Where rowid r's leaf goes: the dense map, or the pairs (sorted after the packing). */
static void set_leaf(nv_store_rtree *t, size_t i, sqlite3_int64 rowid, sqlite3_int64 nodeno)
{
    if (t->leaf)
        t->leaf[rowid - t->lo] = (uint32_t)nodeno;
    else
        t->leaf_of[i] = (struct leaf_of){rowid, nodeno};
}

/* The dense map when the rowids span at most 4 n + 1024 values and the node numbers fit
 * in 32 bits, else room for the pairs. 0: out of memory. */
static int alloc_leaves(nv_store_rtree *t, size_t n, sqlite3_int64 lo, sqlite3_int64 hi)
{
    uint64_t range = n ? (uint64_t)hi - (uint64_t)lo + 1 : 0;
    if (n && range <= 4 * (uint64_t)n + 1024 && t->cap_nodes < UINT32_MAX) {
        t->lo = lo;
        t->range = (size_t)range;
        return (t->leaf = calloc(t->range, sizeof *t->leaf)) != NULL;
    }
    return (t->leaf_of = malloc((n ? n : 1) * sizeof *t->leaf_of)) != NULL;
}

/* The points order[0..n) (in STR order, or rowid order when they fit in one node) as
 * leaves numbered from *next, their boxes into up[]; or, when they fit in one node, as
 * the root. */
static void pack_leaves(nv_store_rtree *t, const source *s, const uint32_t *order, size_t n, struct node *up,
                        size_t *n_up, sqlite3_int64 *next)
{
    int root = n <= t->per;
    *n_up = 0;
    for (size_t i = 0; i < n; i += t->per) {
        size_t k = n - i < t->per ? n - i : t->per;
        sqlite3_int64 nodeno = root ? 1 : (*next)++;
        unsigned char *blob = add_node(t, nodeno, k, 0);
        struct node *u = &up[(*n_up)++];
        for (size_t j = 0; j < k; j++) {
            float box[4];
            nv_store_rtree_point p = point_at(s, order[i + j]);
            point_box(&p, box);
            put_cell(blob, j, p.rowid, box);
            grow_box(u->box, box, j == 0);
            set_leaf(t, i + j, p.rowid, nodeno);
        }
        u->nodeno = nodeno;
        u->cx = ((double)u->box[0] + u->box[1]) / 2;
        u->cy = ((double)u->box[2] + u->box[3]) / 2;
    }
    t->n_leaves = t->n_nodes;
    t->n_rows = n;
    if (t->leaf_of)
        qsort(t->leaf_of, n, sizeof *t->leaf_of, cmp_leaf_of);
}

/* One level above nodes[0..n): the parent nodes (or the root, depth `depth`, when they
 * fit in one); their boxes replace nodes[0..*n_out). */
static void pack_level(nv_store_rtree *t, struct node *nodes, size_t n, size_t *n_out, unsigned depth,
                       sqlite3_int64 *next)
{
    int root = n <= t->per;
    if (!root)
        str_order(nodes, n, sizeof *nodes, t->per, cmp_nx, cmp_ny);
    size_t out = 0;
    for (size_t i = 0; i < n; i += t->per) {
        size_t k = n - i < t->per ? n - i : t->per;
        sqlite3_int64 nodeno = root ? 1 : (*next)++;
        unsigned char *blob = add_node(t, nodeno, k, root ? depth : 0);
        struct node u;
        for (size_t j = 0; j < k; j++) {
            put_cell(blob, j, nodes[i + j].nodeno, nodes[i + j].box);
            grow_box(u.box, nodes[i + j].box, j == 0);
        }
        u.nodeno = nodeno;
        u.cx = ((double)u.box[0] + u.box[1]) / 2;
        u.cy = ((double)u.box[2] + u.box[3]) / 2;
        nodes[out++] = u; /* out <= i / per < i + 1: the entries read are already used */
    }
    *n_out = out;
}

void nv_store_rtree_free(nv_store_rtree *t)
{
    if (!t)
        return;
    free(t->nodeno);
    free(t->blobs);
    free(t->leaf);
    free(t->leaf_of);
    free(t);
}

static nv_store_rtree *pack(const source *s, size_t n_in, int node_size)
{
    if (node_size < 4 + 24 * 3)
        return NULL;
    nv_store_rtree *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->size = node_size;
    t->per = (size_t)(node_size - 4) / 24;
    /* Sorted before the nodes are allocated: the sort's scratch copy and the nodes are
     * never held at once. */
    size_t n = 0;
    sqlite3_int64 lo = 0, hi = 0;
    keyed *p = rowid_order(s, n_in, &n, &lo, &hi);
    uint32_t *order = NULL;
    if (p && n <= t->per) {
        order = (uint32_t *)(void *)p;
        for (size_t k = 0; k < n; k++)
            order[k] = p[k].i;
    } else if (p) {
        order = str_order_points(s, p, n, t->per);
    }
    if (!order) {
        free(t);
        return NULL;
    }
    /* Nodes: the leaves, then each level at most 1/per of the one below, plus one each. */
    size_t leaves = (n + t->per - 1) / t->per, cap = 1;
    for (size_t level = leaves; level > 1; level = (level + t->per - 1) / t->per)
        cap += level;
    t->cap_nodes = cap;
    t->nodeno = malloc(cap * sizeof *t->nodeno);
    t->blobs = malloc(cap * (size_t)node_size);
    int leaves_ok = alloc_leaves(t, n, lo, hi);
    struct node *up = malloc((leaves ? leaves : 1) * sizeof *up);
    if (!t->nodeno || !t->blobs || !leaves_ok || !up) {
        free(up);
        free(order);
        nv_store_rtree_free(t);
        return NULL;
    }
    sqlite3_int64 next = 2;
    size_t n_up = 0;
    if (n)
        pack_leaves(t, s, order, n, up, &n_up, &next);
    free(order);
    for (unsigned depth = 1; n > t->per; depth++) {
        int last = n_up <= t->per;
        pack_level(t, up, n_up, &n_up, depth, &next);
        if (last)
            break;
    }
    free(up);
    return t;
}

nv_store_rtree *nv_store_rtree_pack(const nv_store_rtree_point *pts, size_t n, int node_size)
{
    source s = {NULL, NULL, pts};
    return pack(&s, n, node_size);
}

nv_store_rtree *nv_store_rtree_pack_from(size_t n, nv_store_rtree_point_fn point, void *src, int node_size)
{
    source s = {point, src, NULL};
    return pack(&s, n, node_size);
}

static int step(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int write_pair(sqlite3_stmt *st, sqlite3_int64 a, sqlite3_int64 b)
{
    int rc = sqlite3_bind_int64(st, 1, a);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 2, b);
    return rc == SQLITE_OK ? step(st) : rc;
}

static int write_node(sqlite3_stmt *st, sqlite3_int64 nodeno, const unsigned char *blob, int size)
{
    int rc = sqlite3_bind_int64(st, 1, nodeno);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 2, blob, size, SQLITE_STATIC);
    return rc == SQLITE_OK ? step(st) : rc;
}

static int prepare(sqlite3 *db, const char *fmt, const char *name, sqlite3_stmt **st)
{
    char *sql = sqlite3_mprintf(fmt, name);
    if (!sql)
        return SQLITE_NOMEM;
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    sqlite3_free(sql);
    return rc;
}

int nv_store_rtree_node_size(sqlite3 *db, const char *name, int *size)
{
    sqlite3_stmt *probe = NULL;
    /* The node size is the root's: rtree.c sizes its blobs when the table is created
     * (page size - 64, at most 51 cells) and reads the size back from node 1. */
    char *sql = sqlite3_mprintf("SELECT length(data), (SELECT count(*) FROM \"%w_node\"),"
                                " (SELECT count(*) FROM \"%w_rowid\") FROM \"%w_node\" WHERE nodeno = 1",
                                name, name, name);
    int rc = sql ? sqlite3_prepare_v2(db, sql, -1, &probe, NULL) : SQLITE_NOMEM;
    sqlite3_free(sql);
    if (rc == SQLITE_OK) {
        if (sqlite3_step(probe) != SQLITE_ROW || sqlite3_column_int(probe, 1) != 1 ||
            sqlite3_column_int(probe, 2) != 0 || sqlite3_column_int(probe, 0) < 4 + 24 * 3)
            rc = SQLITE_CORRUPT;
        else
            *size = sqlite3_column_int(probe, 0);
    }
    sqlite3_finalize(probe);
    return rc;
}

/* NAME_rowid's rows as nv_rows (storerows.h): c0 the rowid, c1 its leaf (NULL: no such
 * rowid in a dense map). A rowid that follows the one stored just before it (the rows go
 * in in rowid order, into an empty table) is left NULL: SQLite gives it the table's
 * largest rowid + 1, the same number, without the seek that checks an explicit rowid
 * (a third of these rows' time). */
static void rowid_column(sqlite3_context *ctx, void *src, size_t row, int col)
{
    const nv_store_rtree *t = src;
    if (t->leaf) {
        if (col == 1 && t->leaf[row])
            sqlite3_result_int64(ctx, t->leaf[row]);
        else if (col == 1 || (row > 0 && t->leaf[row - 1]))
            sqlite3_result_null(ctx);
        else
            sqlite3_result_int64(ctx, t->lo + (sqlite3_int64)row);
    } else if (col == 1) {
        sqlite3_result_int64(ctx, t->leaf_of[row].nodeno);
    } else if (row > 0 && t->leaf_of[row - 1].rowid == t->leaf_of[row].rowid - 1) {
        sqlite3_result_null(ctx);
    } else {
        sqlite3_result_int64(ctx, t->leaf_of[row].rowid);
    }
}

/* NAME_rowid in rowid order, in one statement: for millions of points, stepping an
 * INSERT a row cost more than storing the rows. */
static int write_rowids(sqlite3 *db, const char *name, const nv_store_rtree *t)
{
    char *sql = sqlite3_mprintf("INSERT INTO \"%w_rowid\" (rowid, nodeno) SELECT c0, c1 FROM nv_rows%s", name,
                                t->leaf ? " WHERE c1 IS NOT NULL" : "");
    if (!sql)
        return SQLITE_NOMEM;
    int rc = nv_store_rows_run(db, sql, t->leaf ? t->range : t->n_rows, rowid_column, (void *)t, NULL);
    sqlite3_free(sql);
    return rc;
}

/* The rows in the order the tree was built: the leaves, NAME_rowid, then each node above
 * after the NAME_parent rows of its children (the ids in its cells). */
int nv_store_rtree_write(sqlite3 *db, const char *name, const nv_store_rtree *t)
{
    sqlite3_stmt *node = NULL, *parent = NULL;
    int rc;
    if (t->n_nodes == 0)
        return SQLITE_OK;
    if ((rc = prepare(db, "INSERT OR REPLACE INTO \"%w_node\" (nodeno, data) VALUES (?1, ?2)", name, &node)) !=
            SQLITE_OK ||
        (rc = prepare(db, "INSERT INTO \"%w_parent\" (nodeno, parentnode) VALUES (?1, ?2)", name, &parent)) !=
            SQLITE_OK)
        goto done;
    for (size_t i = 0; i < t->n_leaves && rc == SQLITE_OK; i++)
        rc = write_node(node, t->nodeno[i], t->blobs + i * (size_t)t->size, t->size);
    if (rc == SQLITE_OK)
        rc = write_rowids(db, name, t);
    for (size_t i = t->n_leaves; i < t->n_nodes && rc == SQLITE_OK; i++) {
        const unsigned char *blob = t->blobs + i * (size_t)t->size;
        unsigned ncell = (unsigned)blob[2] << 8 | blob[3];
        for (unsigned j = 0; j < ncell && rc == SQLITE_OK; j++) {
            sqlite3_int64 child = 0;
            for (int b = 0; b < 8; b++)
                child = (sqlite3_int64)((uint64_t)child << 8 | blob[4 + j * 24 + b]);
            rc = write_pair(parent, child, t->nodeno[i]);
        }
        if (rc == SQLITE_OK)
            rc = write_node(node, t->nodeno[i], blob, t->size);
    }
done:
    sqlite3_finalize(node);
    sqlite3_finalize(parent);
    return rc;
}

int nv_store_rtree_load(sqlite3 *db, const char *name, const nv_store_rtree_point *pts, size_t n)
{
    int size = 0, rc;
    if (n == 0)
        return SQLITE_OK;
    if ((rc = nv_store_rtree_node_size(db, name, &size)) != SQLITE_OK)
        return rc;
    nv_store_rtree *t = nv_store_rtree_pack(pts, n, size);
    if (!t)
        return SQLITE_NOMEM;
    rc = nv_store_rtree_write(db, name, t);
    nv_store_rtree_free(t);
    return rc;
}
