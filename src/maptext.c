/* maptext.c — titles, subtitles, source lines. */
#include "maptext.h"

#include "compare.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* sv or en, as the page's language asks. */
static const char *tr(const nv_page *r, const char *sv, const char *en)
{
    return nv_page_tr(r, sv, en);
}

/* g's text in memory of our own (malloc), g freed. */
static char *take_string(GString *g)
{
    char *text = g_string_free(g, FALSE), *out = strdup(text);
    g_free(text);
    return out;
}

static const char *base_name(const char *path)
{
    const char *s = path ? strrchr(path, '/') : NULL;
    return s ? s + 1 : path ? path : "?";
}

/* A comparison's plans are shown by both, or by one and the change between them. */
static int shows_both_plans(const nv_page *r)
{
    return r->base->compare && (r->pair || r->s->measure == NV_MEASURE_CHANGE);
}

/* Appends the base names of files (one path per line), comma-separated; escaped for
 * pango markup if markup. */
static void append_files(GString *g, const char *files, int markup)
{
    for (int first = 1; files && *files; first = 0) {
        size_t k = strcspn(files, "\n");
        char *one = strndup(files, k);
        const char *name = base_name(one ? one : "?");
        char *esc = markup ? g_markup_escape_text(name, -1) : g_strdup(name);
        g_string_append_printf(g, "%s%s", first ? "" : ", ", esc);
        g_free(esc);
        free(one);
        files += k;
        if (*files == '\n')
            files++;
    }
}

/* The year in a plan's first file name (a 19xx or 20xx standing alone), or 0. */
static int file_year(const char *files)
{
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(files ? files : "", "\n"), files ? files : "");
    const char *b = base_name(first);
    size_t n = strlen(b);
    for (size_t i = 0; i + 4 <= n; i++) {
        const char *p = b + i;
        int century = (p[0] == '1' && p[1] == '9') || (p[0] == '2' && p[1] == '0');
        if (century && isdigit((unsigned char)p[2]) && isdigit((unsigned char)p[3]) &&
            (i == 0 || !isdigit((unsigned char)b[i - 1])) && !isdigit((unsigned char)p[4]))
            return (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    }
    return 0;
}

/* The two plans' names in the legend and over the panels: their years when the file
 * names give two different ones, else before and after. */
void nv_maptext_plan_labels(nv_page *r)
{
    int y0 = file_year(r->base->office_files_before), y1 = file_year(r->base->office_files);
    for (int k = 0; k < 2; k++) {
        if (y0 && y1 && y0 != y1)
            snprintf(r->plabel[k], sizeof r->plabel[k], "%d", k ? y1 : y0);
        else
            snprintf(r->plabel[k], sizeof r->plabel[k], "%s", k ? tr(r, "Efter", "After") : tr(r, "Före", "Before"));
    }
}

/* The default title and legend heading of the population measures. */
void nv_maptext_population_texts(nv_page *r)
{
    char km[32];
    nv_classes_format_pct(km, sizeof km, r->s->share_radius_km, r->lang, 1);
    if (r->s->measure == NV_MEASURE_MEAN_KM) {
        snprintf(r->auto_title, sizeof r->auto_title, "%s",
                 tr(r, "Befolkningens medelavstånd till närmaste kontor",
                    "Mean distance of the population to the nearest office"));
        snprintf(r->auto_legend, sizeof r->auto_legend, "%s",
                 tr(r, "Medelavstånd, befolkningsviktat", "Mean distance, population-weighted"));
    } else if (r->s->measure == NV_MEASURE_MAX_KM) {
        snprintf(r->auto_title, sizeof r->auto_title, "%s",
                 tr(r, "Befolkningens längsta avstånd till närmaste kontor",
                    "Longest distance of the population to the nearest office"));
        snprintf(r->auto_legend, sizeof r->auto_legend, "%s",
                 tr(r, "Längsta avstånd i kommunen", "Longest distance in the municipality"));
    } else if (r->s->measure == NV_MEASURE_SHARE) {
        snprintf(r->auto_title, sizeof r->auto_title,
                 tr(r, "Andel av befolkningen med kontor inom %s km", "Share of the population with an office within %s km"),
                 km);
        snprintf(r->auto_legend, sizeof r->auto_legend, tr(r, "Andel inom %s km", "Share within %s km"), km);
    }
}

