/* attributes.h — tables of the user's own columns joined by code (--attributes CSV):
 * keyed by kommunkod, a municipality table (whether it has signed an agreement, a survey
 * answer); keyed by lanskod, a county table. Read like office plans (encodings, ';',
 * decimal commas; offices.h nv_csv_read). A code that lost its leading zero (114, 1) is
 * read as 0114, 01.
 *
 * Errors, NV_ERR_INPUT with file:line: no key column, a code that is no municipality
 * (or county) of the boundaries, a code given twice, a column whose name clashes with a
 * column of the results or of another attribute table. Immutable once loaded. */
#ifndef NV_ATTRIBUTES_H
#define NV_ATTRIBUTES_H

#include "boundaries.h"
#include "error.h"

#include <stddef.h>

typedef enum nv_attr_level { NV_ATTR_MUNICIPALITY = 0, NV_ATTR_COUNTY = 1 } nv_attr_level;

typedef struct nv_attributes nv_attributes;

nv_attributes *nv_attributes_create(void); /* NULL when out of memory */
void nv_attributes_destroy(nv_attributes *a); /* accepts NULL */

/* Reads one table and joins it to b's municipalities or counties. reserved[level] are
 * NULL-terminated lists of the result columns at each level (a clash is an error). */
nv_status nv_attributes_load(nv_attributes *a, const char *path, const nv_boundaries *b,
                             const char *const *const reserved[2], nv_error *err);

/* The joined columns of a level, in file and column order (borrowed). */
size_t nv_attributes_count(const nv_attributes *a, nv_attr_level level);
const char *nv_attributes_name(const nv_attributes *a, nv_attr_level level, size_t col);
/* 1 when every value of the column is a number (decimal commas allowed). */
int nv_attributes_numeric(const nv_attributes *a, nv_attr_level level, size_t col);
/* The value for a municipality (by its index in b, sorted by code) or a county (by its
 * two-digit lanskod); "" when the table has no row for it. Borrowed. */
const char *nv_attributes_muni_value(const nv_attributes *a, size_t muni, size_t col);
const char *nv_attributes_county_value(const nv_attributes *a, const char *lanskod, size_t col);
/* The files read, in order (borrowed). */
size_t nv_attributes_files(const nv_attributes *a, const char *const **paths);

#endif
