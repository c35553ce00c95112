/* symbols.c — office symbols. */
#include "symbols.h"

#include "mapdata.h"
#include "page.h"

#include <math.h>

static const unsigned SYMBOL_INK = 0x1b1b1b;
/* New sites: amber, a colour no class palette of the change maps (PuOr) and no other
 * symbol uses, so they stand out on the dark purple of the municipalities they gain. */
static const unsigned SYMBOL_NEW = 0xf5b700;

static void symbol_path(cairo_t *cr, int type, double x, double y, double rad)
{
    cairo_new_sub_path(cr);
    if (type == NV_OFFICE_SERVICE) { /* a square */
        double k = rad * 0.9;
        cairo_rectangle(cr, x - k, y - k, 2 * k, 2 * k);
    } else if (type == NV_OFFICE_COOP) { /* a triangle, point up */
        cairo_move_to(cr, x, y - rad * 1.3);
        cairo_line_to(cr, x + rad * 1.15, y + rad * 0.75);
        cairo_line_to(cr, x - rad * 1.15, y + rad * 0.75);
        cairo_close_path(cr);
    } else if (type == NV_OFFICE_CLOSED) { /* a cross: stroked, not filled */
        double k = rad * 0.95;
        cairo_move_to(cr, x - k, y - k);
        cairo_line_to(cr, x + k, y + k);
        cairo_move_to(cr, x + k, y - k);
        cairo_line_to(cr, x - k, y + k);
    } else if (type == NV_OFFICE_NEW) { /* a five-pointed star, larger than the dots */
        double ro = rad * 1.85, ri = ro * 0.45;
        for (int k = 0; k < 10; k++) {
            double a = -M_PI / 2 + k * M_PI / 5, q = k % 2 ? ri : ro;
            if (k == 0)
                cairo_move_to(cr, x + q * cos(a), y + q * sin(a));
            else
                cairo_line_to(cr, x + q * cos(a), y + q * sin(a));
        }
        cairo_close_path(cr);
    } else if (type == NV_OFFICE_AGREEMENT || type == NV_OFFICE_OTHER) { /* diamond */
        cairo_move_to(cr, x, y - rad * 1.25);
        cairo_line_to(cr, x + rad * 1.25, y);
        cairo_line_to(cr, x, y + rad * 1.25);
        cairo_line_to(cr, x - rad * 1.25, y);
        cairo_close_path(cr);
    } else {
        cairo_arc(cr, x, y, rad, 0, 2 * M_PI);
        cairo_close_path(cr);
    }
}

void nv_symbols_colors(int type, unsigned *fill, unsigned *stroke)
{
    /* Staffed: a solid dot; booked visits only: a hollow ring; servicekontor: a solid
     * square; cooperation: a solid triangle; agreement: a hollow diamond; another word: a
     * solid diamond; closed: a dark cross with a white halo (fill names the halo). */
    int hollow = type == NV_OFFICE_BOOKED || type == NV_OFFICE_AGREEMENT || type == NV_OFFICE_CLOSED;
    *fill = hollow ? 0xffffff : SYMBOL_INK;
    *stroke = hollow ? SYMBOL_INK : 0xffffff;
    if (type == NV_OFFICE_NEW) /* new: an amber star outlined in ink */
        *fill = SYMBOL_NEW, *stroke = SYMBOL_INK;
}

void nv_symbols_draw(cairo_t *cr, int type, double x, double y, double rad)
{
    unsigned fill, stroke;
    nv_symbols_colors(type, &fill, &stroke);
    cairo_new_path(cr);
    if (type == NV_OFFICE_CLOSED) {
        symbol_path(cr, type, x, y, rad);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        nv_page_set_color(cr, fill);
        cairo_set_line_width(cr, rad * 0.95);
        cairo_stroke_preserve(cr);
        nv_page_set_color(cr, stroke);
        cairo_set_line_width(cr, rad * 0.45);
        cairo_stroke(cr);
        return;
    }
    symbol_path(cr, type, x, y, rad);
    nv_page_set_color(cr, fill);
    cairo_fill_preserve(cr);
    nv_page_set_color(cr, stroke);
    if (type == NV_OFFICE_NEW)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_width(cr, type == NV_OFFICE_BOOKED || type == NV_OFFICE_AGREEMENT ? rad * 0.55
                             : type == NV_OFFICE_NEW                                ? rad * 0.3
                                                                                    : rad * 0.35);
    cairo_stroke(cr);
}
const char *nv_symbols_name(int type)
{
    static const char *const names[NV_OFFICE_TYPES] = {"staffed", "booked", "servicekontor", "cooperation",
                                                       "agreement", "other", "closed", "new"};
    return type >= 0 && type < NV_OFFICE_TYPES ? names[type] : "?";
}

const char *nv_symbols_label(int type, nv_lang lang)
{
    static const char *const sv[NV_OFFICE_TYPES] = {"Bemannat kontor", "Endast bokade besök",
                                                    "Statens servicekontor", "Samarbete", "Överenskommelse",
                                                    "Annan typ", "Stängt (bara i förra planen)",
                                                    "Nytt (bara i den nya planen)"};
    static const char *const en[NV_OFFICE_TYPES] = {"Staffed office", "Booked visits only", "State service office",
                                                    "Cooperation", "Agreement", "Other type",
                                                    "Closed (earlier plan only)", "New (later plan only)"};
    if (type < 0 || type >= NV_OFFICE_TYPES)
        return "?";
    return lang == NV_LANG_EN ? en[type] : sv[type];
}
