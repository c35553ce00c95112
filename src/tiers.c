/* tiers.c — forms of local presence, ranked (see tiers.h). */
#include "tiers.h"

#include "textin.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_TIERS = 32 };

struct nv_tiers {
    char *words[MAX_TIERS];
    size_t n;
    unsigned char office[MAX_TIERS];
    char *office_list;
};

const char *nv_tiers_canonical(const char *word)
{
    static const struct { const char *sv, *en; } words[] = {
        {"bemannad", "staffed"}, {"bemannat", "staffed"}, {"bemannat kontor", "staffed"},
        {"bokad", "booked"}, {"bokat", "booked"}, {"bokade", "booked"},
        {"bokade besök", "booked"}, {"bokat besök", "booked"}, {"bokad besök", "booked"},
        {"inresekontor", "booked"},
        {"statens servicecenter", "servicekontor"}, {"servicecenter", "servicekontor"},
        {"samarbete", "cooperation"}, {"samarbetslösning", "cooperation"},
        {"samarbetslösningar", "cooperation"},
        {"överenskommelse", "agreement"}, {"överenskommelser", "agreement"},
    };
    for (size_t i = 0; word && i < sizeof words / sizeof *words; i++)
        if (strcmp(word, words[i].sv) == 0)
            return words[i].en;
    return NULL;
}

void nv_tiers_destroy(nv_tiers *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->words[i]);
    free(t->office_list);
    free(t);
}

/* One word of a list: trimmed, lower-cased, white space collapsed, Swedish mapped. */
static char *tier_word(const char *s, size_t len)
{
    char *w = malloc(len + 1);
    if (!w)
        return NULL;
    memcpy(w, s, len);
    w[len] = '\0';
    nv_text_trim(w);
    nv_text_lower_utf8(w);
    size_t o = 0;
    for (size_t i = 0; w[i]; i++)
        if (w[i] != ' ' || (o && w[o - 1] != ' '))
            w[o++] = w[i];
    w[o] = '\0';
    const char *en = nv_tiers_canonical(w);
    if (en) {
        free(w);
        return strdup(en);
    }
    return w;
}

/* Splits a comma-separated list into words[]; *n gets the count. */
static nv_status split_list(const char *list, const char *option, char **words, size_t *n, nv_error *err)
{
    *n = 0;
    for (const char *p = list;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (*n == MAX_TIERS)
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0, "%s '%s': at most %d words", option, list, MAX_TIERS);
        char *w = tier_word(p, len);
        if (!w)
            return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        words[(*n)++] = w;
        if (!w[0])
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                "%s '%s': an empty word; give words separated by single commas, e.g. %s", option,
                                list, NV_TIERS_DEFAULT_ORDER);
        if (strcmp(w, "none") == 0)
            return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                "%s '%s': \"none\" is the absence of presence, always ranked last; leave it out",
                                option, list);
        for (size_t i = 0; i + 1 < *n; i++)
            if (strcmp(words[i], w) == 0)
                return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                                    "%s '%s': \"%s\" is named twice (Swedish words count as their English tier)",
                                    option, list, w);
        if (!end)
            return NV_OK;
        p = end + 1;
    }
}

nv_status nv_tiers_create(const char *order, const char *office_types, nv_tiers **out, nv_error *err)
{
    char *offices[MAX_TIERS];
    size_t n_offices = 0;
    nv_status st;
    nv_tiers *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    if (!order)
        order = NV_TIERS_DEFAULT_ORDER;
    if (!office_types)
        office_types = NV_TIERS_DEFAULT_OFFICES;
    if ((st = split_list(order, "--presence-order", t->words, &t->n, err)) != NV_OK)
        goto done;
    if ((st = split_list(office_types, "--office-types", offices, &n_offices, err)) != NV_OK)
        goto done;
    for (size_t k = 0; k < n_offices; k++) {
        size_t r = nv_tiers_rank(t, offices[k]);
        if (r == t->n) {
            st = nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                              "--office-types '%s': \"%s\" is not in the presence order (%s); add it to "
                              "--presence-order",
                              office_types, offices[k], order);
            goto done;
        }
        t->office[r] = 1;
    }
    if (!(t->office_list = strdup(office_types)))
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
done:
    for (size_t k = 0; k < n_offices; k++)
        free(offices[k]);
    if (st != NV_OK) {
        nv_tiers_destroy(t);
        return st;
    }
    *out = t;
    return NV_OK;
}

size_t nv_tiers_count(const nv_tiers *t)
{
    return t->n;
}

const char *nv_tiers_word(const nv_tiers *t, size_t i)
{
    return i < t->n ? t->words[i] : NULL;
}

size_t nv_tiers_rank(const nv_tiers *t, const char *word)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->words[i], word) == 0)
            return i;
    return t->n;
}

int nv_tiers_is_office(const nv_tiers *t, const char *word)
{
    size_t r = nv_tiers_rank(t, word);
    return r < t->n && t->office[r];
}

const char *nv_tiers_office_list(const nv_tiers *t)
{
    return t->office_list;
}
