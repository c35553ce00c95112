/* surface.c — PNG, SVG and PDF surfaces. */
#include "surface.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* ---- PNG ----
 * Written with libpng rather than by cairo_surface_write_to_png, whose defaults (zlib's
 * level 6, every filter tried on every row) take several times as long. Maps are large
 * flat areas: zlib's fastest level finds their runs by itself, so rows go unfiltered
 * (measured on the A4 presence map: 17-21 ms of CPU and 320 kB, against 20-22 ms and
 * 380 kB with the Sub filter, and 26 ms with Up). A pHYs chunk records the resolution,
 * so that a print program sizes the page as A4 or A3. cairo's RGB24 pixels are 32-bit
 * words 0xXXRRGGBB in native byte order; each row is packed into R, G, B bytes here, which
 * takes a third of the instructions that libpng's own transforms (set_bgr and set_filler,
 * one pass each over the row) spend on the same bytes: 15 M on a 2000-pixel-high map. */

/* What a libpng failure leaves for the error message. */
typedef struct png_fail {
    char msg[200];
    int errnum;      /* errno when libpng failed: its "Write Error" says no more than that */
} png_fail;

static void png_error_cb(png_structp png, png_const_charp msg)
{
    png_fail *f = png_get_error_ptr(png);
    f->errnum = errno;
    snprintf(f->msg, sizeof f->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void png_warning_cb(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* n pixels 0xXXRRGGBB into 3 n bytes R, G, B. On a little-endian machine four pixels at a
 * time: a pixel's bytes reversed and shifted are R, G, B in memory order, and four of them
 * fill a 64-bit and a 32-bit store (a third of the instructions of a byte at a time). */
static void pack_rgb(unsigned char *out, const uint32_t *px, int n)
{
    int x = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; x + 4 <= n; x += 4, out += 12) {
        uint64_t q0 = __builtin_bswap32(px[x]) >> 8, q1 = __builtin_bswap32(px[x + 1]) >> 8;
        uint64_t q2 = __builtin_bswap32(px[x + 2]) >> 8;
        uint32_t q3 = __builtin_bswap32(px[x + 3]) >> 8;
        uint64_t lo = q0 | q1 << 24 | q2 << 48;           /* R0 G0 B0 R1 G1 B1 R2 G2 */
        uint32_t hi = (uint32_t)(q2 >> 16) | q3 << 8;     /* B2 R3 G3 B3 */
        memcpy(out, &lo, sizeof lo);
        memcpy(out + 8, &hi, sizeof hi);
    }
#endif
    for (; x < n; x++, out += 3) {
        out[0] = (unsigned char)(px[x] >> 16);
        out[1] = (unsigned char)(px[x] >> 8);
        out[2] = (unsigned char)px[x];
    }
}

/* Writes rows (h of them, stride bytes apart) to f; 0 on success, -1 with fail->msg set. */
static int png_encode(FILE *f, const unsigned char *data, int w, int h, int stride, double dpi, png_fail *fail)
{
    /* volatile: it is freed after a longjmp back into this function */
    unsigned char *volatile row = malloc(3 * (size_t)(w > 0 ? w : 1));
    png_structp png = row ? png_create_write_struct(PNG_LIBPNG_VER_STRING, fail, png_error_cb, png_warning_cb) : NULL;
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(fail->msg, sizeof fail->msg, "out of memory");
        png_destroy_write_struct(&png, NULL);
        free(row);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return -1;
    }
    png_init_io(png, f);
    png_set_compression_level(png, 1);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_uint_32 ppm = (png_uint_32)lround(dpi / 0.0254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        pack_rgb(row, (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride), w);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return 0;
}

static nv_status write_png(cairo_surface_t *surf, double dpi, const char *path, nv_error *err)
{
    cairo_surface_flush(surf);
    png_fail fail = {"", 0};
    FILE *f = fopen(path, "wb");
    if (!f)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s (does the folder exist?)",
                            strerror(errno));
    errno = 0;
    int rc = png_encode(f, cairo_image_surface_get_data(surf), cairo_image_surface_get_width(surf),
                        cairo_image_surface_get_height(surf), cairo_image_surface_get_stride(surf), dpi, &fail);
    int e = ferror(f) ? errno : 0;
    if (fclose(f) != 0 && !e)
        e = errno;
    if (rc != 0 && fail.errnum)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s (%s)", strerror(fail.errnum),
                            fail.msg);
    if (rc != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s", fail.msg);
    if (e)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the PNG: %s (is the disk full?)", strerror(e));
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
