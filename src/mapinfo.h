/* mapinfo.h — the JSON description of a drawn map (narvaro render --info): what was drawn
 * where, for scripts and tests. Its fields are those of nv_render_info (render.h), plus the
 * map's name, CRS, county, language, measure, plan, breaks method, title, source line and
 * the boxes of the names placed. Units: pixels for PNG, points for SVG and PDF. */
#ifndef NV_MAPINFO_H
#define NV_MAPINFO_H

#include "page.h"
#include "render.h"

/* Writes the description of the map p drew (in, title) to path. NV_ERR_FAIL when the file
 * cannot be written. */
nv_status nv_mapinfo_write(const char *path, const nv_page *p, const nv_render_info *in, const char *title,
                           nv_error *err);

#endif
