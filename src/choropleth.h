/* choropleth.h — the map itself: municipalities filled with their class colours (on a
 * county map, the neighbours in grey for setting), municipality edges in white (each
 * shared edge once), county borders over them, office symbols, and names.
 *
 * Limits: county borders are found as municipality edges shared by two counties (or by
 * none: the coast and the national border); boundaries whose neighbours do not share
 * vertices exactly (not topologically clean) get county lines along every municipality
 * edge.
 *
 * Units: page points; p->t maps CRS metres to them. */
#ifndef NV_CHOROPLETH_H
#define NV_CHOROPLETH_H

#include "page.h"

/* Draws p->d into p->frame through p->t (clipped to the frame on a county map). */
void nv_choropleth_draw(nv_page *p);

#endif
