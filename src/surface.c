/* surface.c — PNG, SVG and PDF surfaces. */
#include "surface.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <zlib.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- PNG ----
 * Written here with zlib rather than by cairo_surface_write_to_png: a fast compression
 * level (maps are large flat areas, which the Sub filter turns into runs of zeros)
 * takes a fifth of the time of libpng's default, and a pHYs chunk records the
 * resolution, so that a print program sizes the page as A4 or A3. */
static int put_chunk(FILE *f, const char *type, const unsigned char *data, size_t n)
{
    unsigned char head[8] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                             (unsigned char)n, (unsigned char)type[0], (unsigned char)type[1],
                             (unsigned char)type[2], (unsigned char)type[3]};
    uLong crc = crc32(0, head + 4, 4);
    if (n)
        crc = crc32(crc, data, (uInt)n);
    unsigned char tail[4] = {(unsigned char)(crc >> 24), (unsigned char)(crc >> 16), (unsigned char)(crc >> 8),
                             (unsigned char)crc};
    return fwrite(head, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(tail, 1, 4, f) == 4
               ? 0 : -1;
}

static void put_u32be(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16), b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

static nv_status write_png(cairo_surface_t *surf, double dpi, const char *path, nv_error *err)
{
    cairo_surface_flush(surf);
    int w = cairo_image_surface_get_width(surf), h = cairo_image_surface_get_height(surf);
    int stride = cairo_image_surface_get_stride(surf);
    const unsigned char *data = cairo_image_surface_get_data(surf);
    size_t rowlen = 1 + 3 * (size_t)w;
    unsigned char *row = malloc(rowlen), *out = malloc(1 << 16);
    FILE *f = fopen(path, "wb");
    z_stream z;
    memset(&z, 0, sizeof z);
    int ok = row && out && f && deflateInit2(&z, 1, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) == Z_OK;
    int zinit = ok;
    if (ok) {
        static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        unsigned char ihdr[13] = {0}, phys[9];
        put_u32be(ihdr, (uint32_t)w);
        put_u32be(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8; /* bits per sample */
        ihdr[9] = 2; /* RGB */
        uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
        put_u32be(phys, ppm);
        put_u32be(phys + 4, ppm);
        phys[8] = 1; /* metres */
        ok = fwrite(sig, 1, 8, f) == 8 && put_chunk(f, "IHDR", ihdr, 13) == 0 && put_chunk(f, "pHYs", phys, 9) == 0;
    }
    for (int y = 0; ok && y <= h; y++) {
        if (y < h) {
            const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
            unsigned char *q = row + 1, prev[3] = {0, 0, 0};
            row[0] = 1; /* filter Sub: each byte minus the one a pixel to the left */
            for (int x = 0; x < w; x++, q += 3) {
                unsigned char c[3] = {(unsigned char)(px[x] >> 16), (unsigned char)(px[x] >> 8), (unsigned char)px[x]};
                q[0] = (unsigned char)(c[0] - prev[0]), q[1] = (unsigned char)(c[1] - prev[1]);
                q[2] = (unsigned char)(c[2] - prev[2]);
                memcpy(prev, c, 3);
            }
            z.next_in = row;
            z.avail_in = (uInt)rowlen;
        }
        do {
            z.next_out = out;
            z.avail_out = 1 << 16;
            int zr = deflate(&z, y < h ? Z_NO_FLUSH : Z_FINISH);
            if (zr == Z_STREAM_ERROR) {
                ok = 0;
                break;
            }
            size_t have = (1 << 16) - z.avail_out;
            if (have && put_chunk(f, "IDAT", out, have) != 0)
                ok = 0;
        } while (ok && z.avail_out == 0); /* a full buffer: deflate has more to give */
    }
    if (ok)
        ok = put_chunk(f, "IEND", NULL, 0) == 0;
    if (zinit)
        deflateEnd(&z);
    int e = errno;
    if (f && fclose(f) != 0)
        ok = 0, e = errno;
    free(row);
    free(out);
    if (!ok)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s (does the folder exist?)",
                            f && e ? strerror(e) : row && out ? "zlib failed" : "out of memory");
    return NV_OK;
}

