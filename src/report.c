/* report.c — municipalities.csv, counties.csv, offices.csv and summary.json.
 *
 * CSV follows RFC 4180 with ',' and '\n': a field is quoted when it holds a comma, a
 * quote, CR or LF, and quotes inside are doubled. Strings are written byte for byte
 * (the loaders have already made them UTF-8). Numbers are printed under a private "C"
 * locale (uselocale), so a process that ran setlocale(LC_ALL, "sv_SE.UTF-8") still gets
 * "12.345" and not "12,345". A number that is not finite (NAN: "does not exist") becomes
 * an empty CSV field or a JSON null; a NULL string an empty field or null.
 *
 * A failed write does not remove the file: it may be a device or a file the user named,
 * and the caller reports the failure anyway. */
#include "report.h"

#include "json.h"
#include "numfmt.h"
#include "textin.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One output file. errnum keeps the errno of the first failed write, because by the time
 * ferror() tells us something went wrong errno may have been overwritten. */
typedef struct writer {
    FILE *f;
    const char *path;
    int errnum;
    int fields;            /* fields written in the current CSV row */
    locale_t c_locale;
    locale_t saved_locale;
    size_t used;           /* bytes in buf: written in blocks, not a stdio call per field */
    char buf[1 << 16];
} writer;

static void flush(writer *w)
{
    if (w->used && fwrite(w->buf, 1, w->used, w->f) != w->used && w->errnum == 0)
        w->errnum = errno ? errno : EIO;
    w->used = 0;
}

static nv_status writer_open(writer *w, const char *path, nv_error *err)
{
    memset(w, 0, offsetof(writer, buf));
    w->path = path;
    w->f = fopen(path, "wb");
    if (!w->f)
        return nv_error_set(err, NV_ERR_FAIL, path, 0,
                            "cannot create the file: %s (does the folder exist and is it writable?)",
                            strerror(errno));
    w->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (w->c_locale == (locale_t)0) {
        int e = errno;
        fclose(w->f);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the C locale: %s",
                            strerror(e));
    }
    w->saved_locale = uselocale(w->c_locale);
    return NV_OK;
}

/* Restores the caller's locale, closes the file and reports the first error, if any. */
static nv_status writer_close(writer *w, nv_error *err)
{
    flush(w);
    uselocale(w->saved_locale);
    freelocale(w->c_locale);
    if (ferror(w->f) && w->errnum == 0)
        w->errnum = EIO;
    /* fclose flushes: a full disk often shows up only here. */
    if (fclose(w->f) != 0 && w->errnum == 0)
        w->errnum = errno ? errno : EIO;
    w->f = NULL;
    if (w->errnum)
        return nv_error_set(err, NV_ERR_FAIL, w->path, 0, "cannot write: %s",
                            strerror(w->errnum));
    return NV_OK;
}

static void put_bytes(writer *w, const char *s, size_t n)
{
    if (n > sizeof w->buf - w->used) {
        flush(w);
        if (n > sizeof w->buf) {
            if (fwrite(s, 1, n, w->f) != n && w->errnum == 0)
                w->errnum = errno ? errno : EIO;
            return;
        }
    }
    memcpy(w->buf + w->used, s, n);
    w->used += n;
}

static void put_str(writer *w, const char *s)
{
    put_bytes(w, s, strlen(s));
}

static void put_char(writer *w, char c)
{
    if (w->used == sizeof w->buf)
        flush(w);
    w->buf[w->used++] = c;
}

/* Fixed-point text of v as printf's "%.*f" in the C locale writes it; "-0.000" becomes
 * "0.000" so that a tiny negative rounding error does not change a golden file. */
static void format_fixed(char *buf, size_t size, double v, int decimals)
{
    nv_numfmt_fixed(buf, size, v, decimals);
}

/* ---- CSV ---- */

static void csv_separator(writer *w)
{
    if (w->fields++ > 0)
        put_char(w, ',');
}