/* The population maps' summary: the figure for the whole map, and how the people were
 * counted when that was coarse (municipal totals at one point each). */
static char *population_subtitle(const nv_page *r)
{
    const nv_map_data *d = r->d;
    int k = nv_mapdata_radius_index(d, r->s->share_radius_km), far_i = -1;
    double people = 0, within = 0, person_km = 0, far = 0;
    for (size_t i = 0; i < d->nm; i++) {
        const nv_map_muni *m = &d->m[i];
        double v = nv_mapdata_value(d, r->s, m);
        if (!nv_page_in_focus(r, m) || !isfinite(v))
            continue;
        people += m->population;
        if (k >= 0)
            within += m->within[k];
        person_km += m->population * v;
        if (far_i < 0 || v > far) {
            far = v;
            far_i = (int)i;
        }
    }
    if (far_i < 0 || !(people > 0))
        return NULL;
    char a[32], b[32];
    const char *who = d->m[far_i].namn ? d->m[far_i].namn : d->m[far_i].kommunkod;
    const char *whole = r->county >= 0 ? tr(r, "i hela länet", "in the county as a whole")
                                       : tr(r, "i hela landet", "in the whole country");
    GString *g = g_string_new(NULL);
    if (r->s->measure == NV_MEASURE_SHARE) {
        nv_classes_format_pct(a, sizeof a, r->s->share_radius_km, r->lang, 1);
        nv_classes_format_pct(b, sizeof b, round(1000 * within / people) / 10, r->lang, 0);
        g_string_append_printf(g, tr(r, "Andel av invånarna som har ett kontor inom %s km fågelvägen: %s %% %s.",
                                     "Share of the inhabitants with an office within %s km in a straight line: "
                                     "%s %% %s."), a, b, whole);
    } else if (r->s->measure == NV_MEASURE_MEAN_KM) {
        nv_classes_format_km(a, sizeof a, person_km / people, r->lang);
        nv_classes_format_km(b, sizeof b, far, r->lang);
        g_string_append_printf(g, tr(r, "Befolkningsviktat medelavstånd fågelvägen till närmaste kontor: %s km %s, "
                                        "längst %s km (%s).",
                                     "Population-weighted mean straight-line distance to the nearest office: %s km "
                                     "%s, longest %s km (%s)."), a, whole, b, who);
    } else {
        nv_classes_format_km(b, sizeof b, far, r->lang);
        g_string_append_printf(g, tr(r, "Avstånd fågelvägen från kommunens mest avlägsna invånare till närmaste "
                                        "kontor: längst %s km (%s).",
                                     "Straight-line distance from each municipality's farthest inhabitant to the "
                                     "nearest office: longest %s km (%s)."), b, who);
    }
    if (d->population_municipal)
        g_string_append(g, tr(r, " Varje kommuns befolkning räknas i dess representativa punkt.",
                              " Each municipality's population is counted at its representative point."));
    return take_string(g);
}

char *nv_maptext_title(const nv_page *r)
{
    const char *t = nv_mapspec_text(r->s, NV_TEXT_TITLE, r->lang);
    if (!t && r->s->measure == NV_MEASURE_CHANGE)
        t = tr(r, "Vad den nya kontorsplanen förändrar", "What the new office plan changes");
    if (!t && r->auto_title[0])
        t = r->auto_title;
    if (!t && r->s->measure == NV_MEASURE_COLUMN)
        t = r->s->column;
    if (!t)
        t = r->s->measure == NV_MEASURE_PRESENCE ? tr(r, "Lokal närvaro per kommun", "Local presence by municipality")
                                                 : tr(r, "Avstånd till närmaste kontor", "Distance to the nearest office");
    char *out = NULL;
    if (r->county >= 0) {
        const nv_map_county *c = &r->d->c[r->county];
        if (asprintf(&out, "%s — %s", t, c->namn ? c->namn : c->lanskod) < 0)
            out = NULL;
    } else {
        out = strdup(t);
    }
    return out;
}

