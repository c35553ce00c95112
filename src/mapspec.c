/* mapspec.c — parsing map specification files; the ColorBrewer schemes.
 *
 * Format: one `key = value` per line. A line whose first non-blank character is '#' is
 * a comment, and so is the rest of a line from a '#' that follows a blank and is
 * followed by a blank (so `colors = #e66101, #5e3c99` keeps its colours). Texts may
 * carry a language: `title.sv = …`, `title.en = …`; `title = …` serves every language
 * that has none of its own. */
#include "mapspec.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>

#ifndef NV_DEFAULT_MAPS
#define NV_DEFAULT_MAPS "maps"
#endif

/* ---- ColorBrewer ----
 * This product includes color specifications and designs developed by Cynthia Brewer
 * (http://colorbrewer.org/), Apache-style licence. Only the schemes ColorBrewer marks as
 * colour-blind safe for every class count from 3 to 9 are offered: all sequential ones
 * and six diverging ones (not RdGy, RdYlGn, Spectral, nor the qualitative schemes). */
typedef struct scheme {
    const char *name;
    const char *c[7]; /* 3..9 classes, six hex digits per colour, blank-separated */
} scheme;

static const scheme schemes[] = {
    {"YlGn", {"f7fcb9 addd8e 31a354", "ffffcc c2e699 78c679 238443",
              "ffffcc c2e699 78c679 31a354 006837", "ffffcc d9f0a3 addd8e 78c679 31a354 006837",
              "ffffcc d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
              "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 005a32",
              "ffffe5 f7fcb9 d9f0a3 addd8e 78c679 41ab5d 238443 006837 004529"}},
    {"YlGnBu", {"edf8b1 7fcdbb 2c7fb8", "ffffcc a1dab4 41b6c4 225ea8",
                "ffffcc a1dab4 41b6c4 2c7fb8 253494", "ffffcc c7e9b4 7fcdbb 41b6c4 2c7fb8 253494",
                "ffffcc c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
                "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 0c2c84",
                "ffffd9 edf8b1 c7e9b4 7fcdbb 41b6c4 1d91c0 225ea8 253494 081d58"}},
    {"GnBu", {"e0f3db a8ddb5 43a2ca", "f0f9e8 bae4bc 7bccc4 2b8cbe",
              "f0f9e8 bae4bc 7bccc4 43a2ca 0868ac", "f0f9e8 ccebc5 a8ddb5 7bccc4 43a2ca 0868ac",
              "f0f9e8 ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
              "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 08589e",
              "f7fcf0 e0f3db ccebc5 a8ddb5 7bccc4 4eb3d3 2b8cbe 0868ac 084081"}},
    {"BuGn", {"e5f5f9 99d8c9 2ca25f", "edf8fb b2e2e2 66c2a4 238b45",
              "edf8fb b2e2e2 66c2a4 2ca25f 006d2c", "edf8fb ccece6 99d8c9 66c2a4 2ca25f 006d2c",
              "edf8fb ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
              "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 005824",
              "f7fcfd e5f5f9 ccece6 99d8c9 66c2a4 41ae76 238b45 006d2c 00441b"}},
    {"PuBuGn", {"ece2f0 a6bddb 1c9099", "f6eff7 bdc9e1 67a9cf 02818a",
                "f6eff7 bdc9e1 67a9cf 1c9099 016c59", "f6eff7 d0d1e6 a6bddb 67a9cf 1c9099 016c59",
                "f6eff7 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
                "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016450",
                "fff7fb ece2f0 d0d1e6 a6bddb 67a9cf 3690c0 02818a 016c59 014636"}},
    {"PuBu", {"ece7f2 a6bddb 2b8cbe", "f1eef6 bdc9e1 74a9cf 0570b0",
              "f1eef6 bdc9e1 74a9cf 2b8cbe 045a8d", "f1eef6 d0d1e6 a6bddb 74a9cf 2b8cbe 045a8d",
              "f1eef6 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
              "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 034e7b",
              "fff7fb ece7f2 d0d1e6 a6bddb 74a9cf 3690c0 0570b0 045a8d 023858"}},
    {"BuPu", {"e0ecf4 9ebcda 8856a7", "edf8fb b3cde3 8c96c6 88419d",
              "edf8fb b3cde3 8c96c6 8856a7 810f7c", "edf8fb bfd3e6 9ebcda 8c96c6 8856a7 810f7c",
              "edf8fb bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
              "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 6e016b",
              "f7fcfd e0ecf4 bfd3e6 9ebcda 8c96c6 8c6bb1 88419d 810f7c 4d004b"}},
    {"RdPu", {"fde0dd fa9fb5 c51b8a", "feebe2 fbb4b9 f768a1 ae017e",
              "feebe2 fbb4b9 f768a1 c51b8a 7a0177", "feebe2 fcc5c0 fa9fb5 f768a1 c51b8a 7a0177",
              "feebe2 fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
              "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177",
              "fff7f3 fde0dd fcc5c0 fa9fb5 f768a1 dd3497 ae017e 7a0177 49006a"}},
    {"PuRd", {"e7e1ef c994c7 dd1c77", "f1eef6 d7b5d8 df65b0 ce1256",
              "f1eef6 d7b5d8 df65b0 dd1c77 980043", "f1eef6 d4b9da c994c7 df65b0 dd1c77 980043",
              "f1eef6 d4b9da c994c7 df65b0 e7298a ce1256 91003f",
              "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 91003f",
              "f7f4f9 e7e1ef d4b9da c994c7 df65b0 e7298a ce1256 980043 67001f"}},
    {"OrRd", {"fee8c8 fdbb84 e34a33", "fef0d9 fdcc8a fc8d59 d7301f",
              "fef0d9 fdcc8a fc8d59 e34a33 b30000", "fef0d9 fdd49e fdbb84 fc8d59 e34a33 b30000",
              "fef0d9 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
              "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f 990000",
              "fff7ec fee8c8 fdd49e fdbb84 fc8d59 ef6548 d7301f b30000 7f0000"}},
    {"YlOrRd", {"ffeda0 feb24c f03b20", "ffffb2 fecc5c fd8d3c e31a1c",
                "ffffb2 fecc5c fd8d3c f03b20 bd0026", "ffffb2 fed976 feb24c fd8d3c f03b20 bd0026",
                "ffffb2 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
                "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c b10026",
                "ffffcc ffeda0 fed976 feb24c fd8d3c fc4e2a e31a1c bd0026 800026"}},
    {"YlOrBr", {"fff7bc fec44f d95f0e", "ffffd4 fed98e fe9929 cc4c02",
                "ffffd4 fed98e fe9929 d95f0e 993404", "ffffd4 fee391 fec44f fe9929 d95f0e 993404",
                "ffffd4 fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
                "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 8c2d04",
                "ffffe5 fff7bc fee391 fec44f fe9929 ec7014 cc4c02 993404 662506"}},
    {"Purples", {"efedf5 bcbddc 756bb1", "f2f0f7 cbc9e2 9e9ac8 6a51a3",
                 "f2f0f7 cbc9e2 9e9ac8 756bb1 54278f", "f2f0f7 dadaeb bcbddc 9e9ac8 756bb1 54278f",
                 "f2f0f7 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
                 "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 4a1486",
                 "fcfbfd efedf5 dadaeb bcbddc 9e9ac8 807dba 6a51a3 54278f 3f007d"}},
    {"Blues", {"deebf7 9ecae1 3182bd", "eff3ff bdd7e7 6baed6 2171b5",
               "eff3ff bdd7e7 6baed6 3182bd 08519c", "eff3ff c6dbef 9ecae1 6baed6 3182bd 08519c",
               "eff3ff c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
               "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 084594",
               "f7fbff deebf7 c6dbef 9ecae1 6baed6 4292c6 2171b5 08519c 08306b"}},
    {"Greens", {"e5f5e0 a1d99b 31a354", "edf8e9 bae4b3 74c476 238b45",
                "edf8e9 bae4b3 74c476 31a354 006d2c", "edf8e9 c7e9c0 a1d99b 74c476 31a354 006d2c",
                "edf8e9 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
                "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 005a32",
                "f7fcf5 e5f5e0 c7e9c0 a1d99b 74c476 41ab5d 238b45 006d2c 00441b"}},
    {"Oranges", {"fee6ce fdae6b e6550d", "feedde fdbe85 fd8d3c d94701",
                 "feedde fdbe85 fd8d3c e6550d a63603", "feedde fdd0a2 fdae6b fd8d3c e6550d a63603",
                 "feedde fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
                 "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 8c2d04",
                 "fff5eb fee6ce fdd0a2 fdae6b fd8d3c f16913 d94801 a63603 7f2704"}},
    {"Reds", {"fee0d2 fc9272 de2d26", "fee5d9 fcae91 fb6a4a cb181d",
              "fee5d9 fcae91 fb6a4a de2d26 a50f15", "fee5d9 fcbba1 fc9272 fb6a4a de2d26 a50f15",
              "fee5d9 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
              "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d 99000d",
              "fff5f0 fee0d2 fcbba1 fc9272 fb6a4a ef3b2c cb181d a50f15 67000d"}},
    {"Greys", {"f0f0f0 bdbdbd 636363", "f7f7f7 cccccc 969696 525252",
               "f7f7f7 cccccc 969696 636363 252525", "f7f7f7 d9d9d9 bdbdbd 969696 636363 252525",
               "f7f7f7 d9d9d9 bdbdbd 969696 737373 525252 252525",
               "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525",
               "ffffff f0f0f0 d9d9d9 bdbdbd 969696 737373 525252 252525 000000"}},
    {"PuOr", {"f1a340 f7f7f7 998ec3", "e66101 fdb863 b2abd2 5e3c99",
              "e66101 fdb863 f7f7f7 b2abd2 5e3c99", "b35806 f1a340 fee0b6 d8daeb 998ec3 542788",
              "b35806 f1a340 fee0b6 f7f7f7 d8daeb 998ec3 542788",
              "b35806 e08214 fdb863 fee0b6 d8daeb b2abd2 8073ac 542788",
              "b35806 e08214 fdb863 fee0b6 f7f7f7 d8daeb b2abd2 8073ac 542788"}},
    {"BrBG", {"d8b365 f5f5f5 5ab4ac", "a6611a dfc27d 80cdc1 018571",
              "a6611a dfc27d f5f5f5 80cdc1 018571", "8c510a d8b365 f6e8c3 c7eae5 5ab4ac 01665e",
              "8c510a d8b365 f6e8c3 f5f5f5 c7eae5 5ab4ac 01665e",
              "8c510a bf812d dfc27d f6e8c3 c7eae5 80cdc1 35978f 01665e",
              "8c510a bf812d dfc27d f6e8c3 f5f5f5 c7eae5 80cdc1 35978f 01665e"}},
    {"PRGn", {"af8dc3 f7f7f7 7fbf7b", "7b3294 c2a5cf a6dba0 008837",
              "7b3294 c2a5cf f7f7f7 a6dba0 008837", "762a83 af8dc3 e7d4e8 d9f0d3 7fbf7b 1b7837",
              "762a83 af8dc3 e7d4e8 f7f7f7 d9f0d3 7fbf7b 1b7837",
              "762a83 9970ab c2a5cf e7d4e8 d9f0d3 a6dba0 5aae61 1b7837",
              "762a83 9970ab c2a5cf e7d4e8 f7f7f7 d9f0d3 a6dba0 5aae61 1b7837"}},
    {"PiYG", {"e9a3c9 f7f7f7 a1d76a", "d01c8b f1b6da b8e186 4dac26",
              "d01c8b f1b6da f7f7f7 b8e186 4dac26", "c51b7d e9a3c9 fde0ef e6f5d0 a1d76a 4d9221",
              "c51b7d e9a3c9 fde0ef f7f7f7 e6f5d0 a1d76a 4d9221",
              "c51b7d de77ae f1b6da fde0ef e6f5d0 b8e186 7fbc41 4d9221",
              "c51b7d de77ae f1b6da fde0ef f7f7f7 e6f5d0 b8e186 7fbc41 4d9221"}},
    {"RdBu", {"ef8a62 f7f7f7 67a9cf", "ca0020 f4a582 92c5de 0571b0",
              "ca0020 f4a582 f7f7f7 92c5de 0571b0", "b2182b ef8a62 fddbc7 d1e5f0 67a9cf 2166ac",
              "b2182b ef8a62 fddbc7 f7f7f7 d1e5f0 67a9cf 2166ac",
              "b2182b d6604d f4a582 fddbc7 d1e5f0 92c5de 4393c3 2166ac",
              "b2182b d6604d f4a582 fddbc7 f7f7f7 d1e5f0 92c5de 4393c3 2166ac"}},
    {"RdYlBu", {"fc8d59 ffffbf 91bfdb", "d7191c fdae61 abd9e9 2c7bb6",
                "d7191c fdae61 ffffbf abd9e9 2c7bb6", "d73027 fc8d59 fee090 e0f3f8 91bfdb 4575b4",
                "d73027 fc8d59 fee090 ffffbf e0f3f8 91bfdb 4575b4",
                "d73027 f46d43 fdae61 fee090 e0f3f8 abd9e9 74add1 4575b4",
                "d73027 f46d43 fdae61 fee090 ffffbf e0f3f8 abd9e9 74add1 4575b4"}},
};