/* s, or a copy made valid UTF-8 (*tofree): nothing narvaro writes is invalid UTF-8, not
 * even a file name in another encoding. Out of memory fails the file. */
static const char *valid_utf8(writer *w, const char *s, char **tofree)
{
    int oom;
    *tofree = s ? nv_text_utf8_repair(s, &oom) : NULL;
    if (s && oom) {
        if (w->errnum == 0)
            w->errnum = ENOMEM;
        return "";
    }
    return *tofree ? *tofree : s;
}

static void csv_str_valid(writer *w, const char *s);

static void csv_str(writer *w, const char *s)
{
    char *copy;
    s = valid_utf8(w, s, &copy);
    csv_str_valid(w, s);
    free(copy);
}

static void csv_str_valid(writer *w, const char *s)
{
    csv_separator(w);
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        put_str(w, s);
        return;
    }
    put_char(w, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            put_char(w, '"');
        put_char(w, *p);
    }
    put_char(w, '"');
}

static void csv_long(writer *w, long v)
{
    char buf[32];
    csv_separator(w);
    put_bytes(w, buf, (size_t)nv_numfmt_long(buf, sizeof buf, v));
}

static void csv_fixed(writer *w, double v, int decimals)
{
    char buf[64];
    csv_separator(w);
    if (!isfinite(v))
        return;
    format_fixed(buf, sizeof buf, v, decimals);
    put_str(w, buf);
}

static void csv_end_row(writer *w)
{
    put_char(w, '\n');
    w->fields = 0;
}

/* Keep these in step with the column lists in report.h. */
#define MUNI_HEADER "kommunkod,namn,lanskod,offices,presence,nearest_office_km," \
                    "nearest_office_id,rep_x,rep_y,area_km2,locations,nearest_presence_km," \
                    "nearest_presence_id"
#define COUNTY_HEADER "lanskod,namn,municipalities,offices,municipalities_with_office," \
                      "municipalities_without_office,staffed,booked,other,none," \
                      "mean_nearest_office_km,max_nearest_office_km,locations," \
                      "municipalities_with_presence,municipalities_without_presence"
#define OFFICE_HEADER "source,line,office_id,name,type,kommunkod_stated,lat,lon,x,y," \
                      "status,kommunkod,namn,snap_m,note,town,placed_by"

void nv_report_format_people(double v, char *buf, size_t size)
{
    double hundredths = round(v * 100);
    if (!isfinite(v)) {
        snprintf(buf, size, "%s", "");
    } else if (fabs(hundredths) < 9e15) {
        /* Integer arithmetic: the same digits under every locale. */
        long long h = (long long)hundredths;
        const char *sign = h < 0 ? "-" : "";
        h = h < 0 ? -h : h;
        long long whole = h / 100;
        int frac = (int)(h % 100);
        if (frac == 0)
            snprintf(buf, size, "%s%lld", sign, whole);
        else if (frac % 10 == 0)
            snprintf(buf, size, "%s%lld.%d", sign, whole, frac / 10);
        else
            snprintf(buf, size, "%s%lld.%02d", sign, whole, frac);
    } else {
        snprintf(buf, size, "%.0f", v); /* beyond 9e13 people: no decimals to speak of */
    }
}

/* People: nv_report_format_people, the same in every file and on stdout. */
static void csv_people(writer *w, double v)
{
    char buf[64];
    csv_separator(w);
    if (!isfinite(v))
        return;
    nv_report_format_people(v, buf, sizeof buf);
    put_str(w, buf);
}

static void population_fields(writer *w, const nv_population_result *p, const nv_radii *radii)
{
    csv_people(w, p->population);
    for (size_t r = 0; radii && r < radii->n; r++)
        csv_people(w, p->within[r]);
    csv_fixed(w, p->mean_distance_km, 3);
    csv_fixed(w, p->max_distance_km, 3);
}

