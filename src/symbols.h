/* symbols.h — the location symbols of the maps, one per type (mapdata.h's NV_OFFICE_
 * types): staffed, a solid dot; booked visits only, a hollow ring; servicekontor, a solid
 * square; cooperation, a solid triangle; agreement, a hollow diamond; any other type, a
 * diamond; closed (on change maps: an office of the before plan that the after
 * plan drops), a dark cross with a white halo; new (on change maps that ask for it: an
 * office of the after plan with no before office near it), a larger amber star.
 *
 * Units: positions and radii in the units of the cairo context drawn on (page points for
 * the map modules). Colours 0xRRGGBB. Strings are static. */
#ifndef NV_SYMBOLS_H
#define NV_SYMBOLS_H

#include "mapspec.h"

#include <cairo.h>

/* Draws the symbol of type centred at x, y with radius rad. */
void nv_symbols_draw(cairo_t *cr, int type, double x, double y, double rad);

/* The symbol's fill and stroke colours (for the closed cross: halo and cross). */
void nv_symbols_colors(int type, unsigned *fill, unsigned *stroke);

/* The type's key ("staffed", "booked", "servicekontor", "cooperation", "agreement",
 * "other", "closed", "new") and its legend label in lang. */
const char *nv_symbols_name(int type);
const char *nv_symbols_label(int type, nv_lang lang);

#endif