/* The PNG canvas, in memory we own: on Linux, huge pages spare the thousands of page
 * faults that touching a 10 MB canvas costs (a third of the drawing time in a VM). */
typedef struct canvas {
    void *mem;
    size_t size;
} canvas;

static cairo_surface_t *canvas_create(canvas *c, int w, int h)
{
    int stride = cairo_format_stride_for_width(CAIRO_FORMAT_RGB24, w);
    size_t align = (size_t)2 << 20;
    c->size = ((size_t)stride * (size_t)h + align - 1) / align * align;
    c->mem = aligned_alloc(align, c->size);
    if (!c->mem)
        return cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h); /* cairo allocates, or fails */
#ifdef MADV_HUGEPAGE
    madvise(c->mem, c->size, MADV_HUGEPAGE);
#endif
    return cairo_image_surface_create_for_data(c->mem, CAIRO_FORMAT_RGB24, w, h, stride);
}

struct nv_surface {
    nv_render_format fmt;
    char *path;
    double dpi, px_per_pt, w, h;
    cairo_surface_t *surf;
    canvas cv;
};

nv_status nv_surface_create(nv_render_format fmt, const char *path, double w_pt, double h_pt, double dpi,
                            const char *date, nv_surface **out, nv_error *err)
{
    nv_surface *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    s->fmt = fmt;
    s->dpi = dpi;
    s->px_per_pt = 1;
    s->w = w_pt;
    s->h = h_pt;
    if (fmt == NV_FORMAT_PNG) {
        int px_w = (int)lround(w_pt * dpi / 72), px_h = (int)lround(h_pt * dpi / 72);
        s->px_per_pt = dpi / 72;
        s->w = px_w;
        s->h = px_h;
        s->surf = canvas_create(&s->cv, px_w, px_h);
    } else if (fmt == NV_FORMAT_SVG) {
        s->surf = cairo_svg_surface_create(path, w_pt, h_pt);
    } else {
        s->surf = cairo_pdf_surface_create(path, w_pt, h_pt);
    }
    if (cairo_surface_status(s->surf) != CAIRO_STATUS_SUCCESS) {
        nv_status st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot create the map: %s (does the folder exist?)",
                                    cairo_status_to_string(cairo_surface_status(s->surf)));
        nv_surface_destroy(s);
        return st;
    }
    if (fmt == NV_FORMAT_PDF) {
        char when[32];
        snprintf(when, sizeof when, "%sT00:00:00Z", date);
        cairo_pdf_surface_set_metadata(s->surf, CAIRO_PDF_METADATA_CREATE_DATE, when);
        cairo_pdf_surface_set_metadata(s->surf, CAIRO_PDF_METADATA_CREATOR, "narvaro " NV_VERSION);
    }
    *out = s;
    return NV_OK;
}

void nv_surface_destroy(nv_surface *s)
{
    if (!s)
        return;
    cairo_surface_destroy(s->surf);
    free(s->cv.mem);
    free(s->path);
    free(s);
}

cairo_surface_t *nv_surface_cairo(const nv_surface *s)
{
    return s->surf;
}

double nv_surface_px_per_pt(const nv_surface *s)
{
    return s->px_per_pt;
}

double nv_surface_width(const nv_surface *s)
{
    return s->w;
}

double nv_surface_height(const nv_surface *s)
{
    return s->h;
}

void nv_surface_set_title(nv_surface *s, const char *title)
{
    if (s->fmt == NV_FORMAT_PDF)
        cairo_pdf_surface_set_metadata(s->surf, CAIRO_PDF_METADATA_TITLE, title);
}

nv_status nv_surface_finish(nv_surface *s, nv_error *err)
{
    if (s->fmt == NV_FORMAT_PNG)
        return write_png(s->surf, s->dpi, s->path, err);
    cairo_surface_finish(s->surf);
    if (cairo_surface_status(s->surf) != CAIRO_STATUS_SUCCESS)
        return nv_error_set(err, NV_ERR_FAIL, s->path, 0, "cannot write the map: %s",
                            cairo_status_to_string(cairo_surface_status(s->surf)));
    return NV_OK;
}