#define N_SCHEMES (sizeof schemes / sizeof schemes[0])

int nv_mapspec_palette(const char *name, int n, unsigned *colors)
{
    if (!name || n < 1 || n > 9)
        return 0;
    for (size_t i = 0; i < N_SCHEMES; i++) {
        if (strcasecmp(schemes[i].name, name) != 0)
            continue;
        const char *p = schemes[i].c[(n < 3 ? 3 : n) - 3];
        for (int k = 0; k < n; k++) {
            while (*p == ' ')
                p++;
            colors[k] = (unsigned)strtoul(p, NULL, 16) & 0xffffffu;
            p += 6;
        }
        return 1;
    }
    return 0;
}

const char *nv_mapspec_palette_names(void)
{
    static char names[400];
    if (!names[0]) {
        size_t len = 0;
        for (size_t i = 0; i < N_SCHEMES; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", schemes[i].name);
    }
    return names;
}

const char *nv_mapspec_maps_dir(void)
{
    const char *env = getenv("NARVARO_MAPS");
    return env && *env ? env : NV_DEFAULT_MAPS;
}

/* ---- the spec ---- */

nv_mapspec *nv_mapspec_create(const char *name)
{
    nv_mapspec *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->name = strdup(name ? name : "map");
    s->path = strdup(name ? name : "map");
    if (!s->name || !s->path) {
        nv_mapspec_destroy(s);
        return NULL;
    }
    s->measure = NV_MEASURE_PRESENCE;
    s->breaks = NV_BREAKS_FIXED;
    static const double fixed[] = {10, 25, 50, 100};
    memcpy(s->fixed_breaks, fixed, sizeof fixed);
    s->n_fixed_breaks = 4;
    s->classes = 5;
    snprintf(s->palette, sizeof s->palette, "YlOrRd");
    s->no_data_color = 0xd9d9d9;
    s->paper = NV_PAPER_A4;
    s->dpi = 150;
    s->lang = NV_LANG_SV;
    s->offices = 1;
    s->county_borders = 1;
    s->labels = NV_LABELS_AUTO;
    return s;
}

void nv_mapspec_destroy(nv_mapspec *s)
{
    if (!s)
        return;
    for (int k = 0; k < NV_TEXT_COUNT; k++)
        for (int l = 0; l < 3; l++)
            free(s->text[k][l]);
    free(s->path);
    free(s->name);
    free(s);
}

const char *nv_mapspec_measure_name(const nv_mapspec *s, char *buf, size_t size)
{
    static const char *const names[] = {"presence", "nearest_office_km", "change", "mean_distance_km",
                                        "max_distance_km"};
    if (s->measure == NV_MEASURE_SHARE)
        snprintf(buf, size, "share_within_%gkm", s->share_radius_km);
    else if (s->measure == NV_MEASURE_COLUMN)
        snprintf(buf, size, "column:%s", s->column);
    else
        snprintf(buf, size, "%s", names[s->measure]);
    return buf;
}

const char *nv_mapspec_text(const nv_mapspec *s, nv_mapspec_text_key key, nv_lang lang)
{
    if (!s || key < 0 || key >= NV_TEXT_COUNT)
        return NULL;
    if (s->text[key][lang])
        return s->text[key][lang];
    return s->text[key][2];
}

int nv_mapspec_parse_lang(const char *v, nv_lang *out)
{
    if (!v)
        return -1;
    if (strcasecmp(v, "sv") == 0)
        *out = NV_LANG_SV;
    else if (strcasecmp(v, "en") == 0)
        *out = NV_LANG_EN;
    else
        return -1;
    return 0;
}

int nv_mapspec_parse_breaks(const char *v, nv_breaks *out)
{
    if (!v)
        return -1;
    if (strcasecmp(v, "fixed") == 0)
        *out = NV_BREAKS_FIXED;
    else if (strcasecmp(v, "quantile") == 0)
        *out = NV_BREAKS_QUANTILE;
    else if (strcasecmp(v, "jenks") == 0 || strcasecmp(v, "fisher") == 0)
        *out = NV_BREAKS_JENKS;
    else
        return -1;
    return 0;
}

int nv_mapspec_parse_paper(const char *v, nv_paper *out)
{
    if (!v)
        return -1;
    if (strcasecmp(v, "a4") == 0)
        *out = NV_PAPER_A4;
    else if (strcasecmp(v, "a3") == 0)
        *out = NV_PAPER_A3;
    else
        return -1;
    return 0;
}

/* Every key, in the order maps/README.md documents them. */
static const char *const KEYS[] = {
    "title", "subtitle", "legend", "measure", "plan", "breaks", "fixed_breaks", "classes", "palette",
    "reverse", "colors", "no_data_color", "paper", "orientation", "dpi", "width", "height", "lang",
    "offices", "new_offices", "county_borders", "labels"};
#define N_KEYS (sizeof KEYS / sizeof KEYS[0])
static const char KEY_LIST[] =
    "title, subtitle, legend, measure, plan, breaks, fixed_breaks, classes, palette, reverse, colors, "
    "no_data_color, paper, orientation, dpi, width, height, lang, offices, new_offices, county_borders, labels";

typedef struct parser {
    const char *path;
    long line;
    nv_error *err;
} parser;

static nv_status bad(parser *p, const char *fmt, const char *a, const char *b)
{
    char msg[1800];
    snprintf(msg, sizeof msg, fmt, a, b ? b : "");
    return nv_error_set(p->err, NV_ERR_INPUT, p->path, p->line, "%s", msg);
}

static int parse_yes_no(const char *v, int *out)
{
    if (strcasecmp(v, "yes") == 0 || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
        strcasecmp(v, "ja") == 0)
        *out = 1;
    else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
             strcasecmp(v, "nej") == 0)
        *out = 0;
    else
        return -1;
    return 0;
}