/* The joined attribute columns: a header name each, after the population columns. */
static void attribute_header(writer *w, const nv_attributes *a, nv_attr_level level)
{
    for (size_t k = 0; k < nv_attributes_count(a, level); k++) {
        w->fields = 1;
        csv_str(w, nv_attributes_name(a, level, k));
    }
    w->fields = 0;
}

/* population_header ends the header line; the attribute names go before that newline. */
static void population_header_then(writer *w, const nv_radii *radii, const nv_attributes *a, nv_attr_level level)
{
    char buf[64];
    put_str(w, ",population");
    for (size_t r = 0; radii && r < radii->n; r++) {
        snprintf(buf, sizeof buf, ",population_within_%gkm", radii->km[r]);
        put_str(w, buf);
    }
    put_str(w, ",mean_distance_km,max_distance_km");
    attribute_header(w, a, level);
    put_char(w, '\n');
}

nv_status nv_report_municipalities_csv(const char *path, const nv_muni_result *m, size_t n,
                                       const nv_radii *radii, nv_error *err)
{
    return nv_report_municipalities_csv_attributes(path, m, n, radii, NULL, err);
}

nv_status nv_report_municipalities_csv_attributes(const char *path, const nv_muni_result *m, size_t n,
                                                  const nv_radii *radii, const nv_attributes *attrs, nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    put_str(&w, MUNI_HEADER);
    population_header_then(&w, radii, attrs, NV_ATTR_MUNICIPALITY);
    for (size_t i = 0; i < n; i++) {
        const nv_muni_result *r = &m[i];
        csv_str(&w, r->kommunkod);
        csv_str(&w, r->namn);
        csv_str(&w, r->lanskod);
        csv_long(&w, r->offices);
        csv_str(&w, r->presence);
        csv_fixed(&w, r->nearest_office_km, 3);
        csv_str(&w, r->nearest_office_id);
        csv_fixed(&w, r->rep_x, 2);
        csv_fixed(&w, r->rep_y, 2);
        csv_fixed(&w, r->area_km2, 3);
        csv_long(&w, r->locations);
        csv_fixed(&w, r->nearest_presence_km, 3);
        csv_str(&w, r->nearest_presence_id);
        population_fields(&w, &r->pop, radii);
        for (size_t k = 0; k < nv_attributes_count(attrs, NV_ATTR_MUNICIPALITY); k++)
            csv_str(&w, nv_attributes_muni_value(attrs, i, k));
        csv_end_row(&w);
    }
    return writer_close(&w, err);
}

nv_status nv_report_counties_csv(const char *path, const nv_county_result *c, size_t n,
                                 const nv_radii *radii, nv_error *err)
{
    return nv_report_counties_csv_attributes(path, c, n, radii, NULL, err);
}

nv_status nv_report_counties_csv_attributes(const char *path, const nv_county_result *c, size_t n,
                                            const nv_radii *radii, const nv_attributes *attrs, nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    put_str(&w, COUNTY_HEADER);
    population_header_then(&w, radii, attrs, NV_ATTR_COUNTY);
    for (size_t i = 0; i < n; i++) {
        const nv_county_result *r = &c[i];
        csv_str(&w, r->lanskod);
        csv_str(&w, r->namn);
        csv_long(&w, r->municipalities);
        csv_long(&w, r->offices);
        csv_long(&w, r->with_office);
        csv_long(&w, r->without_office);
        csv_long(&w, r->staffed);
        csv_long(&w, r->booked);
        csv_long(&w, r->other);
        csv_long(&w, r->none);
        csv_fixed(&w, r->mean_nearest_office_km, 3);
        csv_fixed(&w, r->max_nearest_office_km, 3);
        csv_long(&w, r->locations);
        csv_long(&w, r->with_presence);
        csv_long(&w, r->without_presence);
        population_fields(&w, &r->pop, radii);
        for (size_t k = 0; k < nv_attributes_count(attrs, NV_ATTR_COUNTY); k++)
            csv_str(&w, nv_attributes_county_value(attrs, r->lanskod, k));
        csv_end_row(&w);
    }
    return writer_close(&w, err);
}