/* The change map's summary: from which plan to which, and how many municipalities change how. */
static char *change_subtitle(const nv_page *r)
{
    int n[5] = {0};
    for (size_t i = 0; i < r->d->nm; i++)
        if (nv_page_in_focus(r, &r->d->m[i]) && r->d->m[i].change >= 0)
            n[r->d->m[i].change]++;
    GString *g = g_string_new(NULL);
    g_string_append(g, tr(r, "Från ", "From "));
    append_files(g, r->base->office_files_before, 0);
    g_string_append(g, tr(r, " till ", " to "));
    append_files(g, r->base->office_files, 0);
    if (r->lang == NV_LANG_EN)
        g_string_append_printf(g, ": %d %s lose their presence and %d gain presence; the nearest office is farther "
                                  "in %d and nearer in %d; %d unchanged.", n[NV_CHANGE_LOST_PRESENCE],
                               n[NV_CHANGE_LOST_PRESENCE] == 1 ? "municipality" : "municipalities",
                               n[NV_CHANGE_GAINED_PRESENCE], n[NV_CHANGE_LONGER], n[NV_CHANGE_SHORTER],
                               n[NV_CHANGE_UNCHANGED]);
    else
        g_string_append_printf(g, ": %d %s sin närvaro och %d får närvaro; närmaste kontor blir längre bort i %d "
                                  "och närmare i %d; %d oförändrade.", n[NV_CHANGE_LOST_PRESENCE],
                               n[NV_CHANGE_LOST_PRESENCE] == 1 ? "kommun förlorar" : "kommuner förlorar",
                               n[NV_CHANGE_GAINED_PRESENCE], n[NV_CHANGE_LONGER], n[NV_CHANGE_SHORTER],
                               n[NV_CHANGE_UNCHANGED]);
    return take_string(g);
}

/* What the subtitles sum up over the municipalities and offices in focus. */
typedef struct focus_tally {
    int n, with, offices; /* municipalities, those with an office, offices (closed ones not) */
    int far_i;            /* the municipality farthest from an office, -1 if none */
    double sum, nsum;     /* sum and count of finite nearest-office distances */
    int present, others;  /* municipalities with presence of any tier; located rows of other tiers */
} focus_tally;

static focus_tally tally_focus(const nv_page *r)
{
    focus_tally t = {0, 0, 0, -1, 0, 0, 0, 0};
    for (size_t i = 0; i < r->d->nm; i++) {
        const nv_map_muni *m = &r->d->m[i];
        if (!nv_page_in_focus(r, m))
            continue;
        t.n++;
        t.with += m->offices > 0;
        t.present += m->tier < (int)r->d->n_tiers;
        if (isfinite(m->nearest_km)) {
            t.sum += m->nearest_km;
            t.nsum++;
            if (t.far_i < 0 || m->nearest_km > r->d->m[t.far_i].nearest_km)
                t.far_i = (int)i;
        }
    }
    /* The offices are the default office tiers (what --office-types said is not stored). */
    for (size_t i = 0; i < r->d->no; i++) {
        int type = r->d->o[i].type, focus = nv_page_office_in_focus(r, &r->d->o[i]);
        t.offices += focus && (type == NV_OFFICE_STAFFED || type == NV_OFFICE_BOOKED);
        t.others += focus && type != NV_OFFICE_STAFFED && type != NV_OFFICE_BOOKED && type != NV_OFFICE_CLOSED;
    }
    return t;
}