/* "#rrggbb" -> 0xRRGGBB; -1 if malformed. */
static long parse_color(const char *v)
{
    if (v[0] != '#' || strlen(v) != 7)
        return -1;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)v[i]))
            return -1;
    return strtol(v + 1, NULL, 16);
}

/* Splits a comma-separated list in place; returns the number of items (at most max),
 * or -1 if there are more. Items are trimmed. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static int split_list(char *v, char **items, int max)
{
    int n = 0;
    for (char *tok = v;;) {
        char *comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (n == max)
            return -1;
        items[n++] = trim(tok);
        if (!comma)
            break;
        tok = comma + 1;
    }
    return n;
}

/* A number written the C way; a decimal comma is not accepted here because the comma
 * separates list items. */
static int parse_number(const char *v, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(d))
        return -1;
    *out = d;
    return 0;
}

static int valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        if (c < 0x80)
            k = 0;
        else if (c >= 0xc2 && c <= 0xdf)
            k = 1;
        else if (c >= 0xe0 && c <= 0xef)
            k = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            k = 3;
        else
            return 0;
        if (i + k >= n)
            return 0;
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xc0) != 0x80)
                return 0;
        i += k + 1;
    }
    return 1;
}

static nv_status set_key(parser *p, nv_mapspec *s, const char *key, int lang, char *v)
{
    double d;
    int yn;
    int text_key = -1;
    if (strcmp(key, "title") == 0)
        text_key = NV_TEXT_TITLE;
    else if (strcmp(key, "subtitle") == 0)
        text_key = NV_TEXT_SUBTITLE;
    else if (strcmp(key, "legend") == 0)
        text_key = NV_TEXT_LEGEND;
    if (text_key >= 0) {
        char *copy = strdup(v);
        if (!copy)
            return nv_error_set(p->err, NV_ERR_FAIL, p->path, p->line, "out of memory");
        free(s->text[text_key][lang < 0 ? 2 : lang]);
        s->text[text_key][lang < 0 ? 2 : lang] = copy;
        return NV_OK;
    }
    if (lang >= 0)
        return bad(p, "key '%s' takes no language suffix (only title, subtitle and legend do)", key, NULL);
    if (strcmp(key, "measure") == 0) {
        static const char share[] = "share_within_";
        size_t vl = strlen(v);
        s->measure_line = p->line;
        s->share_radius_km = 0;
        if (strcmp(v, "presence") == 0)
            s->measure = NV_MEASURE_PRESENCE;
        else if (strcmp(v, "nearest_office_km") == 0)
            s->measure = NV_MEASURE_NEAREST_KM;
        else if (strcmp(v, "change") == 0)
            s->measure = NV_MEASURE_CHANGE;
        else if (strcmp(v, "mean_distance_km") == 0)
            s->measure = NV_MEASURE_MEAN_KM;
        else if (strcmp(v, "max_distance_km") == 0)
            s->measure = NV_MEASURE_MAX_KM;
        else if (strncmp(v, "column:", 7) == 0) {
            if (!v[7] || strlen(v + 7) >= sizeof s->column)
                return bad(p, "measure '%s': write column:NAME with NAME a column of the municipalities "
                              "(e.g. a joined --attributes column)", v, NULL);
            s->measure = NV_MEASURE_COLUMN;
            snprintf(s->column, sizeof s->column, "%s", v + 7);
        }
        else if (strncmp(v, share, sizeof share - 1) == 0) {
            char r[64];
            snprintf(r, sizeof r, "%.*s", vl > sizeof share + 1 ? (int)(vl - sizeof share - 1) : 0,
                     v + sizeof share - 1);
            if (vl < sizeof share + 2 || strcmp(v + vl - 2, "km") != 0 || parse_number(r, &d) != 0 || d <= 0)
                return bad(p, "measure '%s': write share_within_<R>km with R a radius of the run in km, "
                              "e.g. share_within_25km", v, NULL);
            s->measure = NV_MEASURE_SHARE;
            s->share_radius_km = d;
        } else
            return bad(p, "measure '%s' is unknown (give presence or nearest_office_km; for the population "
                          "mean_distance_km, max_distance_km or share_within_<R>km, e.g. share_within_25km; "
                          "change for the compare.sqlite of narvaro compare; column:NAME for any column, e.g. "
                          "one joined with --attributes)", v, NULL);
    } else if (strcmp(key, "plan") == 0) {
        if (strcmp(v, "after") == 0)
            s->plan = NV_PLAN_AFTER;
        else if (strcmp(v, "before") == 0)
            s->plan = NV_PLAN_BEFORE;
        else if (strcmp(v, "both") == 0)
            s->plan = NV_PLAN_BOTH;
        else
            return bad(p, "plan '%s' is unknown (give after, before, or both for the two side by side)", v, NULL);
    } else if (strcmp(key, "breaks") == 0) {
        if (nv_mapspec_parse_breaks(v, &s->breaks) != 0)
            return bad(p, "breaks '%s' is unknown (give fixed, quantile or jenks)", v, NULL);
    } else if (strcmp(key, "fixed_breaks") == 0) {
        char *items[NV_MAPSPEC_MAX_CLASSES];
        int n = split_list(v, items, NV_MAPSPEC_MAX_CLASSES - 1);
        if (n < 0)
            return bad(p, "fixed_breaks: more than 8 limits (at most 9 classes; give e.g. 10, 25, 50, 100)",
                       NULL, NULL);
        for (int i = 0; i < n; i++) {
            if (parse_number(items[i], &s->fixed_breaks[i]) != 0 || s->fixed_breaks[i] <= 0)
                return bad(p, "fixed_breaks: '%s' is not a positive number of km (write 12.5, not 12,5)",
                           items[i], NULL);
            if (i > 0 && !(s->fixed_breaks[i] > s->fixed_breaks[i - 1]))
                return bad(p, "fixed_breaks: '%s' is not above the limit before it (list them in "
                              "ascending order)", items[i], NULL);
        }
        s->n_fixed_breaks = (size_t)n;
    } else if (strcmp(key, "classes") == 0) {
        if (parse_number(v, &d) != 0 || d != floor(d) || d < 2 || d > NV_MAPSPEC_MAX_CLASSES)
            return bad(p, "classes '%s': give a whole number from 2 to 9", v, NULL);
        s->classes = (int)d;
    } else if (strcmp(key, "palette") == 0) {
        unsigned tmp[3];
        if (!nv_mapspec_palette(v, 3, tmp))
            return bad(p, "palette '%s' is not a colour-blind-safe ColorBrewer scheme (give one of %s)", v,
                       nv_mapspec_palette_names());
        for (size_t i = 0; i < N_SCHEMES; i++)
            if (strcasecmp(schemes[i].name, v) == 0)
                snprintf(s->palette, sizeof s->palette, "%s", schemes[i].name);
    } else if (strcmp(key, "reverse") == 0) {
        if (parse_yes_no(v, &s->reverse) != 0)
            return bad(p, "reverse '%s': give yes or no", v, NULL);
    } else if (strcmp(key, "colors") == 0) {
        char *items[NV_MAPSPEC_MAX_CLASSES];
        int n = split_list(v, items, NV_MAPSPEC_MAX_CLASSES);
        if (n < 0)
            return bad(p, "colors: more than 9 colours (one per class, at most 9)", NULL, NULL);
        for (int i = 0; i < n; i++) {
            long c = parse_color(items[i]);
            if (c < 0)
                return bad(p, "colors: '%s' is not a colour (write #rrggbb, e.g. #5e3c99)", items[i], NULL);
            s->colors[i] = (unsigned)c;
        }
        s->n_colors = (size_t)n;
    } else if (strcmp(key, "no_data_color") == 0) {
        long c = parse_color(v);
        if (c < 0)
            return bad(p, "no_data_color '%s' is not a colour (write #rrggbb, e.g. #d9d9d9)", v, NULL);
        s->no_data_color = (unsigned)c;
    } else if (strcmp(key, "paper") == 0) {
        if (nv_mapspec_parse_paper(v, &s->paper) != 0)
            return bad(p, "paper '%s' is unknown (give a4 or a3; orientation turns the page)", v, NULL);
    } else if (strcmp(key, "orientation") == 0) {
        if (strcmp(v, "portrait") == 0)
            s->orientation = NV_PORTRAIT;
        else if (strcmp(v, "landscape") == 0)
            s->orientation = NV_LANDSCAPE;
        else
            return bad(p, "orientation '%s' is unknown (give portrait or landscape)", v, NULL);
    } else if (strcmp(key, "dpi") == 0) {
        if (parse_number(v, &d) != 0 || d < 36 || d > 1200)
            return bad(p, "dpi '%s': give a resolution from 36 to 1200", v, NULL);
        s->dpi = d;
    } else if (strcmp(key, "width") == 0 || strcmp(key, "height") == 0) {
        if (parse_number(v, &d) != 0 || d != floor(d) || d < 100 || d > 20000)
            return bad(p, "%s '%s': give a size in pixels from 100 to 20000", key, v);
        *(strcmp(key, "width") == 0 ? &s->width_px : &s->height_px) = (int)d;
    } else if (strcmp(key, "lang") == 0) {
        if (nv_mapspec_parse_lang(v, &s->lang) != 0)
            return bad(p, "lang '%s' is unknown (give sv or en)", v, NULL);
    } else if (strcmp(key, "offices") == 0 || strcmp(key, "county_borders") == 0 || strcmp(key, "new_offices") == 0) {
        if (parse_yes_no(v, &yn) != 0)
            return bad(p, "%s '%s': give yes or no", key, v);
        *(strcmp(key, "offices") == 0 ? &s->offices : strcmp(key, "new_offices") == 0 ? &s->new_offices
                                                                                       : &s->county_borders) = yn;
    } else if (strcmp(key, "labels") == 0) {
        if (strcmp(v, "auto") == 0)
            s->labels = NV_LABELS_AUTO;
        else if (strcmp(v, "names") == 0)
            s->labels = NV_LABELS_NAMES;
        else if (strcmp(v, "none") == 0)
            s->labels = NV_LABELS_NONE;
        else
            return bad(p, "labels '%s' is unknown (give auto, names or none)", v, NULL);
    } else {
        return bad(p, "unknown key '%s' (keys: %s; see maps/README.md)", key, KEY_LIST);
    }
    return NV_OK;
}

