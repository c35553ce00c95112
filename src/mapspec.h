/* mapspec.h — map specifications: the small `key = value` text files in the maps/ folder
 * that say what a map shows and how (title, measure, classes, palette, paper, language).
 * A planner copies one and edits it; every key is documented in maps/README.md.
 *
 * The parser is strict: an unknown key, a bad value or a key given twice is an error
 * with the file, the line and the valid choices, because a typo that is silently
 * ignored produces a map that looks right and is not. */
#ifndef NV_MAPSPEC_H
#define NV_MAPSPEC_H

#include "error.h"

#include <stddef.h>

typedef enum nv_lang { NV_LANG_SV = 0, NV_LANG_EN = 1 } nv_lang;

typedef enum nv_measure {
    NV_MEASURE_PRESENCE = 0,    /* classes staffed, booked, other, none */
    NV_MEASURE_NEAREST_KM = 1,  /* nearest_office_km in classes */
    NV_MEASURE_CHANGE = 2,      /* a comparison's five change classes (compare.h), lost presence first */
    NV_MEASURE_MEAN_KM = 3,     /* mean_distance_km: the population-weighted mean distance, in classes */
    NV_MEASURE_MAX_KM = 4,      /* max_distance_km: the farthest inhabitant's distance, in classes */
    NV_MEASURE_SHARE = 5,       /* share_within_<R>km: percent of the population with an office within
                                 * share_radius_km, in classes, the lowest share first */
    NV_MEASURE_COLUMN = 6       /* column:NAME, any column of the municipalities layer (a joined
                                 * --attributes column, say): classes for numbers, categories for text */
} nv_measure;

/* Which plan of a comparison (compare.sqlite) a map shows. A single run's database holds
 * one plan, which counts as the after plan. */
typedef enum nv_map_plan {
    NV_PLAN_AFTER = 0,          /* the new plan (and the only plan of a single run) */
    NV_PLAN_BEFORE = 1,         /* the base plan */
    NV_PLAN_BOTH = 2            /* the two side by side, with the same classes and one legend */
} nv_map_plan;

typedef enum nv_breaks {
    NV_BREAKS_FIXED = 0,        /* the spec's fixed_breaks */
    NV_BREAKS_QUANTILE = 1,     /* equal counts */
    NV_BREAKS_JENKS = 2         /* Fisher's exact optimal classes (Jenks natural breaks) */
} nv_breaks;

typedef enum nv_labels { NV_LABELS_AUTO = 0, NV_LABELS_NAMES = 1, NV_LABELS_NONE = 2 } nv_labels;

typedef enum nv_paper { NV_PAPER_A4 = 0, NV_PAPER_A3 = 1 } nv_paper;

typedef enum nv_orientation { NV_PORTRAIT = 0, NV_LANDSCAPE = 1 } nv_orientation;

/* The texts a spec may give per language (`title.sv`, `title.en`, or `title` for all). */
typedef enum nv_mapspec_text_key {
    NV_TEXT_TITLE = 0,
    NV_TEXT_SUBTITLE = 1,       /* NULL: a summary line made from the data; "none": no subtitle */
    NV_TEXT_LEGEND = 2,         /* the legend's heading */
    NV_TEXT_COUNT = 3
} nv_mapspec_text_key;

#define NV_MAPSPEC_MAX_CLASSES 9   /* ColorBrewer's schemes go up to 9 classes */

/* A parsed spec. Strings are owned by the spec (nv_mapspec_destroy frees them). Colours
 * are 0xRRGGBB. */
