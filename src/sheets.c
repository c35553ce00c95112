/* sheets.c — results.xlsx through GDAL's XLSX driver.
 *
 * Each CSV is read twice through GDAL's CSV driver with every field as a string: once to
 * decide which columns are numbers, once to copy the rows. The CSVs are narvaro's own
 * (RFC 4180, UTF-8, fixed-point numbers), so the rule can be strict: a column is numeric
 * when every non-empty field is [-]digits[.digits]. */
#include "sheets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>

/* Codes and ids are text even when they are digits only. */
static int is_identifier(const char *name)
{
    return strcmp(name, "id") == 0 || strncmp(name, "kommunkod", 9) == 0 || strncmp(name, "lanskod", 7) == 0 ||
           strstr(name, "_id") != NULL || strstr(name, "digest") != NULL;
}

/* 0: not a plain number; 1: an integer; 2: a number with decimals. */
static int number_kind(const char *s)
{
    const char *p = s;
    if (*p == '-')
        p++;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0)
        return 0;
    p += digits;
    if (*p == '\0')
        return digits <= 9 ? 1 : 2; /* beyond int32: stored as a real, still a number */
    if (*p != '.' || strspn(p + 1, "0123456789") == 0)
        return 0;
    p += 1 + strspn(p + 1, "0123456789");
    return *p == '\0' ? 2 : 0;
}

static nv_status gdal_fail(nv_error *err, const char *path, const char *what)
{
    const char *msg = CPLGetLastErrorMsg();
    return nv_error_set(err, NV_ERR_FAIL, path, 0, "%s%s%s", what, msg && *msg ? ": " : "", msg ? msg : "");
}

/* Data rows of one sheet: Excel's 1,048,576 rows less the header (NARVARO_XLSX_MAX_ROWS
 * lowers it, for the tests). */
static long sheet_max_rows(void)
{
    const char *env = getenv("NARVARO_XLSX_MAX_ROWS");
    long n = env && *env ? strtol(env, NULL, 10) : 0;
    return n > 0 && n < 1048575 ? n : 1048575;
}

/* Sheet part of a table (1: its own name; then "NAME 2", "NAME 3", … within Excel's 31
 * characters) with the table's columns, typed by kind. NULL with err set on failure. */
static OGRLayerH add_sheet(GDALDatasetH out, const char *name, int part, OGRFeatureDefnH idef, const int *kind, int nf,
                           const char *xlsx_path, nv_error *err)
{
    char sheet[32];
    if (part == 1)
        snprintf(sheet, sizeof sheet, "%s", name);
    else
        snprintf(sheet, sizeof sheet, "%.24s %d", name, part % 100000);
    CPLErrorReset();
    OGRLayerH ol = GDALDatasetCreateLayer(out, sheet, NULL, wkbNone, NULL);
    if (!ol) {
        gdal_fail(err, xlsx_path, "cannot add a sheet");
        return NULL;
    }
    for (int i = 0; i < nf; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(idef, i)),
                                          kind[i] == 1 ? OFTInteger : kind[i] == 2 ? OFTReal : OFTString);
        OGRErr e = OGR_L_CreateField(ol, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE) {
            gdal_fail(err, xlsx_path, "cannot add a column");
            return NULL;
        }
    }
    return ol;
}