/* Cuts a trailing comment: a '#' with a blank (or the line start) before it and a blank
 * or the line end after it. */
static void cut_comment(char *line)
{
    for (char *h = strchr(line, '#'); h; h = strchr(h + 1, '#')) {
        int before = h == line || h[-1] == ' ' || h[-1] == '\t';
        int after = h[1] == '\0' || h[1] == ' ' || h[1] == '\t';
        if (before && after) {
            *h = '\0';
            return;
        }
    }
}

nv_status nv_mapspec_parse(const char *text, size_t len, const char *path, nv_mapspec **out,
                           nv_error *err)
{
    parser p = {path ? path : "(map spec)", 0, err};
    nv_status st = NV_OK;
    char *buf = NULL;
    long seen[N_KEYS][3];
    memset(seen, 0, sizeof seen);

    /* The spec's name: the file name without folder and ".map". */
    const char *base = strrchr(p.path, '/');
    base = base ? base + 1 : p.path;
    char name[256];
    snprintf(name, sizeof name, "%s", base);
    size_t nl = strlen(name);
    if (nl > 4 && strcmp(name + nl - 4, ".map") == 0)
        name[nl - 4] = '\0';

    nv_mapspec *s = nv_mapspec_create(name);
    if (!s)
        return nv_error_set(err, NV_ERR_FAIL, p.path, 0, "out of memory");
    free(s->path);
    s->path = strdup(p.path);
    buf = malloc(len + 1);
    if (!s->path || !buf) {
        st = nv_error_set(err, NV_ERR_FAIL, p.path, 0, "out of memory");
        goto done;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        st = nv_error_set(err, NV_ERR_INPUT, p.path, 0, "holds a NUL byte: not a text file (a map spec is "
                                                        "UTF-8 text of key = value lines)");
        goto done;
    }
    char *cur = buf;
    if (len >= 3 && memcmp(cur, "\xef\xbb\xbf", 3) == 0)
        cur += 3;
    while (cur && *cur) {
        char *nl_at = strchr(cur, '\n');
        if (nl_at)
            *nl_at = '\0';
        char *line = cur;
        cur = nl_at ? nl_at + 1 : NULL;
        p.line++;
        if (!valid_utf8((const unsigned char *)line, strlen(line))) {
            st = bad(&p, "not UTF-8 text (save the spec as UTF-8)%s%s", "", NULL);
            goto done;
        }
        line = trim(line);
        if (*line == '\0' || *line == '#')
            continue;
        cut_comment(line);
        char *eq = strchr(line, '=');
        if (!eq) {
            st = bad(&p, "'%s' is not a setting (write key = value; # starts a comment)", line, NULL);
            goto done;
        }
        *eq = '\0';
        char *key = trim(line), *value = trim(eq + 1);
        char full_key[128];
        snprintf(full_key, sizeof full_key, "%s", key);
        int lang = -1;
        char *dot = strchr(key, '.');
        if (dot) {
            *dot = '\0';
            nv_lang l;
            if (nv_mapspec_parse_lang(dot + 1, &l) != 0) {
                st = bad(&p, "language '%s' of a key is unknown (write key.sv or key.en)", dot + 1, NULL);
                goto done;
            }
            lang = (int)l;
        }
        size_t k = 0;
        while (k < N_KEYS && strcmp(KEYS[k], key) != 0)
            k++;
        if (k == N_KEYS) {
            st = bad(&p, "unknown key '%s' (keys: %s; see maps/README.md)", key, KEY_LIST);
            goto done;
        }
        int slot = lang < 0 ? 2 : lang;
        if (seen[k][slot]) {
            char first[64];
            snprintf(first, sizeof first, "%ld", seen[k][slot]);
            st = bad(&p, "key '%s' is given twice (first on line %s; keep one)", full_key, first);
            goto done;
        }
        seen[k][slot] = p.line;
        if (*value == '\0') {
            st = bad(&p, "key '%s' has no value (write %s = value, or delete the line)", key, key);
            goto done;
        }
        if ((st = set_key(&p, s, key, lang, value)) != NV_OK)
            goto done;
    }
    /* Checks across keys: colours must match the classes they colour; a change map is
     * already both plans in one. */
    if (s->measure == NV_MEASURE_CHANGE && s->plan != NV_PLAN_AFTER) {
        for (size_t i = 0; i < N_KEYS; i++)
            if (strcmp(KEYS[i], "plan") == 0)
                p.line = seen[i][2];
        st = bad(&p, "plan = before or both does not go with measure = change (a change map shows both "
                     "plans in one: delete the plan line)%s%s", "", NULL);
        goto done;
    }
    /* A share is in percent: its own default limits, and none above 100. */
    if (s->measure == NV_MEASURE_SHARE) {
        size_t k = 0;
        while (strcmp(KEYS[k], "fixed_breaks") != 0)
            k++;
        if (!seen[k][2]) {
            static const double pct[] = {50, 75, 90, 99};
            memcpy(s->fixed_breaks, pct, sizeof pct);
            s->n_fixed_breaks = 4;
        } else if (s->fixed_breaks[s->n_fixed_breaks - 1] > 100) {
            char last[32];
            snprintf(last, sizeof last, "%g", s->fixed_breaks[s->n_fixed_breaks - 1]);
            p.line = seen[k][2];
            st = bad(&p, "fixed_breaks: %s is above 100 (a share_within measure is in percent: give e.g. "
                         "50, 75, 90, 99)%s", last, "");
            goto done;
        }
    }
    /* A column's numbers are not kilometres: without limits of its own it gets quantiles
     * (the renderer's rule for a fixed method without limits), not the distance limits. */
    if (s->measure == NV_MEASURE_COLUMN) {
        size_t k = 0;
        while (strcmp(KEYS[k], "fixed_breaks") != 0)
            k++;
        if (!seen[k][2])
            s->n_fixed_breaks = 0;
    }
    /* Presence has a class per tier of the run, a text column one per value: the
     * renderer checks those colours against the data. */
    if (s->n_colors > 0 && s->measure != NV_MEASURE_PRESENCE && s->measure != NV_MEASURE_COLUMN) {
        size_t need = s->measure == NV_MEASURE_PRESENCE ? 4
                      : s->measure == NV_MEASURE_CHANGE ? 5
                      : s->breaks == NV_BREAKS_FIXED    ? s->n_fixed_breaks + 1
                                                        : (size_t)s->classes;
        if (s->n_colors != need) {
            char a[32], b[32];
            snprintf(a, sizeof a, "%zu", s->n_colors);
            snprintf(b, sizeof b, "%zu", need);
            for (size_t i = 0; i < N_KEYS; i++)
                if (strcmp(KEYS[i], "colors") == 0)
                    p.line = seen[i][2];
            st = bad(&p, "colors lists %s colours but the map has %s classes (presence: staffed, booked, "
                         "other, none; distance: one per class; change: lost presence, longer, unchanged, "
                         "shorter, gained presence)", a, b);
            goto done;
        }
    }
done:
    free(buf);
    if (st != NV_OK) {
        nv_mapspec_destroy(s);
        return st;
    }
    *out = s;
    return NV_OK;
}