typedef struct nv_mapspec {
    char *path;                 /* the file it came from, or the name given to the parser */
    char *name;                 /* file name without folder and ".map", e.g. "presence" */
    char *text[NV_TEXT_COUNT][3]; /* [key][NV_LANG_SV, NV_LANG_EN, 2 = no language]; NULL if absent */
    nv_measure measure;
    double share_radius_km;     /* R of measure = share_within_<R>km; 0 for other measures */
    char column[64];            /* NAME of measure = column:NAME; "" for other measures */
    long measure_line;          /* the line of the measure key, for errors found when drawing; 0: none */
    nv_map_plan plan;           /* which plan of a comparison; after for a single run */
    nv_breaks breaks;
    double fixed_breaks[NV_MAPSPEC_MAX_CLASSES - 1]; /* ascending class limits: km, upper limit
                                 * included; percent for share_within, lower limit included (default
                                 * 50, 75, 90, 99 there) */
    size_t n_fixed_breaks;
    int classes;                /* number of classes for quantile and jenks, 2..9 */
    char palette[16];           /* a colour-blind-safe ColorBrewer scheme name */
    int reverse;                /* palette read from dark to light (share_within: from light to dark,
                                 * whose default puts the strongest colour on the lowest share) */
    unsigned colors[NV_MAPSPEC_MAX_CLASSES]; /* explicit colours; override the palette */
    size_t n_colors;
    unsigned no_data_color;     /* municipalities without a value (no office anywhere, no population) */
    nv_paper paper;
    nv_orientation orientation; /* the page's; kept when the command line sets the paper */
    double dpi;                 /* PNG resolution */
    int width_px, height_px;    /* PNG size; 0: from paper and dpi */
    nv_lang lang;
    int offices;                /* draw office symbols */
    int new_offices;            /* change maps: the after plan's offices with no before office
                                 * near them as new sites (a star), default no */
    int county_borders;         /* draw county borders over municipality borders */
    nv_labels labels;           /* auto: names on per-county maps only */
} nv_mapspec;

/* A spec with every default (the built-in presence map in Swedish). Caller destroys.
 * NULL when out of memory. */
nv_mapspec *nv_mapspec_create(const char *name);

/* Parses spec text (UTF-8; a BOM is skipped). path names the text in error messages
 * ("path:line: what (hint)") and gives the spec its name. Returns NV_ERR_INPUT for a
 * bad spec, NV_ERR_FAIL when out of memory. *out is set only on success. */
nv_status nv_mapspec_parse(const char *text, size_t len, const char *path, nv_mapspec **out,
                           nv_error *err);

/* Reads and parses a spec file. */
nv_status nv_mapspec_load(const char *path, nv_mapspec **out, nv_error *err);

/* Finds a spec: a path to a file (anything with a '/' or ending in ".map"), else the
 * name of a spec in maps_dir (maps_dir/NAME.map). An unknown name is NV_ERR_INPUT with
 * the available names listed. */
nv_status nv_mapspec_find_and_load(const char *maps_dir, const char *name_or_path,
                                   nv_mapspec **out, nv_error *err);

void nv_mapspec_destroy(nv_mapspec *s); /* accepts NULL */

/* The maps folder: $NARVARO_MAPS, else the one compiled in (the source tree's maps/).
 * Static or environment string. */
const char *nv_mapspec_maps_dir(void);

/* The measure as a spec writes it ("presence", "share_within_25km", …) into buf. Returns buf. */
const char *nv_mapspec_measure_name(const nv_mapspec *s, char *buf, size_t size);

/* The text for key in lang: the language's own, else the one without a language, else
 * NULL. Borrowed from the spec. */
const char *nv_mapspec_text(const nv_mapspec *s, nv_mapspec_text_key key, nv_lang lang);

/* The n colours (3..9) of a colour-blind-safe ColorBrewer scheme, light to dark (for
 * diverging schemes: from one end to the other, as ColorBrewer lists them). For n below
 * 3 the first n of the 3-class scheme. Returns 0 if name is not one of them. */
int nv_mapspec_palette(const char *name, int n, unsigned *colors);

/* The scheme names nv_mapspec_palette knows, comma-separated. Static string. */
const char *nv_mapspec_palette_names(void);

/* Parses "sv" / "en" (case-insensitive); 0 on success. */
int nv_mapspec_parse_lang(const char *s, nv_lang *out);
/* Parses "fixed" / "quantile" / "jenks" ("fisher" is a synonym of jenks); 0 on success. */
int nv_mapspec_parse_breaks(const char *s, nv_breaks *out);
/* Parses "a4" / "a3" (case-insensitive); 0 on success. */
int nv_mapspec_parse_paper(const char *s, nv_paper *out);

#endif