nv_status nv_report_offices_csv(const char *path, const nv_office_result *o, size_t n,
                                nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    put_str(&w, OFFICE_HEADER "\n");
    for (size_t i = 0; i < n; i++) {
        const nv_office_result *r = &o[i];
        csv_str(&w, r->source);
        csv_long(&w, r->line);
        csv_str(&w, r->office_id);
        csv_str(&w, r->name);
        csv_str(&w, r->type);
        csv_str(&w, r->kommunkod_stated);
        csv_fixed(&w, r->lat_deg, 6);
        csv_fixed(&w, r->lon_deg, 6);
        csv_fixed(&w, r->x, 2);
        csv_fixed(&w, r->y, 2);
        csv_str(&w, nv_office_status_word(r->status));
        csv_str(&w, nv_office_kommunkod(r));
        csv_str(&w, nv_office_namn(r));
        csv_fixed(&w, r->snap_m, 2);
        csv_str(&w, r->note);
        csv_str(&w, r->town);
        csv_str(&w, nv_placed_by_word(r->placed_by));
        csv_end_row(&w);
    }
    return writer_close(&w, err);
}

/* ---- JSON ----
 * A tiny pretty-printer for a fixed shape: two-space indent, one member per line,
 * "[]" / "{}" for empty containers. depth counts the open containers and count[d] the
 * members written so far at depth d, which decides where the commas go. */

enum { JSON_MAX_DEPTH = 8 };

typedef struct json {
    writer *w;
    int depth;
    int count[JSON_MAX_DEPTH];
} json;

static void json_string(writer *w, const char *s)
{
    char *copy, small[512];
    s = s ? valid_utf8(w, s, &copy) : (copy = NULL);
    size_t n = nv_json_quote(small, sizeof small, s); /* into the writer's buffer, as every other write */
    if (n < sizeof small) {
        put_bytes(w, small, n);
    } else {
        char *big = malloc(n + 1);
        if (big) {
            nv_json_quote(big, n + 1, s);
            put_bytes(w, big, n);
        } else if (w->errnum == 0) {
            w->errnum = ENOMEM;
        }
        free(big);
    }
    free(copy);
}

/* Starts a member (key != NULL) or an array element (key == NULL) at the current depth. */
static void json_member(json *j, const char *key)
{
    if (j->count[j->depth]++ > 0)
        put_char(j->w, ',');
    put_char(j->w, '\n');
    for (int i = 0; i < j->depth; i++)
        put_str(j->w, "  ");
    if (key) {
        json_string(j->w, key);
        put_str(j->w, ": ");
    }
}

static void json_open(json *j, const char *key, char brace)
{
    if (j->depth > 0)
        json_member(j, key);
    put_char(j->w, brace);
    j->depth++;
    j->count[j->depth] = 0;
}

static void json_close(json *j, char brace)
{
    int had_members = j->count[j->depth] > 0;
    j->depth--;
    if (had_members) {
        put_char(j->w, '\n');
        for (int i = 0; i < j->depth; i++)
            put_str(j->w, "  ");
    }
    put_char(j->w, brace);
}

static void json_str_member(json *j, const char *key, const char *value)
{
    json_member(j, key);
    json_string(j->w, value);
}

static void json_int_member(json *j, const char *key, long value)
{
    char buf[32];
    json_member(j, key);
    snprintf(buf, sizeof buf, "%ld", value);
    put_str(j->w, buf);
}

static void json_fixed_member(json *j, const char *key, double value, int decimals)
{
    char buf[64];
    json_member(j, key);
    if (!isfinite(value)) {
        put_str(j->w, "null");
        return;
    }
    format_fixed(buf, sizeof buf, value, decimals);
    put_str(j->w, buf);
}

static void json_people_member(json *j, const char *key, double value)
{
    char buf[64];
    json_member(j, key);
    if (!isfinite(value)) {
        put_str(j->w, "null");
        return;
    }
    nv_report_format_people(value, buf, sizeof buf);
    put_str(j->w, buf);
}

