/* places.h — the gazetteer: town names to points, each trusted for one municipality.
 *
 * A gazetteer is a CSV of localities with a name, WGS 84 lat/lon (or x/y) and optionally a
 * municipality code, read like an office plan (offices.h: the same encodings, delimiters
 * and Swedish headers; the name is the first of town, ort, tätort, locality, plats, name,
 * namn), or any OGR point layer (a source whose name does not end in .csv, .txt or .tsv;
 * boundaries.h nv_boundaries_read_places). Every entry is located with narvaro's own point-in-polygon test and is trusted
 * only for the municipality its point lies in, whatever code it states (in
 * localities.csv, 208 of 1,916 entries state a code their point does not lie in); an
 * entry whose point lies outside every municipality is left out, and counted.
 *
 * Names match after Unicode normalisation (NFC), case folding, trimming and collapsing
 * white space; a query "X kommun" also matches X. Coordinates are in the analysis CRS of
 * the boundaries (metres for EPSG:3006). The gazetteer is immutable once loaded: lookups
 * are thread-safe. */
#ifndef NV_PLACES_H
#define NV_PLACES_H

#include "boundaries.h"
#include "error.h"
#include "index.h"

#include <stddef.h>

typedef struct nv_places_options {
    const char *source;        /* a CSV file or an OGR source; required */
    const char *name_field;    /* the name column; NULL: detect (see above) */
    const char *analysis_crs;  /* NULL: "EPSG:3006" */
} nv_places_options;

/* One trusted entry. Strings are owned by the gazetteer. */
typedef struct nv_place {
    const char *name;          /* as written, UTF-8 */
    const char *kommunkod;     /* the municipality its point lies in (borrowed from the boundaries) */
    const char *kommun_namn;   /* that municipality's name (borrowed from the boundaries) */
    size_t muni;               /* its index in the boundaries (sorted by code) */
    double x, y;               /* analysis CRS */
    double lat_deg, lon_deg;   /* as read; NAN when the source gave x/y */
    long line;                 /* line in a CSV source, for messages; 0 for a layer */
    long feature;              /* feature id in an OGR layer; -1 for a CSV source */
} nv_place;

typedef struct nv_places nv_places;

/* Reads and locates every entry. b and idx (the polygons of b, in the same order) are
 * only used while loading. Rows with problems (no name, bad coordinates) are left out
 * with a warning in diags (the first three), entries outside every municipality silently
 * (nv_places_untrusted counts them); a missing or unreadable file,
 * or one without name or coordinate columns, is NV_ERR_INPUT. Free with
 * nv_places_destroy. */
nv_status nv_places_load(const nv_places_options *o, const nv_boundaries *b, const nv_polyindex *idx,
                         nv_places **out, nv_diags *diags, nv_error *err);
void nv_places_destroy(nv_places *p); /* accepts NULL */

/* A gazetteer may end up empty (no entry lies in these boundaries): the caller decides
 * whether that is an error. */

/* The source path as given (borrowed). */
const char *nv_places_source(const nv_places *p);

/* The trusted entries in file order (borrowed, valid while p lives): suggest's
 * candidate sites, for instance. */
size_t nv_places_count(const nv_places *p);
const nv_place *nv_places_get(const nv_places *p, size_t i);
/* Entries read; those left out (outside every municipality); those kept for another
 * municipality than the code they state. */
size_t nv_places_read(const nv_places *p);
size_t nv_places_untrusted(const nv_places *p);
size_t nv_places_moved(const nv_places *p);

/* The entries named name, at most one per municipality (the first in the file), in code
 * order; muni >= 0 restricts the search to that municipality. Writes up to max entry
 * indices to out and returns how many municipalities have one (may exceed max). */
size_t nv_places_find(const nv_places *p, const char *name, long muni, size_t *out, size_t max);

/* The up to max distinct entry names closest to name (edit distance over characters after
 * normalisation, then alphabetical), for "did you mean"; returns how many. Borrowed. */
size_t nv_places_closest(const nv_places *p, const char *name, const char **out, size_t max);

/* The normalised key of a name: NFC, case-folded, trimmed, single spaces, without a
 * trailing " kommun". Caller frees; NULL when out of memory or not UTF-8. */
char *nv_places_key(const char *name);

#endif