nv_status nv_mapspec_load(const char *path, nv_mapspec **out, nv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open the map spec: %s", strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    nv_status st = NV_OK;
    for (;;) {
        if (len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > (1u << 20)) {
                st = nv_error_set(err, NV_ERR_INPUT, path, 0, "is larger than 1 MB: not a map spec");
                break;
            }
            char *t = realloc(text, cap);
            if (!t) {
                st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
                break;
            }
            text = t;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot read the map spec: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st == NV_OK)
        st = nv_mapspec_parse(text ? text : "", len, path, out, err);
    free(text);
    return st;
}

static int compare_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "presence, distance" — the .map files in dir, sorted; writes "(none)" when empty. */
static void list_specs(const char *dir, char *buf, size_t size)
{
    char *names[64];
    size_t n = 0, len = 0;
    DIR *d = opendir(dir);
    buf[0] = '\0';
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 64) {
            size_t k = strlen(e->d_name);
            if (k > 4 && strcmp(e->d_name + k - 4, ".map") == 0 && e->d_name[0] != '.') {
                names[n] = strndup(e->d_name, k - 4);
                if (names[n])
                    n++;
            }
        }
        closedir(d);
    }
    qsort(names, n, sizeof names[0], compare_str);
    for (size_t i = 0; i < n; i++) {
        if (len < size)
            len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
        free(names[i]);
    }
    if (n == 0)
        snprintf(buf, size, "(none)");
}

nv_status nv_mapspec_find_and_load(const char *maps_dir, const char *name_or_path,
                                   nv_mapspec **out, nv_error *err)
{
    if (!maps_dir)
        maps_dir = nv_mapspec_maps_dir();
    if (!name_or_path || !*name_or_path)
        name_or_path = "presence";
    size_t k = strlen(name_or_path);
    if (strchr(name_or_path, '/') || (k > 4 && strcmp(name_or_path + k - 4, ".map") == 0))
        return nv_mapspec_load(name_or_path, out, err);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.map", maps_dir, name_or_path);
    FILE *f = fopen(path, "rb");
    if (!f) {
        char names[1024];
        list_specs(maps_dir, names, sizeof names);
        return nv_error_set(err, NV_ERR_INPUT, NULL, 0,
                            "no map named '%s' in %s (available: %s); give one of those, the path of a "
                            ".map file, or another maps folder in NARVARO_MAPS", name_or_path, maps_dir, names);
    }
    fclose(f);
    return nv_mapspec_load(path, out, err);
}
