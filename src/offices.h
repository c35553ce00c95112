/* offices.h — office plans: CSV files read with libcsv, coordinates moved with PROJ.
 * A workbook (.xlsx, .xls, .ods) is read through GDAL (sheets.h) into the same reader:
 * one sheet, its rows as lines, messages as plan.xlsx:Blad1:17.
 *
 * A plan is the concatenation of one or more CSV files. Columns are found by header
 * name, in English or Swedish (office_id/Kontor-ID, name/Namn, type/Typ,
 * kommunkod/kommun_code/kommun, town/ort/tätort/locality/plats, lat/Latitud,
 * lon/Longitud, x, y, basis). A row may leave out its coordinates when it names a town
 * or a kommunkod: it is then valid but not located, and the join places it (coverage.h). The delimiter
 * (',' ';' or TAB), the encoding (UTF-8 with or without BOM, else Windows-1252) and
 * decimal commas are detected; options override. Every string in an nv_office is UTF-8.
 *
 * A file large enough to matter has its lines counted first and is refused (NV_ERR_INPUT,
 * naming the bound and what to do) when the plan's rows would need more memory than is
 * available, or more rows than max_rows: a plan of millions of rows never fails by
 * running out of memory half-way. The same pass finds whether it is plain UTF-8; if so it
 * is read again in chunks and never held whole (plantext.h), and a file that changes in
 * between or meanwhile is NV_ERR_INPUT, naming it, with none of its rows kept.
 *
 * Problems with single rows (too few fields, an unparsable number, a latitude out of
 * range, a duplicate id) do not stop the reading: each becomes an NV_PROBLEM diagnostic
 * with file and line, and nv_plan_read returns NV_ERR_INPUT once the whole file has been
 * read, so the user sees every bad row at once. Problems with the whole file (missing,
 * empty, no coordinate columns, an undecodable encoding) return NV_ERR_INPUT at once. */
#ifndef NV_OFFICES_H
#define NV_OFFICES_H

#include "error.h"
#include <stdint.h>

/* PROJ state kept between reads: creating a PROJ context and transformation costs
 * several milliseconds, more than reading a plan of a hundred rows. A batch keeps one per
 * thread (not thread-safe itself). */
typedef struct nv_offices_cache nv_offices_cache;
nv_offices_cache *nv_offices_cache_create(void);   /* NULL when out of memory */
void nv_offices_cache_destroy(nv_offices_cache *c); /* accepts NULL */

typedef struct nv_offices_options {
    char delimiter;             /* 0: detect */
    const char *encoding;       /* NULL: detect; else "UTF-8" or "CP1252" (aliases: WINDOWS-1252, LATIN1, ISO-8859-1) */
    const char *xy_crs;         /* CRS of x/y columns (any PROJ string, e.g. "EPSG:3006"); NULL: the analysis CRS */
    const char *analysis_crs;   /* CRS the offices are transformed to; NULL: "EPSG:3006" */
    const char *lat_column;     /* override header detection; NULL: detect */
    const char *lon_column;
    const char *id_column;
    const char *sheet;          /* the sheet of a workbook plan (.xlsx, .xls, .ods); NULL: the first */
    const char *town_column;    /* override header detection of the town column; NULL: detect */
    nv_offices_cache *cache;    /* NULL: PROJ state made and freed by each read */
    const char *source_label;   /* the name the rows carry as their source (nv_office.source) instead
                                 * of the path read, e.g. where a file written into a working folder
                                 * will be once published; NULL: the path */
    size_t max_rows;            /* the plan's bound: a file that would bring it above this many rows
                                 * is refused before it is read; 0: as many rows as the memory
                                 * available holds (nv_memory_available) at bytes_per_row each */
    size_t bytes_per_row;       /* memory a row costs the caller's whole run, for that bound; 0:
                                 * NV_PLAN_BYTES_PER_ROW */
} nv_offices_options;

/* Memory a plan's row costs an analysis without the HTML report, its reading, placing,
 * tables and database together (peak RSS over rows at 2,000,000 rows, bench/bigplan.sh),
 * rounded up. */
#define NV_PLAN_BYTES_PER_ROW 512

/* Plans smaller than this are not counted before they are read: they cannot be a burden. */
#define NV_PLAN_BOUND_MIN_BYTES ((long long)16 << 20)