/* Copies one CSV into a new sheet of out. */
static nv_status copy_sheet(GDALDatasetH out, const nv_sheet_source *src, const char *xlsx_path, nv_error *err)
{
    static const char *const drivers[] = {"CSV", NULL};
    static const char *const open_options[] = {"AUTODETECT_TYPE=NO", "EMPTY_STRING_AS_NULL=YES", "HEADERS=YES",
                                               NULL};
    nv_status st = NV_OK;
    int *kind = NULL;
    GDALDatasetH in = GDALOpenEx(src->csv_path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, open_options, NULL);
    if (!in)
        return gdal_fail(err, src->csv_path, "cannot read the table for results.xlsx");
    OGRLayerH il = GDALDatasetGetLayer(in, 0);
    OGRFeatureDefnH idef = il ? OGR_L_GetLayerDefn(il) : NULL;
    int nf = idef ? OGR_FD_GetFieldCount(idef) : 0;
    if (!il || !(kind = calloc((size_t)(nf ? nf : 1), sizeof *kind))) {
        st = nv_error_set(err, NV_ERR_FAIL, src->csv_path, 0, "cannot read the table for results.xlsx");
        goto done;
    }
    /* kind[i]: 1 integer, 2 real, 0 text; a column of empty fields only stays text. */
    int *seen = calloc((size_t)(nf ? nf : 1), sizeof *seen);
    if (!seen) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        goto done;
    }
    for (int i = 0; i < nf; i++)
        kind[i] = is_identifier(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(idef, i))) ? 0 : 1;
    OGRFeatureH f;
    OGR_L_ResetReading(il);
    while ((f = OGR_L_GetNextFeature(il)) != NULL) {
        for (int i = 0; i < nf; i++) {
            if (kind[i] == 0 || !OGR_F_IsFieldSetAndNotNull(f, i))
                continue;
            int k = number_kind(OGR_F_GetFieldAsString(f, i));
            seen[i] = 1;
            kind[i] = k == 0 ? 0 : k > kind[i] ? k : kind[i];
        }
        OGR_F_Destroy(f);
    }
    for (int i = 0; i < nf; i++)
        if (!seen[i])
            kind[i] = 0;
    free(seen);

    /* Excel shows at most 1,048,576 rows a sheet: a longer table goes on into "NAME 2", … */
    long max_rows = sheet_max_rows(), rows = 0;
    int part = 1;
    OGRLayerH ol = add_sheet(out, src->name, part, idef, kind, nf, xlsx_path, err);
    if (!ol) {
        st = NV_ERR_FAIL;
        goto done;
    }
    OGRFeatureDefnH odef = OGR_L_GetLayerDefn(ol);
    OGR_L_ResetReading(il);
    while (st == NV_OK && (f = OGR_L_GetNextFeature(il)) != NULL) {
        if (rows == max_rows) {
            if (!(ol = add_sheet(out, src->name, ++part, idef, kind, nf, xlsx_path, err))) {
                st = NV_ERR_FAIL;
                OGR_F_Destroy(f);
                break;
            }
            odef = OGR_L_GetLayerDefn(ol);
            rows = 0;
        }
        rows++;
        OGRFeatureH g = OGR_F_Create(odef);
        for (int i = 0; i < nf; i++) {
            if (!OGR_F_IsFieldSetAndNotNull(f, i))
                continue;
            const char *v = OGR_F_GetFieldAsString(f, i);
            if (kind[i] == 1)
                OGR_F_SetFieldInteger(g, i, atoi(v));
            else if (kind[i] == 2)
                OGR_F_SetFieldDouble(g, i, strtod(v, NULL)); /* "[-]d.d": no locale can misread it */
            else
                OGR_F_SetFieldString(g, i, v);
        }
        if (OGR_L_CreateFeature(ol, g) != OGRERR_NONE)
            st = gdal_fail(err, xlsx_path, "cannot write a row");
        OGR_F_Destroy(g);
        OGR_F_Destroy(f);
    }
done:
    free(kind);
    if (in)
        GDALClose(in);
    return st;
}

static nv_status write_xlsx(const char *xlsx_path, const nv_sheet_source *sheets, size_t n, nv_error *err)
{
    struct stat sb;
    if (stat(xlsx_path, &sb) == 0)
        return nv_error_set(err, NV_ERR_FAIL, xlsx_path, 0, "already exists; narvaro does not overwrite it");
    GDALAllRegister();
    GDALDriverH drv = GDALGetDriverByName("XLSX");
    if (!drv)
        return nv_error_set(err, NV_ERR_FAIL, xlsx_path, 0,
                            "this GDAL (%s) has no XLSX driver (install Debian's gdal with libexpat, or skip "
                            "the workbook with --no-xlsx)", GDALVersionInfo("RELEASE_NAME"));
    CPLErrorReset();
    GDALDatasetH out = GDALCreate(drv, xlsx_path, 0, 0, 0, GDT_Unknown, NULL);
    if (!out)
        return gdal_fail(err, xlsx_path, "cannot create the workbook");
    nv_status st = NV_OK;
    for (size_t i = 0; i < n && st == NV_OK; i++)
        st = copy_sheet(out, &sheets[i], xlsx_path, err);
    /* The XLSX driver writes the file when the dataset closes: its errors show only there. */
    CPLErrorReset();
    GDALClose(out); /* void in GDAL 3.6: a failure shows as the last error */
    if (st == NV_OK && CPLGetLastErrorType() >= CE_Failure)
        st = gdal_fail(err, xlsx_path, "cannot write the workbook");
    if (st != NV_OK)
        unlink(xlsx_path);
    return st;
}

nv_status nv_sheets_write_xlsx(const char *xlsx_path, const nv_sheet_source *sheets, size_t n, nv_error *err)
{
    /* GDAL's messages go into err, not onto stderr (per thread: batch writes in parallel). */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    nv_status st = write_xlsx(xlsx_path, sheets, n, err);
    CPLPopErrorHandler();
    return st;
}

