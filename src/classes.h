/* classes.h — the classes of a map: which class each municipality falls in, the class's
 * key, legend label and colour, and the class limits (fixed, quantile or Jenks). The one
 * source of truth for classes and colours: the map renderer calls it, and so can any other
 * writer of maps or styles (an HTML report's SVG, a QGIS style), so that all draw the
 * same classes in the same colours.
 *
 * No drawing and no database here: the input is the values (or presence counts) of the
 * municipalities, and the spec (mapspec.h) that names the measure, breaks and palette.
 *
 * Units: distance measures in km, share_within_<R>km in percent. Limits of km classes
 * are upper limits (a value at a limit is in the class below); a share's are lower
 * limits (99 % is in "≥ 99 %"). Colours are 0xRRGGBB. Labels are UTF-8 in the language
 * asked for. Everything is in caller-owned structs: nothing to free. */
#ifndef NV_CLASSES_H
#define NV_CLASSES_H

#include "error.h"
#include "mapspec.h"

#include <stddef.h>

#define NV_CLASSES_MAX (NV_MAPSPEC_MAX_CLASSES + 1) /* the classes and a no-data class */
#define NV_CLASSES_RANKS 17 /* presence tiers: up to 16 of a run's tiers (mapdata.h), then none */

typedef struct nv_class {
    char key[24];              /* presence: the tier word ("staffed", "cooperation", ...), "none";
                                * distance and population measures: "class1".., "no_data";
                                * change: "lost_presence", "longer", "unchanged", "shorter", "gained_presence" */
    char label[96];            /* as printed in the legend (UTF-8) */
    unsigned color;            /* 0xRRGGBB */
} nv_class;

typedef struct nv_classes {
    nv_measure measure;        /* the spec's */
    nv_breaks method;          /* how the limits were found */
    nv_class cls[NV_CLASSES_MAX];
    size_t n;                  /* classes, in legend order */
    double breaks[NV_MAPSPEC_MAX_CLASSES]; /* class limits (see the top), ascending */
    size_t n_breaks;
    int rank_class[NV_CLASSES_RANKS]; /* presence: tier index (n_tiers: none) -> class, -1 where not shown */
    int no_data_class;         /* numeric measures: class of municipalities without a value, or -1 */
    int categories;            /* measure column:NAME of text: the classes are its values */
    unsigned no_data_color;    /* the spec's, for municipalities in no class */
} nv_classes;

/* What the classes are made from: the municipalities of every map that shares the
 * classes (two plans side by side, a batch of runs). Borrowed for the call. */
typedef struct nv_class_input {
    int rank_counts[NV_CLASSES_RANKS]; /* presence: municipalities per tier index on the maps shown
                                * (a tier is a class only where some municipality has it;
                                * none always is) */
    const char *const *tier_words; /* presence: the run's tiers, best first (NULL: staffed, booked) */
    size_t n_tiers;            /* index n_tiers of rank_counts is "none" */
    const double *values;      /* numeric measures with quantile or jenks breaks: the values the
                                * limits are computed over, any order, NANs skipped */
    size_t n_values;
    size_t no_data;            /* numeric measures: municipalities on the maps shown without a
                                * value (a no-data class is added when there are any) */
    const char *const *categories; /* measure column:NAME of text: its distinct values, sorted (a
                                * class each, keyed by the value); NULL for numbers */
    size_t n_categories;
} nv_class_input;

/* Makes the classes of spec s for measure values in, in language lang, with limits by
 * method (the spec's or another). NV_ERR_INPUT when the spec's colours are fewer than the
 * classes or its palette is unknown (the message names the spec); NV_ERR_FAIL when out of
 * memory. */
nv_status nv_classes_make(nv_classes *c, const nv_mapspec *s, nv_lang lang, nv_breaks method,
                          const nv_class_input *in, nv_error *err);

/* The class (an index into c->cls) of a municipality with presence tier index, or -1. */
int nv_classes_of_rank(const nv_classes *c, int rank);

/* The class of a km or percent value (NAN: the no-data class, -1 if none), for numeric
 * measures. */
int nv_classes_of_value(const nv_classes *c, double v);

/* The class of a text value of measure column:NAME (NULL: the no-data class, -1 if none). */
int nv_classes_of_category(const nv_classes *c, const char *value);

/* The class of an nv_change_class, for measure change (-1 for none). */
int nv_classes_of_change(const nv_classes *c, int change);

/* The n colours of spec s for n classes: its colours, else its palette (reversed where
 * the spec asks, and for shares so that the lowest share is the strongest colour).
 * NV_ERR_INPUT as for nv_classes_make. */
nv_status nv_classes_colors(const nv_mapspec *s, size_t n, unsigned *out, nv_error *err);

/* Class limits over values sorted ascending (NANs excluded), as upper class limits: a
 * value v is in the first class whose limit is >= v, or in the last class. Return the
 * number of limits written to breaks (at most k - 1; fewer when values repeat). */
size_t nv_classes_breaks_quantile(const double *sorted, size_t n, int k, double *breaks);
size_t nv_classes_breaks_jenks(const double *sorted, size_t n, int k, double *breaks);

/* The class (0..n_breaks) of v under upper-inclusive limits. */
int nv_classes_classify(double v, const double *breaks, size_t n_breaks);

/* Numbers as the legend and the map's texts print them. km: "12,5" in Swedish, "12.5" in
 * English, whole numbers from 10 up. Percent: whole numbers as they are, else one
 * decimal; with radius set, a radius as it was given (12.5 stays 12.5). */
void nv_classes_format_km(char *buf, size_t size, double km, nv_lang lang);
void nv_classes_format_pct(char *buf, size_t size, double pct, nv_lang lang, int radius);

/* digits ("-1234.5", C notation) with the language's separators into buf, the one rule
 * of the maps and the report: thousands with a no-break space in Swedish, a comma in
 * English; the decimal sign a comma in Swedish. Returns buf. */
const char *nv_classes_localize(char *buf, size_t size, const char *digits, nv_lang lang);

#endif