typedef struct nv_office {
    const char *source;         /* the path given to nv_plan_read */
    int32_t line;               /* physical line where the row starts; the header is line 1 */
    /* Flags beside the line, so that a row of a plan of millions is 120 bytes, not 136. */
    uint8_t valid;              /* 0: the row has a problem (reported in diags) and no usable coordinates */
    uint8_t located;            /* 1: the row gave coordinates (x, y are set); 0: a valid row without
                                 * them, to be placed by its town or kommunkod (x, y are NAN) */
    uint8_t blank;              /* 1: a line with nothing in it (",,,," as Excel leaves them): no office,
                                 * listed as "blank" (valid, not located, every string "") */
    const char *id;             /* never NULL: "line-N" when the plan has no id column */
    const char *name;           /* "" when absent */
    const char *type;           /* lower-case, trimmed; "staffed" when the plan has no type column */
    const char *kommunkod;      /* as stated by the plan (a 3-digit code gets its leading zero back), "" when absent */
    const char *town;           /* the town column (town, ort, tätort, locality, plats), "" when absent */
    const char *basis;          /* the `basis` column, "" when absent */
    double lat_deg, lon_deg;    /* WGS 84 as read; NAN when the plan gave x/y */
    double x, y;                /* analysis CRS (metres for EPSG:3006) */
    const char *problem;        /* valid == 0: the row's first problem, as in diags (for a "rejected"
                                 * note); NULL when valid. Owned by the plan. */
    double x_given, y_given;    /* x/y as the plan gives them (its CRS); NAN for lat/lon rows */
} nv_office;

typedef struct nv_plan nv_plan;

/* An empty plan. NULL when out of memory. Free with nv_plan_destroy. */
nv_plan *nv_plan_create(void);
void nv_plan_destroy(nv_plan *plan); /* accepts NULL */

/* Reads one CSV file and appends its rows (valid or not: every data row becomes an
 * nv_office, so every input row can be accounted for). opts may be NULL. Returns NV_OK,
 * NV_ERR_INPUT (see above; details in err and diags) or NV_ERR_FAIL. */
nv_status nv_plan_read(nv_plan *plan, const char *path, const nv_offices_options *opts,
                       nv_diags *diags, nv_error *err);

/* Frees the rows themselves (nv_plan_count is 0 afterwards) but keeps every string they
 * pointed to (ids, names, types, sources, problems): results that borrow the rows'
 * strings (coverage.h) stay valid until nv_plan_destroy. For a caller done with the rows,
 * such as an evaluation once its coverage is computed: for a plan of millions of rows the
 * rows are hundreds of MB. */
void nv_plan_drop_rows(nv_plan *plan);

/* For a caller done with the rows as it walks them in order (nv_coverage_compute_drop_rows
 * making its results): frees the rows before row i, a block of them at a time (rows that
 * share their block with row i stay until a later call), and at the first call the
 * duplicate-id set. Keeps every string, as nv_plan_drop_rows does. nv_plan_count is
 * unchanged, nv_plan_office is NULL for a freed row; finish with nv_plan_drop_rows. Until
 * then nothing more can be read into the plan (nv_plan_read fails with NV_ERR_FAIL). */
void nv_plan_drop_rows_before(nv_plan *plan, size_t i);

size_t nv_plan_count(const nv_plan *plan);
/* Borrowed; valid until the plan is destroyed, read into again or its rows are dropped.
 * NULL when i is out of range or the row was dropped. */
const nv_office *nv_plan_office(const nv_plan *plan, size_t i);

/* Where office o, a located lat/lon row of this plan, would lie with its latitude and
 * longitude exchanged (analysis CRS, x the easting), to tell swapped columns from an office
 * that is simply abroad. Returns 1 and sets *x, *y; returns 0 and sets them to NAN when o
 * gave x/y, is not valid and located, has a longitude that is no latitude (beyond -90..90),
 * or does not transform exchanged. Computed on demand, for the few rows that need it: the
 * first call for a file of the plan makes its PROJ transformation (milliseconds), which
 * the plan keeps until it is destroyed. Not thread-safe: one thread at a time uses a plan. */
int nv_plan_swapped_xy(const nv_plan *plan, const nv_office *o, double *x, double *y);

/* Why do the located rows of one file of the plan (source: its path as given) all lie
 * outside every municipality? Tries the common misreadings on up to 200 of them — x and y
 * exchanged, RT 90 (EPSG:3021) or SWEREF 99 TM given in another CRS, degrees given as x/y,
 * thousands separators read as decimal commas (674,032 as 674.032) — and names the one
 * that puts at least half inside (inside(x, y, user): in or near a municipality, in the
 * analysis CRS), and whether the first row lies outside its CRS's area of use. Writes a
 * sentence about the first row and the likely cause into buf (empty when the file has no
 * such rows). */
void nv_plan_explain_outside(const nv_plan *plan, const char *source, int (*inside)(double x, double y, void *user),
                             void *user, char *buf, size_t size);

/* Reads any CSV table the way plans are read (stages 1-3: the encoding and, when
 * delimiter is 0, the delimiter detected; quoted fields; trimmed UTF-8 fields; blank rows
 * skipped). Calls row() for the header and then every record, with the physical line it
 * starts on; fields are borrowed for the call. row returns NV_OK to go on, else the
 * reading stops with its status. */
nv_status nv_csv_read(const char *path, char delimiter, const char *encoding,
                      nv_status (*row)(long line, char *const *fields, size_t n, void *user), void *user,
                      nv_error *err);

/* What the last nv_plan_read detected, for messages: e.g. "UTF-8 with BOM", ';'. */
const char *nv_plan_last_encoding(const nv_plan *plan);
char nv_plan_last_delimiter(const nv_plan *plan);

#endif