static void json_bool_member(json *j, const char *key, int value)
{
    json_member(j, key);
    put_str(j->w, value ? "true" : "false");
}

/* The members of one run's summary, at the current depth. */
static void summary_members(json *jp, const nv_run_summary *s)
{
    /* The four headline numbers first: they are what the CLI contract promises. */
    json_int_member(jp, "municipalities", s->municipalities);
    json_int_member(jp, "offices", s->offices);
    json_int_member(jp, "municipalities_with_office", s->with_office);
    json_int_member(jp, "municipalities_without_office", s->without_office);
    json_int_member(jp, "municipalities_with_presence", s->with_presence);
    json_int_member(jp, "municipalities_without_presence", s->without_presence);
    json_int_member(jp, "locations", s->locations);
    json_int_member(jp, "offices_read", s->offices_read);
    json_int_member(jp, "rows_blank", s->rows_blank);
    json_int_member(jp, "offices_snapped", s->offices_snapped);
    json_int_member(jp, "offices_rejected", s->offices_rejected);
    json_int_member(jp, "kommunkod_disagreements", s->kommunkod_disagreements);
    json_int_member(jp, "geometries_repaired", s->geometries_repaired);
    json_int_member(jp, "counties", s->counties);

    json_open(jp, "presence", '{');
    json_int_member(jp, "staffed", s->presence_staffed);
    json_int_member(jp, "booked", s->presence_booked);
    json_int_member(jp, "other", s->presence_other);
    json_int_member(jp, "none", s->presence_none);
    json_close(jp, '}');

    /* Municipalities per tier, best first: the ranking used, and what it found. */
    json_open(jp, "presence_tiers", '{');
    for (size_t k = 0; k < s->n_tiers; k++)
        json_int_member(jp, s->tier_words[k], s->tier_counts[k]);
    json_int_member(jp, "none", s->presence_none);
    json_close(jp, '}');
    json_str_member(jp, "office_types", s->office_types);

    json_fixed_member(jp, "mean_nearest_office_km", s->mean_nearest_office_km, 3);
    json_fixed_member(jp, "max_nearest_office_km", s->max_nearest_office_km, 3);
    json_str_member(jp, "max_nearest_kommunkod", s->max_nearest_kommunkod);
    json_bool_member(jp, "illustrative", s->illustrative);

    json_open(jp, "population", '{');
    json_str_member(jp, "source", s->population_source);
    json_bool_member(jp, "municipal_totals_at_representative_points", s->population_municipal);
    json_int_member(jp, "points", s->population_points);
    json_int_member(jp, "points_outside_municipalities", s->population_points_outside);
    json_people_member(jp, "population", s->pop.population);
    json_people_member(jp, "population_outside_municipalities", s->population_outside);
    json_int_member(jp, "points_far_outside", s->population_points_far);
    json_people_member(jp, "population_far_outside", s->population_far);
    for (size_t r = 0; r < s->radii.n; r++) {
        char key[64];
        snprintf(key, sizeof key, "within_%gkm", s->radii.km[r]);
        json_people_member(jp, key, s->pop.within[r]);
    }
    json_fixed_member(jp, "mean_distance_km", s->pop.mean_distance_km, 3);
    json_fixed_member(jp, "max_distance_km", s->pop.max_distance_km, 3);
    json_close(jp, '}');

    json_open(jp, "inputs", '{');
    json_str_member(jp, "boundaries", s->boundaries);
    json_str_member(jp, "layer", s->layer);
    json_open(jp, "offices", '[');
    for (size_t i = 0; i < s->n_office_files; i++)
        json_str_member(jp, NULL, s->office_files[i]);
    json_close(jp, ']');
    if (s->n_attribute_files) {
        json_open(jp, "attributes", '[');
        for (size_t i = 0; i < s->n_attribute_files; i++)
            json_str_member(jp, NULL, s->attribute_files[i]);
        json_close(jp, ']');
    }
    json_str_member(jp, "places", s->places);
    json_close(jp, '}');

    json_open(jp, "options", '{');
    json_str_member(jp, "crs", s->crs);
    json_int_member(jp, "srid", s->srid);
    json_fixed_member(jp, "snap_km", s->snap_km, 3);
    json_close(jp, '}');

    json_open(jp, "versions", '{');
    json_str_member(jp, "narvaro", s->version);
    json_str_member(jp, "gdal", s->gdal_version);
    json_str_member(jp, "proj", s->proj_version);
    json_str_member(jp, "sqlite", s->sqlite_version);
    json_close(jp, '}');

    if (s->manifest_json) {
        json_member(jp, "manifest");
        put_str(jp->w, s->manifest_json);
    }
}

