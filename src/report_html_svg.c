/* report_html_svg.c — the municipalities of report.html as SVG path data: ISO WKB
 * (multi)polygons in the analysis CRS, as the results hold them, to "M x y" and relative
 * "l" steps on the page's grid of GRID_M metres (y up becomes y down). Steps that round to
 * nothing are dropped, which keeps Sweden's 290 municipalities well under a megabyte.
 * A blob that is not a (multi)polygon, or is cut short, is reported, never read past. */
#include "report_html_int.h"

#include <stdint.h>
#include <string.h>

typedef struct wkb_reader {
    const unsigned char *p, *end;
    int swap;
} wkb_reader;

static int rd_u32(wkb_reader *r, uint32_t *v)
{
    if (r->end - r->p < 4)
        return 0;
    memcpy(v, r->p, 4);
    if (r->swap)
        *v = __builtin_bswap32(*v);
    r->p += 4;
    return 1;
}

static int rd_f64(wkb_reader *r, double *v)
{
    uint64_t u;
    if (r->end - r->p < 8)
        return 0;
    memcpy(&u, r->p, 8);
    if (r->swap)
        u = __builtin_bswap64(u);
    memcpy(v, &u, 8);
    r->p += 8;
    return 1;
}

/* Header of one WKB geometry: byte order and type (ISO WKB: 1000s add Z, 2000s M, 3000s
 * ZM). Returns the base type and sets *dims, or 0 on a bad header. */
static uint32_t wkb_header(wkb_reader *r, int *dims)
{
    uint32_t type;
    if (r->p >= r->end)
        return 0;
    r->swap = (*r->p++ == 0) == (*(const unsigned char *)&(uint16_t){1} == 1);
    if (!rd_u32(r, &type))
        return 0;
    *dims = 2 + (type / 1000 == 1 || type / 1000 == 2) + 2 * (type / 1000 == 3);
    return type % 1000;
}

/* One polygon's rings as path data: "M x y" then relative "l" steps, "z". Steps that
 * round to nothing are dropped; bb (user units) grows. Returns 0 on a bad blob. */
static int wkb_polygon(FILE *w, wkb_reader *r, int dims, const nv_rh_frame *f, long *bb)
{
    uint32_t nrings, npts;
    if (!rd_u32(r, &nrings))
        return 0;
    for (uint32_t k = 0; k < nrings; k++) {
        if (!rd_u32(r, &npts) || (size_t)(r->end - r->p) < (size_t)npts * 8 * (size_t)dims)
            return 0;
        long px = 0, py = 0;
        int steps = 0;
        for (uint32_t i = 0; i < npts; i++) {
            double x, y, skip;
            rd_f64(r, &x);
            rd_f64(r, &y);
            for (int d = 2; d < dims; d++)
                rd_f64(r, &skip);
            long X = nv_rh_ux(f, x), Y = nv_rh_uy(f, y);
            if (X < bb[0]) bb[0] = X;
            if (Y < bb[1]) bb[1] = Y;
            if (X > bb[2]) bb[2] = X;
            if (Y > bb[3]) bb[3] = Y;
            if (i == 0) {
                fprintf(w, "M%ld %ld", X, Y);
            } else if (X != px || Y != py) {
                fprintf(w, steps++ ? " %ld %ld" : "l%ld %ld", X - px, Y - py);
            } else {
                continue;
            }
            px = X, py = Y;
        }
        fputc('z', w);
    }
    return 1;
}

/* A (multi)polygon's path data; 0 on a blob that is neither. */
int nv_report_html_wkb_path(FILE *w, const unsigned char *blob, size_t n, const nv_rh_frame *f, long *bb)
{
    wkb_reader r = {blob, blob + n, 0};
    int dims;
    uint32_t type = wkb_header(&r, &dims), parts;
    if (type == 3)
        return wkb_polygon(w, &r, dims, f, bb);
    if (type != 6 || !rd_u32(&r, &parts))
        return 0;
    for (uint32_t i = 0; i < parts; i++) {
        int d2;
        if (wkb_header(&r, &d2) != 3 || !wkb_polygon(w, &r, d2, f, bb))
            return 0;
    }
    return 1;
}

/* The extent of every polygon (CRS metres), from their blobs' points. */
void nv_report_html_extent(const nv_muni_result *m, size_t nm, double *ext)
{
    ext[0] = ext[1] = INFINITY;
    ext[2] = ext[3] = -INFINITY;
    for (size_t i = 0; i < nm; i++) {
        wkb_reader r = {m[i].wkb, m[i].wkb + m[i].wkb_size, 0};
        int dims;
        uint32_t type = wkb_header(&r, &dims), parts = 1, nrings, npts;
        if (type == 6 && !rd_u32(&r, &parts))
            continue;
        for (uint32_t p = 0; p < parts; p++) {
            if (type == 6 && wkb_header(&r, &dims) != 3)
                break;
            if ((type != 3 && type != 6) || !rd_u32(&r, &nrings))
                break;
            for (uint32_t k = 0; k < nrings; k++) {
                if (!rd_u32(&r, &npts) || (size_t)(r.end - r.p) < (size_t)npts * 8 * (size_t)dims)
                    return;
                for (uint32_t j = 0; j < npts; j++) {
                    double x, y, skip;
                    rd_f64(&r, &x);
                    rd_f64(&r, &y);
                    for (int d = 2; d < dims; d++)
                        rd_f64(&r, &skip);
                    ext[0] = fmin(ext[0], x), ext[1] = fmin(ext[1], y);
                    ext[2] = fmax(ext[2], x), ext[3] = fmax(ext[3], y);
                }
            }
        }
    }
}