/* One plan's figures, over its panel (plan = both). */
char *nv_maptext_panel_summary(const nv_page *r)
{
    focus_tally t = tally_focus(r);
    int n = t.n, with = t.with, offices = t.offices, far_i = t.far_i;
    double sum = t.sum, nsum = t.nsum;
    char *out = NULL, mean[32] = "", far[32] = "", count[32];
    int rc;
    if (far_i >= 0) {
        nv_classes_format_km(mean, sizeof mean, sum / nsum, r->lang);
        nv_classes_format_km(far, sizeof far, r->d->m[far_i].nearest_km, r->lang);
    }
    const char *who = far_i < 0 ? "" : r->d->m[far_i].namn ? r->d->m[far_i].namn : r->d->m[far_i].kommunkod;
    if (r->s->measure == NV_MEASURE_PRESENCE || far_i < 0)
        rc = r->lang == NV_LANG_EN ? asprintf(&out, "%d of %d municipalities have an office, %s %s.", with, n,
                                              nv_page_count(r, count, sizeof count, offices),
                                              offices == 1 ? "office" : "offices")
                                   : asprintf(&out, "%d av %d kommuner har kontor, %s kontor.", with, n,
                                              nv_page_count(r, count, sizeof count, offices));
    else
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "Mean %s km, longest %s km (%s); %d of %d municipalities have an office.", mean,
                            far, who, with, n)
                 : asprintf(&out, "Medel %s km, längst %s km (%s); %d av %d kommuner har kontor.", mean, far, who,
                            with, n);
    return rc < 0 ? NULL : out;
}

char *nv_maptext_subtitle(const nv_page *r)
{
    const char *given = nv_mapspec_text(r->s, NV_TEXT_SUBTITLE, r->lang);
    if (given)
        return strcmp(given, "none") == 0 ? NULL : strdup(given);
    if (r->s->measure == NV_MEASURE_CHANGE)
        return change_subtitle(r);
    if (r->s->measure == NV_MEASURE_COLUMN) {
        char *out = NULL;
        if (asprintf(&out, r->lang == NV_LANG_EN ? "Municipalities by %s." : "Kommunerna efter %s.",
                     r->s->column) < 0)
            out = NULL;
        return out;
    }
    if (r->auto_title[0])
        return population_subtitle(r);
    if (r->pair)
        return strdup(r->s->measure == NV_MEASURE_PRESENCE
                          ? tr(r, "Kommunernas bästa form av lokal närvaro i de två planerna.",
                               "Each municipality's best form of local presence in the two plans.")
                          : tr(r, "Avstånd fågelvägen från kommunens representativa punkt till närmaste kontor, "
                                  "med samma klassgränser i båda kartorna.",
                               "Straight-line distance from each municipality's representative point to the "
                               "nearest office, with the same classes in both maps."));
    focus_tally t = tally_focus(r);
    int n = t.n, with = t.with, offices = t.offices, far_i = t.far_i;
    double sum = t.sum, nsum = t.nsum;
    char *out = NULL, count[32], others[32];
    int rc;
    nv_page_count(r, count, sizeof count, offices);
    nv_page_count(r, others, sizeof others, t.others);
    if (r->s->measure == NV_MEASURE_PRESENCE && (t.others > 0 || t.present > with)) {
        int more = t.present - with, none = n - t.present;
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "%d of %d municipalities have an office of their own, %d more another form of "
                                  "presence, %d none. %s %s, %s other %s.",
                            with, n, more, none, count, offices == 1 ? "office" : "offices", others,
                            t.others == 1 ? "location" : "locations")
                 : asprintf(&out, "%d av %d kommuner har ett eget kontor, %d till annan närvaro, %d ingen. "
                                  "%s kontor, %s andra platser.",
                            with, n, more, none, count, others);
    } else if (r->s->measure == NV_MEASURE_PRESENCE || far_i < 0) {
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "%d of %d municipalities have an office of their own, %d have none. %s %s.",
                            with, n, n - with, count, offices == 1 ? "office" : "offices")
                 : asprintf(&out, "%d av %d kommuner har ett eget kontor, %d saknar. %s kontor.", with, n, n - with,
                            count);
    } else {
        char mean[32], far[32];
        nv_classes_format_km(mean, sizeof mean, sum / nsum, r->lang);
        nv_classes_format_km(far, sizeof far, r->d->m[far_i].nearest_km, r->lang);
        const char *who = r->d->m[far_i].namn ? r->d->m[far_i].namn : r->d->m[far_i].kommunkod;
        rc = r->lang == NV_LANG_EN
                 ? asprintf(&out, "Straight-line distance from each municipality's representative point to the "
                                  "nearest office: mean %s km, longest %s km (%s).", mean, far, who)
                 : asprintf(&out, "Avstånd fågelvägen från kommunens representativa punkt till närmaste kontor: "
                                  "medel %s km, längst %s km (%s).", mean, far, who);
    }
    return rc < 0 ? NULL : out;
}

