/* mapedges.h — the edge network of a result's polygons, computed once per load: which ring
 * segment is the first of an edge that municipalities share (so that it is stroked once),
 * and which is a county border or on the outline (no other polygon shares it). Own code,
 * no dependency; exact comparison of vertices in the CRS metres of nv_map_data.xy. */
#ifndef NV_MAPEDGES_H
#define NV_MAPEDGES_H

#include "mapdata.h"

/* Sets d->edge (one byte of NV_EDGE_ flags per point of d->xy, for the segment from that
 * point to the next) from d's rings, municipalities and their counties (d->m[].county must
 * be set). d->edge is d's, freed by nv_mapdata_destroy. 0, or -1 when out of memory. */
int nv_mapedges_mark(nv_map_data *d);

#endif