nv_status nv_report_summary_json(const char *path, const nv_run_summary *s, nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    json j = {.w = &w};
    json_open(&j, NULL, '{');
    summary_members(&j, s);
    json_close(&j, '}');
    put_char(&w, '\n');
    return writer_close(&w, err);
}

/* ---- comparisons ---- */

static void radius_header(writer *w, const nv_radii *radii, const char *fmt)
{
    char buf[96];
    for (size_t r = 0; radii && r < radii->n; r++) {
        snprintf(buf, sizeof buf, fmt, radii->km[r]);
        put_str(w, buf);
    }
}

nv_status nv_report_changes_csv(const char *path, const nv_change *c, size_t n, const nv_radii *radii,
                                nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    put_str(&w, "kommunkod,namn,lanskod,change,presence_before,presence_after,offices_before,offices_after,"
                "nearest_office_km_before,nearest_office_km_after,nearest_office_km_change,population");
    /* tier_change after the population columns: the columns before keep their places. */
    radius_header(&w, radii, ",population_within_%gkm_before");
    radius_header(&w, radii, ",population_within_%gkm_after");
    put_str(&w, ",mean_distance_km_before,mean_distance_km_after,person_km_added,tier_change\n");
    for (size_t i = 0; i < n; i++) {
        const nv_change *ch = &c[i];
        if (!ch->changed)
            continue;
        const nv_muni_result *b = ch->before, *a = ch->after;
        csv_str(&w, a->kommunkod);
        csv_str(&w, a->namn);
        csv_str(&w, a->lanskod);
        csv_str(&w, nv_change_class_name(ch->cls));
        csv_str(&w, b->presence);
        csv_str(&w, a->presence);
        csv_long(&w, b->offices);
        csv_long(&w, a->offices);
        csv_fixed(&w, b->nearest_office_km, 3);
        csv_fixed(&w, a->nearest_office_km, 3);
        csv_fixed(&w, ch->delta_km, 3);
        csv_people(&w, a->pop.population);
        for (size_t r = 0; radii && r < radii->n; r++)
            csv_people(&w, b->pop.within[r]);
        for (size_t r = 0; radii && r < radii->n; r++)
            csv_people(&w, a->pop.within[r]);
        csv_fixed(&w, b->pop.mean_distance_km, 3);
        csv_fixed(&w, a->pop.mean_distance_km, 3);
        csv_fixed(&w, ch->person_km_added, 0);
        csv_str(&w, ch->tier_delta < 0 ? "lower" : ch->tier_delta > 0 ? "higher" : "");
        csv_end_row(&w);
    }
    return writer_close(&w, err);
}