/* The source line as pango markup: boundary and plan files, the date, narvaro's version,
 * and "illustrative" when the plan's rows are not all sourced. */
char *nv_maptext_source(const nv_page *r)
{
    GString *g = g_string_new(NULL);
    char *b = g_markup_escape_text(base_name(r->d->boundaries), -1);
    g_string_append_printf(g, "%s %s; ", tr(r, "Källor: kommungränser", "Sources: boundaries"), b);
    g_free(b);
    if (shows_both_plans(r)) {
        /* A comparison names both plans, and says which of them is illustrative. */
        const nv_map_data *d = r->base;
        g_string_append(g, tr(r, "kontorsplaner före ", "office plans before "));
        append_files(g, d->office_files_before ? d->office_files_before : "?", 1);
        g_string_append(g, tr(r, ", efter ", ", after "));
        append_files(g, d->office_files ? d->office_files : "?", 1);
        g_string_append_printf(g, "; %s %s; narvaro %s.", tr(r, "datum", "date"), r->date,
                               d->version ? d->version : NV_VERSION);
        if (d->illustrative_before && d->illustrative)
            g_string_append(g, tr(r, " <b>Illustrativa:</b> båda planerna har rader som inte är källbelagda.",
                                  " <b>Illustrative:</b> both plans have rows that are not sourced."));
        else if (d->illustrative_before || d->illustrative)
            g_string_append_printf(g, tr(r, " <b>Illustrativ:</b> planen %s har rader som inte är källbelagda.",
                                         " <b>Illustrative:</b> the %s plan has rows that are not sourced."),
                                   d->illustrative ? tr(r, "efter", "after") : tr(r, "före", "before"));
        return take_string(g);
    }
    g_string_append_printf(g, "%s ", tr(r, "kontorsplan", "office plan"));
    append_files(g, r->d->office_files ? r->d->office_files : "?", 1);
    g_string_append_printf(g, "; %s %s; narvaro %s.", tr(r, "datum", "date"), r->date,
                           r->d->version ? r->d->version : NV_VERSION);
    if (r->d->illustrative)
        g_string_append(g, tr(r, " <b>Illustrativ:</b> planen har rader som inte är källbelagda.",
                              " <b>Illustrative:</b> the plan has rows that are not sourced."));
    return take_string(g);
}

void nv_maptext_date(const char *given, char *out, size_t size)
{
    if (given && *given) {
        snprintf(out, size, "%s", given);
        return;
    }
    time_t t = time(NULL);
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (*end == '\0' && v >= 0)
            t = (time_t)v;
    }
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, size, "%Y-%m-%d", &tm);
}

char *nv_maptext_panel_heading(const nv_page *r, int k)
{
    GString *g = g_string_new(NULL);
    char *label = g_markup_escape_text(r->plabel[k], -1);
    g_string_append_printf(g, "<b>%s</b>  ", label);
    g_free(label);
    append_files(g, k ? r->base->office_files : r->base->office_files_before, 1);
    return take_string(g);
}
