/* test_report.c — the CSV and JSON writers, checked byte for byte on a handful of
 * hand-made records: a name with å/ä/ö, a name with a comma and quotes, a note with a
 * line break, a NAN distance, a rejected office, a negative zero. */
#include "report.h"
#include "nv_test.h"

#include <errno.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/nv_test_report_XXXXXX";

static const char *out_path(const char *name)
{
    static char buf[4][256];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* The whole file as a NUL-terminated string (malloc'd), or NULL. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (len + 2 > cap) {
            cap = cap ? cap * 2 : 1024;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        buf[len++] = (char)c;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

/* Line number `line` (0-based) of text, without its '\n', in a static buffer. */
static const char *line_of(const char *text, int line)
{
    static char buf[1024];
    const char *p = text;
    for (int i = 0; p && i < line; i++) {
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    size_t n = strcspn(p, "\n");
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

static const nv_muni_result munis[] = {
    {.kommunkod = "0180", .namn = "Stockholm", .lanskod = "01", .offices = 3,
     .presence = "staffed", .presence_rank = NV_PRESENCE_STAFFED, .nearest_office_km = 0.4567,
     .nearest_office_id = "AF-1", .rep_x = 674032.346, .rep_y = 6580821.991, .area_km2 = 215.1234},
    {.kommunkod = "2280", .namn = "Härnösand", .lanskod = "22", .offices = 0,
     .presence = "booked", .presence_rank = NV_PRESENCE_BOOKED, .nearest_office_km = 31.0,
     .nearest_office_id = "AF-9", .rep_x = 633000.0, .rep_y = 6951000.0, .area_km2 = 1070.0},
    {.kommunkod = "9999", .namn = "Test, \"Norra\"", .lanskod = "99", .offices = 0,
     .presence = "none", .presence_rank = NV_PRESENCE_NONE, .nearest_office_km = NAN,
     .nearest_office_id = NULL, .rep_x = NAN, .rep_y = NAN, .area_km2 = 0.0004},
};

static const nv_county_result counties[] = {
    {.lanskod = "01", .namn = "Stockholms län", .municipalities = 26, .offices = 20,
     .with_office = 18, .without_office = 8, .staffed = 18, .booked = 1, .other = 0, .none = 7,
     .mean_nearest_office_km = 4.12345, .max_nearest_office_km = 40.0},
    {.lanskod = "99", .namn = NULL, .municipalities = 1, .offices = 0,
     .with_office = 0, .without_office = 1, .staffed = 0, .booked = 0, .other = 0, .none = 1,
     .mean_nearest_office_km = -0.0, .max_nearest_office_km = NAN},
};

/* Not in munis: offices.csv names the municipality a row was placed in, listed or not. */
static const nv_muni_result mala = {.kommunkod = "2418", .namn = "Malå", .lanskod = "24"};

static const nv_office_result offices[] = {
    {.source = "plans/af.csv", .line = 2, .office_id = "AF-1", .name = "Arbetsförmedlingen Stockholm",
     .type = "staffed", .kommunkod_stated = "0180", .lat_deg = 59.3293234, .lon_deg = 18.0685808,
     .x = 674032.346, .y = 6580821.991, .status = NV_OFFICE_PLACED, .muni = &munis[0],
     .snap_m = 0.0, .note = NULL},
    {.source = "plans/af.csv", .line = 3, .office_id = "AF-2", .name = "Kontor Malå",
     .type = "booked", .kommunkod_stated = "", .lat_deg = NAN, .lon_deg = NAN,
     .x = 645000.0, .y = 7230000.0, .status = NV_OFFICE_SNAPPED, .muni = &mala,
     .snap_m = 153.456, .note = "snapped 153 m into Malå"},
    {.source = "plans/af;2.csv", .line = 4, .office_id = "AF-3", .name = "Kontor \"Hamnen\", Öckerö",
     .type = "staffed", .kommunkod_stated = NULL, .lat_deg = 191.2, .lon_deg = 11.6,
     .x = NAN, .y = NAN, .status = NV_OFFICE_REJECTED, .muni = NULL,
     .snap_m = 0.0, .note = "latitude 191.2 is outside -90..90\n(are lat and lon swapped?)"},
};

static void test_fail_cases(void)
{
    nv_error e = {0};
    const char *bad = "/nonexistent-narvaro-dir/municipalities.csv";
    NV_CHECK_INT(nv_report_municipalities_csv(bad, munis, 3, NULL, &e), NV_ERR_FAIL);
    NV_CHECK_STR(e.path, bad);
    NV_CHECK_CONTAINS(e.message, strerror(ENOENT));

    memset(&e, 0, sizeof e);
    NV_CHECK_INT(nv_report_summary_json("/nonexistent-narvaro-dir/summary.json",
                                        &(nv_run_summary){0}, &e), NV_ERR_FAIL);
    NV_CHECK_CONTAINS(e.message, "cannot create");

    /* A full disk shows up when the buffer is flushed, in fclose. */
    if (access("/dev/full", W_OK) == 0) {
        memset(&e, 0, sizeof e);
        NV_CHECK_INT(nv_report_offices_csv("/dev/full", offices, 3, &e), NV_ERR_FAIL);
        NV_CHECK_STR(e.path, "/dev/full");
        NV_CHECK_CONTAINS(e.message, strerror(ENOSPC));
    }
    /* err may be NULL. */
    NV_CHECK_INT(nv_report_counties_csv(bad, counties, 2, NULL, NULL), NV_ERR_FAIL);
}

static void test_municipalities(void)
{
    nv_error e = {0};
    const char *path = out_path("municipalities.csv");
    NV_CHECK_INT(nv_report_municipalities_csv(path, munis, 3, NULL, &e), NV_OK);
    char *text = slurp(path);
    NV_CHECK(text != NULL);
    if (!text)
        return;
    NV_CHECK_STR(line_of(text, 0), "kommunkod,namn,lanskod,offices,presence,nearest_office_km,"
                                   "nearest_office_id,rep_x,rep_y,area_km2,locations,nearest_presence_km,nearest_presence_id,"
                                   "population,mean_distance_km,max_distance_km");
    NV_CHECK_STR(line_of(text, 1), "0180,Stockholm,01,3,staffed,0.457,AF-1,674032.35,6580821.99,215.123,0,0.000,,0,0.000,0.000");
    NV_CHECK_STR(line_of(text, 2), "2280,Härnösand,22,0,booked,31.000,AF-9,633000.00,6951000.00,1070.000,0,0.000,,0,0.000,0.000");
    /* Comma and quotes force quoting; NAN and NULL are empty fields. */
    NV_CHECK_STR(line_of(text, 3), "9999,\"Test, \"\"Norra\"\"\",99,0,none,,,,,0.000,0,0.000,,0,0.000,0.000");
    NV_CHECK_STR(line_of(text, 4), "");
    NV_CHECK(strchr(text, '\r') == NULL);
    free(text);

    /* No rows: the header alone. */
    NV_CHECK_INT(nv_report_municipalities_csv(path, NULL, 0, NULL, &e), NV_OK);
    text = slurp(path);
    NV_CHECK_STR(text, "kommunkod,namn,lanskod,offices,presence,nearest_office_km,"
                       "nearest_office_id,rep_x,rep_y,area_km2,locations,nearest_presence_km,nearest_presence_id,"
                                   "population,mean_distance_km,max_distance_km\n");
    free(text);
}

static void test_counties(void)
{
    nv_error e = {0};
    const char *path = out_path("counties.csv");
    NV_CHECK_INT(nv_report_counties_csv(path, counties, 2, NULL, &e), NV_OK);
    char *text = slurp(path);
    NV_CHECK_STR(text,
        "lanskod,namn,municipalities,offices,municipalities_with_office,"
        "municipalities_without_office,staffed,booked,other,none,"
        "mean_nearest_office_km,max_nearest_office_km,locations,municipalities_with_presence,"
        "municipalities_without_presence,population,mean_distance_km,max_distance_km\n"
        "01,Stockholms län,26,20,18,8,18,1,0,7,4.123,40.000,0,0,0,0,0.000,0.000\n"
        "99,,1,0,0,1,0,0,0,1,0.000,,0,0,0,0,0.000,0.000\n"); /* -0.0 prints as 0.000, NAN as empty */
    free(text);
}

static void test_offices(void)
{
    nv_error e = {0};
    const char *path = out_path("offices.csv");
    NV_CHECK_INT(nv_report_offices_csv(path, offices, 3, &e), NV_OK);
    char *text = slurp(path);
    NV_CHECK_STR(text,
        "source,line,office_id,name,type,kommunkod_stated,lat,lon,x,y,status,kommunkod,namn,snap_m,note,town,placed_by\n"
        "plans/af.csv,2,AF-1,Arbetsförmedlingen Stockholm,staffed,0180,59.329323,18.068581,"
        "674032.35,6580821.99,placed,0180,Stockholm,0.00,,,\n"
        "plans/af.csv,3,AF-2,Kontor Malå,booked,,,,645000.00,7230000.00,snapped,2418,Malå,153.46,"
        "snapped 153 m into Malå,,\n"
        "plans/af;2.csv,4,AF-3,\"Kontor \"\"Hamnen\"\", Öckerö\",staffed,,191.200000,11.600000,,,"
        "rejected,,,0.00,\"latitude 191.2 is outside -90..90\n(are lat and lon swapped?)\",,\n");
    free(text);
}

static const char *const plan_files[] = {"plans/af.csv", "plans/sö.csv"};

static const char *const tier_words[] = {"staffed", "booked", "servicekontor", "cooperation", "agreement"};
static const int tier_counts[] = {100, 5, 1, 102, 0};

static nv_run_summary make_summary(void)
{
    nv_run_summary s = {
        .version = "0.1.0", .gdal_version = "3.6.2", .proj_version = "9.1.1",
        .sqlite_version = "3.40.1",
        .boundaries = "C:\\data\\\"kommuner\".gpkg", .layer = "kommun\tgränser",
        .office_files = plan_files, .n_office_files = 2,
        .crs = "EPSG:3006", .srid = 3006, .snap_km = 2.0,
        .municipalities = 290, .counties = 21, .offices_read = 115, .offices = 112,
        .offices_snapped = 4, .offices_rejected = 3, .kommunkod_disagreements = 1,
        .geometries_repaired = 2, .with_office = 106, .without_office = 184,
        .with_presence = 208, .without_presence = 82, .locations = 214,
        .n_tiers = 5, .tier_words = tier_words, .tier_counts = tier_counts, .office_types = "staffed,booked",
        .presence_staffed = 100, .presence_booked = 5, .presence_other = 1, .presence_none = 184,
        .mean_nearest_office_km = NAN, .max_nearest_office_km = 123.4567,
        .max_nearest_kommunkod = "2584", .illustrative = 1,
        .radii = {2, {10, 2.5}}, .population_source = "kommun_population_2016.csv",
        .population_municipal = 1, .population_points = 290, .population_points_outside = 0,
        .population_outside = 0,
        .pop = {.population = 9995153, .within = {5000000, 1234567.4}, .mean_distance_km = 12.3456,
                .max_distance_km = NAN},
    };
    return s;
}

static void test_summary(void)
{
    nv_error e = {0};
    const char *path = out_path("summary.json");
    nv_run_summary s = make_summary();
    NV_CHECK_INT(nv_report_summary_json(path, &s, &e), NV_OK);
    char *text = slurp(path);
    NV_CHECK(text != NULL);
    if (!text)
        return;
    /* The four headline keys come first and in this order. */
    const char *k1 = strstr(text, "\"municipalities\":");
    const char *k2 = strstr(text, "\"offices\":");
    const char *k3 = strstr(text, "\"municipalities_with_office\":");
    const char *k4 = strstr(text, "\"municipalities_without_office\":");
    NV_CHECK(k1 && k2 && k3 && k4);
    NV_CHECK(k1 && k1 == text + 4);
    NV_CHECK(k1 < k2 && k2 < k3 && k3 < k4);
    NV_CHECK(k4 && k4 < strstr(text, "\"offices_read\""));

    NV_CHECK_STR(text,
        "{\n"
        "  \"municipalities\": 290,\n"
        "  \"offices\": 112,\n"
        "  \"municipalities_with_office\": 106,\n"
        "  \"municipalities_without_office\": 184,\n"
        "  \"municipalities_with_presence\": 208,\n"
        "  \"municipalities_without_presence\": 82,\n"
        "  \"locations\": 214,\n"
        "  \"offices_read\": 115,\n"
        "  \"rows_blank\": 0,\n"
        "  \"offices_snapped\": 4,\n"
        "  \"offices_rejected\": 3,\n"
        "  \"kommunkod_disagreements\": 1,\n"
        "  \"geometries_repaired\": 2,\n"
        "  \"counties\": 21,\n"
        "  \"presence\": {\n"
        "    \"staffed\": 100,\n"
        "    \"booked\": 5,\n"
        "    \"other\": 1,\n"
        "    \"none\": 184\n"
        "  },\n"
        "  \"presence_tiers\": {\n"
        "    \"staffed\": 100,\n"
        "    \"booked\": 5,\n"
        "    \"servicekontor\": 1,\n"
        "    \"cooperation\": 102,\n"
        "    \"agreement\": 0,\n"
        "    \"none\": 184\n"
        "  },\n"
        "  \"office_types\": \"staffed,booked\",\n"
        "  \"mean_nearest_office_km\": null,\n"
        "  \"max_nearest_office_km\": 123.457,\n"
        "  \"max_nearest_kommunkod\": \"2584\",\n"
        "  \"illustrative\": true,\n"
        "  \"population\": {\n"
        "    \"source\": \"kommun_population_2016.csv\",\n"
        "    \"municipal_totals_at_representative_points\": true,\n"
        "    \"points\": 290,\n"
        "    \"points_outside_municipalities\": 0,\n"
        "    \"population\": 9995153,\n"
        "    \"population_outside_municipalities\": 0,\n"
        "    \"points_far_outside\": 0,\n"
        "    \"population_far_outside\": 0,\n"
        "    \"within_10km\": 5000000,\n"
        "    \"within_2.5km\": 1234567.4,\n"
        "    \"mean_distance_km\": 12.346,\n"
        "    \"max_distance_km\": null\n"
        "  },\n"
        "  \"inputs\": {\n"
        "    \"boundaries\": \"C:\\\\data\\\\\\\"kommuner\\\".gpkg\",\n"
        "    \"layer\": \"kommun\\u0009gränser\",\n"
        "    \"offices\": [\n"
        "      \"plans/af.csv\",\n"
        "      \"plans/sö.csv\"\n"
        "    ],\n"
        "    \"places\": null\n"
        "  },\n"
        "  \"options\": {\n"
        "    \"crs\": \"EPSG:3006\",\n"
        "    \"srid\": 3006,\n"
        "    \"snap_km\": 2.000\n"
        "  },\n"
        "  \"versions\": {\n"
        "    \"narvaro\": \"0.1.0\",\n"
        "    \"gdal\": \"3.6.2\",\n"
        "    \"proj\": \"9.1.1\",\n"
        "    \"sqlite\": \"3.40.1\"\n"
        "  }\n"
        "}\n");
    free(text);

    /* No plan files, NULL strings, a control character at the low end. */
    s.n_office_files = 0;
    s.office_files = NULL;
    s.layer = NULL;
    s.max_nearest_kommunkod = NULL;
    s.boundaries = "a\x01z";
    s.illustrative = 0;
    NV_CHECK_INT(nv_report_summary_json(path, &s, &e), NV_OK);
    text = slurp(path);
    NV_CHECK_CONTAINS(text, "    \"offices\": [],\n");
    NV_CHECK_CONTAINS(text, "\"layer\": null,");
    NV_CHECK_CONTAINS(text, "\"max_nearest_kommunkod\": null,");
    NV_CHECK_CONTAINS(text, "\"boundaries\": \"a\\u0001z\",");
    NV_CHECK_CONTAINS(text, "\"illustrative\": false,");
    free(text);
}

/* Numbers must not follow a locale with a decimal comma. The test machine may not have
 * such a locale installed; then this part is skipped (and says so). */
static void test_decimal_comma_locale(void)
{
    const char *names[] = {"sv_SE.UTF-8", "sv_SE.utf8", "de_DE.UTF-8", "de_DE.utf8"};
    const char *got = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !got; i++)
        got = setlocale(LC_NUMERIC, names[i]);
    if (!got) {
        printf("test_report: no decimal-comma locale installed; locale check skipped\n");
        return;
    }
    char probe[16];
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    NV_CHECK_STR(probe, "1,5");
    nv_error e = {0};
    const char *path = out_path("counties-sv.csv");
    NV_CHECK_INT(nv_report_counties_csv(path, counties, 1, NULL, &e), NV_OK);
    char *text = slurp(path);
    NV_CHECK_STR(line_of(text, 1), "01,Stockholms län,26,20,18,8,18,1,0,7,4.123,40.000,0,0.000,0.000");
    free(text);
    /* The caller's locale is back in force afterwards. */
    snprintf(probe, sizeof probe, "%.1f", 1.5);
    NV_CHECK_STR(probe, "1,5");
    setlocale(LC_NUMERIC, "C");
}

/* People are written alike everywhere: hundredths, trailing zeros dropped. */
static void test_people_format(void)
{
    const struct { double v; const char *want; } cases[] = {
        {3, "3"}, {1.5, "1.5"}, {1.50000001, "1.5"}, {0.25, "0.25"}, {0.1 + 0.2, "0.3"}, {9995153, "9995153"},
        {1e9, "1000000000"}, {0.004, "0"}, {-0.004, "0"}, {2.995, "3"}, {-1.25, "-1.25"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        nv_report_format_people(cases[i].v, buf, sizeof buf);
        NV_CHECK_STR(buf, cases[i].want);
    }
}

int main(void)
{
    test_people_format();
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_fail_cases();
    test_municipalities();
    test_counties();
    test_offices();
    test_summary();
    test_decimal_comma_locale();

    const char *files[] = {"municipalities.csv", "counties.csv", "offices.csv", "summary.json",
                           "counties-sv.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        unlink(out_path(files[i]));
    rmdir(dir);
    return nv_test_report("test_report");
}
