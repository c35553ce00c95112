/* labels.h — municipality names on the map, placed greedily, largest municipalities
 * first: at the representative point, else just above, below, right or left of it; never
 * over the legend panel, another name or outside the frame; over an office symbol only
 * when nothing else is free. Smaller type (down to 5.5 pt) until every name fits.
 *
 * Units: page points. */
#ifndef NV_LABELS_H
#define NV_LABELS_H

#include "page.h"

/* Draws the names of the municipalities in focus on p->d. Adds to p->labels_wanted and
 * sets p->labels_placed; appends each name's box to p->label_boxes (which it reallocates;
 * render.c frees it), after the boxes of an earlier panel of plan = both. */
void nv_labels_draw(nv_page *p);

#endif
