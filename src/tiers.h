/* tiers.h — forms of local presence, ranked.
 *
 * Every location of a plan has a type word; the word is its presence tier. Tiers are
 * ranked, best first, by default
 *     staffed > booked > servicekontor > cooperation > agreement > any other word,
 * and a municipality's presence is the best tier among its locations ("none" without
 * any). Swedish words map onto the English ones (nv_tiers_canonical). Some tiers are the
 * service's own offices (default staffed and booked): they alone make the office counts
 * and the nearest-office distances; every tier counts for presence.
 *
 * A ranking is an immutable value once made: share it between threads freely. */
#ifndef NV_TIERS_H
#define NV_TIERS_H

#include "error.h"

#include <stddef.h>

/* The default ranking and office tiers, as the CLI spells them. */
#define NV_TIERS_DEFAULT_ORDER "staffed,booked,servicekontor,cooperation,agreement"
#define NV_TIERS_DEFAULT_OFFICES "staffed,booked"

/* The English tier word for a lower-cased, space-collapsed type word: "bemannad" ->
 * "staffed", "bokade besök" and "inresekontor" -> "booked", "statens servicecenter" ->
 * "servicekontor", "samarbete"/"samarbetslösning" -> "cooperation", "överenskommelse"
 * -> "agreement". A static string, or NULL when the word is no known synonym (the word
 * itself is then the tier). */
const char *nv_tiers_canonical(const char *word);

typedef struct nv_tiers nv_tiers;

/* A ranking from comma-separated lists of words (any case, Swedish words allowed, see
 * nv_tiers_canonical); NULL takes the default. A word named twice, an empty word, "none",
 * or an office tier that the order does not name, is NV_ERR_INPUT with a message naming
 * the option (--presence-order, --office-types). Free with nv_tiers_destroy. */
nv_status nv_tiers_create(const char *order, const char *office_types, nv_tiers **out, nv_error *err);
void nv_tiers_destroy(nv_tiers *t); /* accepts NULL */

/* The ranked words, best first (borrowed, valid while t lives). */
size_t nv_tiers_count(const nv_tiers *t);
const char *nv_tiers_word(const nv_tiers *t, size_t i);

/* Rank of a tier word: its index in the order, or nv_tiers_count(t) for any other word
 * (all other words share the last rank; callers break ties alphabetically). */
size_t nv_tiers_rank(const nv_tiers *t, const char *word);

/* 1 when the word is one of the service's own office tiers. */
int nv_tiers_is_office(const nv_tiers *t, const char *word);

/* The office tiers as the comma-separated list they were given in (borrowed). */
const char *nv_tiers_office_list(const nv_tiers *t);

#endif
