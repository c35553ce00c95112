/* textin.h — what every CSV reader of narvaro needs before and around libcsv: the
 * encoding (UTF-8 with or without BOM, else Windows-1252), the delimiter, header names
 * compared without case, and numbers parsed the same way in every locale. Shared by
 * offices.c (plans) and population.c (demand points). No allocation unless stated. */
#ifndef NV_TEXTIN_H
#define NV_TEXTIN_H

#include <stddef.h>

typedef enum nv_text_encoding { NV_TEXT_DETECT, NV_TEXT_UTF8, NV_TEXT_CP1252 } nv_text_encoding;

/* "UTF-8", "CP1252", "WINDOWS-1252", "LATIN1", … (any case) -> 1 and *enc; else 0. */
int nv_text_encoding_from_name(const char *name, nv_text_encoding *enc);

/* Offset of the first byte that is not well-formed UTF-8 (overlongs, surrogates and code
 * points above U+10FFFF are rejected), or n when all is well. */
size_t nv_text_utf8_invalid_at(const unsigned char *s, size_t n);

/* Windows-1252 bytes as a new UTF-8 string (caller frees); NULL when out of memory. */
char *nv_text_cp1252_to_utf8(const unsigned char *s, size_t n, size_t *out_len);

/* A copy of s in which every byte that is not part of well-formed UTF-8 is read as
 * Windows-1252 (a Swedish file name or a stray ANSI byte: 0xF6 becomes ö), so that what
 * narvaro writes is always valid UTF-8. NULL when s is valid already (nothing allocated),
 * or when out of memory (*oom set). Caller frees. */
char *nv_text_utf8_repair(const char *s, int *oom);

/* The delimiter that occurs most often, outside quotes, in the first non-blank line of
 * s: ',' ';' or TAB; ties go to ',' then ';' then TAB; none at all is ','. */
char nv_text_detect_delimiter(const char *s, size_t n);

/* The same detection over a text given in pieces of any size (a file read in chunks):
 * start from {0}, feed every piece in order (nothing is held; pieces after the first line
 * are skipped at once), then ask for the result. nv_text_delim_done is 1 once more
 * pieces cannot change it. */
typedef struct nv_text_delim_scan {
    int phase;   /* 0: blank lines so far, 1: in the first line, 2: past it */
    int quoted;  /* inside quotes, where line ends and delimiters do not count */
    size_t comma, semi, tab;
} nv_text_delim_scan;
void nv_text_delim_feed(nv_text_delim_scan *d, const char *s, size_t n);
char nv_text_delim_result(const nv_text_delim_scan *d);
#define nv_text_delim_done(d) ((d)->phase == 2)

/* Parses a decimal number whatever the process locale: one '.' or one ',' as the decimal
 * mark (Swedish Excel writes 59,521324), optional sign and exponent, nothing else — no
 * thousands separators, no hex, no inf/nan. s need not be NUL-terminated. Plain decimals
 * of up to 15 significant digits take a fast path that gives the same double as strtod
 * (an exact integer divided by an exact power of ten, rounded once). 1 on success. */
int nv_text_parse_number(const char *s, size_t n, double *out);

/* Trims ASCII white space in place; returns s. */
char *nv_text_trim(char *s);
/* Lower-cases ASCII and the upper-case Latin-1 letters (Å Ä Ö É …) of UTF-8 in place. */
void nv_text_lower_utf8(char *s);
/* ASCII case-insensitive equality. */
int nv_text_ieq(const char *a, const char *b);

#endif
