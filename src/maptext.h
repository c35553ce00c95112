/* maptext.h — the texts of a map page: the title, the subtitle (a summary made from the
 * data unless the spec gives one), the source line (boundary and plan files, the date,
 * narvaro's version, "illustrative" where a plan's rows are not sourced), and with
 * plan = both each plan's heading and figures. Swedish or English as the page says; numbers
 * as classes.h formats them.
 *
 * Ownership: every char * returned is the caller's, freed with free(); NULL when out of
 * memory (and from nv_maptext_subtitle, also when the map has no subtitle). */
#ifndef NV_MAPTEXT_H
#define NV_MAPTEXT_H

#include "page.h"

#include <stddef.h>

/* Sets p->plabel: the plans' years when the file names give two different ones, else
 * before and after (a comparison only). */
void nv_maptext_plan_labels(nv_page *p);

/* Sets p->auto_title and p->auto_legend for the population measures ("" for others). */
void nv_maptext_population_texts(nv_page *p);

char *nv_maptext_title(const nv_page *p);          /* with the county's name on a county map */
char *nv_maptext_subtitle(const nv_page *p);
char *nv_maptext_source(const nv_page *p);         /* pango markup */

/* plan = both: the heading of p->pv[k] (pango markup: its name and files) and its figures
 * (plain text), for the panel being drawn (p->d). */
char *nv_maptext_panel_heading(const nv_page *p, int k);
char *nv_maptext_panel_summary(const nv_page *p);

/* The date on the source line, "YYYY-MM-DD", into out: given if set, else
 * $SOURCE_DATE_EPOCH, else today (UTC). */
void nv_maptext_date(const char *given, char *out, size_t size);

#endif
