/* strpool.c — strings in large blocks, with interning (strpool.h). */
#include "strpool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 1 << 20 };

struct block {
    struct block *next;
    size_t used, cap;
    char data[];
};

struct nv_strpool {
    struct block *head;
    const char **slots; /* open addressing over interned strings; NULL = empty */
    size_t n_slots, n_interned;
    size_t bytes;
};

nv_strpool *nv_strpool_create(void)
{
    return calloc(1, sizeof(nv_strpool));
}

void nv_strpool_destroy(nv_strpool *p)
{
    if (!p)
        return;
    for (struct block *b = p->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(p->slots);
    free(p);
}

const char *nv_strpool_copy(nv_strpool *p, const char *s, size_t n)
{
    struct block *b = p->head;
    if (!b || b->cap - b->used < n + 1) {
        /* A string longer than a block gets a block of its own, behind the current one,
         * so the current block's free room is not lost. */
        size_t cap = n + 1 > BLOCK ? n + 1 : BLOCK;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->used = 0;
        nb->cap = cap;
        if (b && cap > BLOCK) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            p->head = nb;
        }
        p->bytes += sizeof *nb + cap;
        b = nb;
    }
    char *out = b->data + b->used;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
    b->used += n + 1;
    return out;
}

static size_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211u;
    }
    return (size_t)h;
}

static int grow(nv_strpool *p)
{
    size_t n_slots = p->n_slots ? p->n_slots * 2 : 256;
    const char **slots = calloc(n_slots, sizeof *slots);
    if (!slots)
        return 0;
    for (size_t i = 0; i < p->n_slots; i++) {
        const char *s = p->slots[i];
        if (!s)
            continue;
        size_t k = hash(s, strlen(s)) & (n_slots - 1);
        while (slots[k])
            k = (k + 1) & (n_slots - 1);
        slots[k] = s;
    }
    p->bytes += (n_slots - p->n_slots) * sizeof *slots;
    free(p->slots);
    p->slots = slots;
    p->n_slots = n_slots;
    return 1;
}

const char *nv_strpool_intern(nv_strpool *p, const char *s, size_t n)
{
    if (n == 0)
        return "";
    if ((p->n_interned + 1) * 2 > p->n_slots && !grow(p))
        return NULL;
    size_t mask = p->n_slots - 1, k = hash(s, n) & mask;
    for (; p->slots[k]; k = (k + 1) & mask)
        if (strncmp(p->slots[k], s, n) == 0 && p->slots[k][n] == '\0')
            return p->slots[k];
    const char *copy = nv_strpool_copy(p, s, n);
    if (copy) {
        p->slots[k] = copy;
        p->n_interned++;
    }
    return copy;
}

size_t nv_strpool_bytes(const nv_strpool *p)
{
    return p ? p->bytes : 0;
}
