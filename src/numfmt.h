/* numfmt.h — numbers as text, fast, exactly as printf would write them.
 *
 * offices.csv of a plan of millions of rows prints four or five numbers a row; snprintf's
 * "%.*f" (exact multi-precision arithmetic, locale, format parsing) was a tenth of the
 * whole run. These give byte for byte the text of the C library's printf in the "C"
 * locale, checked against it on millions of values (tests/unit/test_numfmt.c). */
#ifndef NV_NUMFMT_H
#define NV_NUMFMT_H

#include <stddef.h>

/* The text of snprintf(buf, size, "%.*f", decimals, v), except that a result that is
 * zero in every digit never has a sign ("0.00", not "-0.00": a tiny negative rounding
 * error must not change a golden file). 0 <= decimals <= 9. Writes at most size bytes
 * (NUL included; 64 is always enough for |v| < 1e15, and the fallback to snprintf
 * handles the rest) and returns the length, as snprintf does. */
int nv_numfmt_fixed(char *buf, size_t size, double v, int decimals);

/* The text of snprintf(buf, size, "%.*g", precision, v), 1 <= precision <= 15: the
 * significant digits found as nv_numfmt_fixed finds its digits (v scaled so that they
 * are the integer part, below 10^15 < 2^52), in %f form when printf would choose it;
 * the %e form (exponents below -4 or from precision up), zero and non-finite values go
 * to snprintf. Writes at most size bytes and returns the length, as snprintf does. */
int nv_numfmt_general(char *buf, size_t size, double v, int precision);

/* The text of snprintf(buf, size, "%ld", v). */
int nv_numfmt_long(char *buf, size_t size, long v);

/* digits in C notation ("-1234.5") for people: thousands (any UTF-8 text, e.g. "," or a
 * no-break space) between the groups of three digits of the whole part, decimal in place
 * of the point. Into buf, cut short (at a whole character) if size is too small; returns
 * buf. */
const char *nv_numfmt_grouped(char *buf, size_t size, const char *digits, const char *thousands, char decimal);

#endif
