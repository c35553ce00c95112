/* json.h — JSON text for the writers of summary.json, the manifest, map info, report.html's
 * data and PostGIS's jsonb columns: one escaper, so that every file quotes strings alike.
 *
 * Strings are UTF-8 and pass through as they are, but for '"', '\\' and the control
 * characters below 0x20 (as \u00XX). A NULL string is written as null. The caller makes
 * sure the text is valid UTF-8 (textin.h repairs it). No allocation here. */
#ifndef NV_JSON_H
#define NV_JSON_H

#include <stdio.h>
#include <stddef.h>

/* s as a quoted JSON string into out (size bytes, NUL-terminated when size > 0). Returns
 * the length of the whole text without the NUL, as snprintf does: a return >= size means
 * out was too small and holds a truncated text. */
size_t nv_json_quote(char *out, size_t size, const char *s);

/* s as a quoted JSON string on f. */
void nv_json_fputs(FILE *f, const char *s);

/* The same, safe inside an HTML <script> element as well: '<', '>' and '&' (so that no
 * "</script>" or "<!--" can end or change the element) and U+2028, U+2029 (line ends to
 * older JavaScript) become \u escapes too. */
void nv_json_fputs_script(FILE *f, const char *s);

#endif