/* ---------------------------------------------------------------- reading workbooks */

int nv_sheets_is_workbook(const char *path)
{
    const char *dot = path ? strrchr(path, '.') : NULL;
    return dot && (strcasecmp(dot, ".xlsx") == 0 || strcasecmp(dot, ".xls") == 0 || strcasecmp(dot, ".ods") == 0);
}

int nv_sheets_looks_like_workbook(const char *bytes, size_t n)
{
    return (n >= 4 && memcmp(bytes, "PK\x03\x04", 4) == 0) ||
           (n >= 8 && memcmp(bytes, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0);
}

/* The drivers read the first row as data and every cell as text only when told so by
 * configuration options (GDAL 3.6 has no open options for it in the XLS driver). They are
 * set for this thread alone, for the whole read: the XLSX driver reads a sheet when it is
 * first asked for a row, not when the file is opened. */
static const char *const config_keys[] = {"OGR_XLSX_HEADERS", "OGR_XLSX_FIELD_TYPES", "OGR_ODS_HEADERS",
                                          "OGR_ODS_FIELD_TYPES", "OGR_XLS_HEADERS", "OGR_XLS_FIELD_TYPES"};

static void cell_text(FILE *f, const char *v)
{
    if (!strpbrk(v, ";\"\r\n")) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (; *v; v++) {
        if (*v == '"')
            fputc('"', f);
        fputc(*v == '\r' || *v == '\n' ? ' ' : *v, f);
    }
    fputc('"', f);
}

static nv_status read_text(const char *path, const char *sheet, char **text, size_t *len, char *sheet_out,
                           size_t sheet_size, nv_error *err)
{
    static const char *const drivers[] = {"XLSX", "XLS", "ODS", NULL};
    GDALAllRegister();
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
    if (!ds) {
        const char *msg = CPLGetLastErrorMsg();
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "cannot read the workbook%s%s (is it an Excel .xlsx/.xls or OpenDocument .ods file? "
                            "else save it as one, or as CSV)", msg && *msg ? ": " : "", msg ? msg : "");
    }
    nv_status st = NV_OK;
    OGRLayerH l = NULL;
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n && !l; i++) {
        OGRLayerH li = GDALDatasetGetLayer(ds, i);
        if (!sheet || strcmp(OGR_L_GetName(li), sheet) == 0)
            l = li;
    }
    if (!l) {
        char names[1024] = "";
        for (int i = 0; i < n; i++) {
            size_t k = strlen(names);
            snprintf(names + k, sizeof names - k, "%s%s", i ? ", " : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
        }
        st = sheet ? nv_error_set(err, NV_ERR_INPUT, path, 0, "has no sheet \"%s\"; its sheets: %s (give one with "
                                  "--sheet)", sheet, names)
                   : nv_error_set(err, NV_ERR_INPUT, path, 0, "has no sheets");
        GDALClose(ds);
        return st;
    }
    snprintf(sheet_out, sheet_size, "%s", OGR_L_GetName(l));
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    if (!f) {
        GDALClose(ds);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
    }
    /* A feature's id is its row number: rows GDAL skips become blank lines, so that the
     * CSV reader's line numbers are the sheet's row numbers. */
    GIntBig row = 0;
    OGRFeatureH feat;
    OGR_L_ResetReading(l);
    while ((feat = OGR_L_GetNextFeature(l)) != NULL) {
        GIntBig fid = OGR_F_GetFID(feat);
        while (row + 1 < fid) {
            fputc('\n', f);
            row++;
        }
        int nf = OGR_F_GetFieldCount(feat);
        for (int i = 0; i < nf; i++) {
            if (i)
                fputc(';', f);
            if (OGR_F_IsFieldSetAndNotNull(feat, i))
                cell_text(f, OGR_F_GetFieldAsString(feat, i));
        }
        fputc('\n', f);
        row++;
        OGR_F_Destroy(feat);
    }
    GDALClose(ds);
    if (fclose(f) != 0) {
        free(buf);
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
    }
    *text = buf;
    *len = size;
    return NV_OK;
}

nv_status nv_sheets_read_text(const char *path, const char *sheet, char **text, size_t *len, char *sheet_out,
                              size_t sheet_size, nv_error *err)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++)
        CPLSetThreadLocalConfigOption(config_keys[i], i % 2 ? "STRING" : "DISABLE");
    nv_status st = read_text(path, sheet, text, len, sheet_out, sheet_size, err);
    for (size_t i = 0; i < sizeof config_keys / sizeof config_keys[0]; i++)
        CPLSetThreadLocalConfigOption(config_keys[i], NULL);
    CPLPopErrorHandler();
    return st;
}