nv_status nv_report_ranking_csv(const char *path, const nv_change *c, const size_t *order, size_t n,
                                const nv_radii *radii, nv_error *err)
{
    writer w;
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    put_str(&w, "rank,kommunkod,namn,change,presence_before,presence_after,nearest_office_km_before,"
                "nearest_office_km_after,population");
    radius_header(&w, radii, ",people_beyond_%gkm_added");
    put_str(&w, ",person_km_added\n");
    for (size_t k = 0; k < n; k++) {
        const nv_change *ch = &c[order[k]];
        csv_long(&w, (long)k + 1);
        csv_str(&w, ch->after->kommunkod);
        csv_str(&w, ch->after->namn);
        csv_str(&w, nv_change_class_name(ch->cls));
        csv_str(&w, ch->before->presence);
        csv_str(&w, ch->after->presence);
        csv_fixed(&w, ch->before->nearest_office_km, 3);
        csv_fixed(&w, ch->after->nearest_office_km, 3);
        csv_people(&w, ch->after->pop.population);
        for (size_t r = 0; radii && r < radii->n; r++)
            csv_people(&w, ch->beyond_added[r]);
        csv_fixed(&w, ch->person_km_added, 0);
        csv_end_row(&w);
    }
    return writer_close(&w, err);
}

nv_status nv_report_compare_json(const char *path, const nv_compare_totals *t, const nv_radii *radii,
                                 const nv_run_summary *before, const nv_run_summary *after,
                                 const char *manifest_json, nv_error *err)
{
    writer w;
    char key[96];
    nv_status st = writer_open(&w, path, err);
    if (st != NV_OK)
        return st;
    json j = {.w = &w};
    json_open(&j, NULL, '{');
    json_int_member(&j, "municipalities_losing_presence", t->losing_presence);
    json_int_member(&j, "municipalities_gaining_presence", t->gaining_presence);
    json_int_member(&j, "municipalities_longer_distance", t->longer);
    json_int_member(&j, "municipalities_shorter_distance", t->shorter);
    json_int_member(&j, "municipalities_unchanged", t->unchanged);
    json_int_member(&j, "municipalities_changed", t->changed);
    for (size_t r = 0; radii && r < radii->n; r++) {
        snprintf(key, sizeof key, "people_moving_beyond_%gkm", radii->km[r]);
        json_people_member(&j, key, t->beyond_added[r]);
    }
    for (size_t r = 0; radii && r < radii->n; r++) {
        snprintf(key, sizeof key, "people_moving_within_%gkm", radii->km[r]);
        json_people_member(&j, key, t->within_added[r]);
    }
    json_fixed_member(&j, "person_km_added", t->person_km_added, 0);
    json_int_member(&j, "municipalities_lower_tier", t->lower_tier);
    json_int_member(&j, "municipalities_higher_tier", t->higher_tier);
    json_open(&j, "tier_changes", '{');
    for (size_t k = 0; k < t->n_tier_changes; k++) {
        snprintf(key, sizeof key, "%s -> %s", t->tier_changes[k].from, t->tier_changes[k].to);
        json_int_member(&j, key, t->tier_changes[k].count);
    }
    json_close(&j, '}');
    json_open(&j, "before", '{');
    summary_members(&j, before);
    json_close(&j, '}');
    json_open(&j, "after", '{');
    summary_members(&j, after);
    json_close(&j, '}');
    if (manifest_json) {
        json_member(&j, "manifest");
        put_str(&w, manifest_json);
    }
    json_close(&j, '}');
    put_char(&w, '\n');
    return writer_close(&w, err);
}

char **nv_report_column_names(int county, const nv_radii *radii)
{
    const char *fixed = county ? COUNTY_HEADER : MUNI_HEADER;
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "%s,population", fixed);
    for (size_t r = 0; radii && r < radii->n && n < sizeof buf; r++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ",population_within_%gkm", radii->km[r]);
    if (n < sizeof buf)
        snprintf(buf + n, sizeof buf - n, ",mean_distance_km,max_distance_km");
    size_t k = 1;
    for (const char *p = buf; *p; p++)
        k += *p == ',';
    /* One block: the pointers, then the text they point into. */
    char **names = malloc((k + 1) * sizeof *names + strlen(buf) + 1);
    if (!names)
        return NULL;
    char *text = (char *)(names + k + 1);
    strcpy(text, buf);
    size_t i = 0;
    char *save = NULL;
    for (char *tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        names[i++] = tok;
    names[i] = NULL;
    return names;
}
