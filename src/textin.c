#include "textin.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* Windows-1252 0x80..0x9F. The five bytes it leaves undefined map to the C1 code point of
 * the same value, as Windows itself converts them. 0xA0..0xFF equal U+00A0..U+00FF. */
static const unsigned short cp1252_high[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

int nv_text_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int nv_text_encoding_from_name(const char *name, nv_text_encoding *enc)
{
    static const char *const utf8[] = {"UTF-8", "UTF8"};
    static const char *const cp1252[] = {"CP1252", "WINDOWS-1252", "WINDOWS1252", "LATIN1",
                                         "LATIN-1", "ISO-8859-1", "ISO8859-1"};
    for (size_t i = 0; i < sizeof utf8 / sizeof *utf8; i++)
        if (nv_text_ieq(name, utf8[i])) {
            *enc = NV_TEXT_UTF8;
            return 1;
        }
    for (size_t i = 0; i < sizeof cp1252 / sizeof *cp1252; i++)
        if (nv_text_ieq(name, cp1252[i])) {
            *enc = NV_TEXT_CP1252;
            return 1;
        }
    return 0;
}

/* Offset of the first byte that is not well-formed UTF-8 (overlongs, surrogates and
 * code points above U+10FFFF are rejected), or n when all is well. */
size_t nv_text_utf8_invalid_at(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i], cp;
        size_t k;
        if (c < 0x80) {
            /* ASCII, most of any plan: eight bytes at a time while no high bit is set. */
            uint64_t w;
            for (i++; i + 8 <= n; i += 8) {
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080u)
                    break;
            }
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            k = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (n - i <= k)
            return i;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if ((k == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (k == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return i;
        i += k + 1;
    }
    return n;
}

char *nv_text_cp1252_to_utf8(const unsigned char *s, size_t n, size_t *out_len)
{
    char *out = malloc(3 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned cp = s[i];
        if (cp >= 0x80 && cp < 0xA0)
            cp = cp1252_high[cp - 0x80];
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | cp >> 6);
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | cp >> 12);
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

char *nv_text_utf8_repair(const char *s, int *oom)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), bad = nv_text_utf8_invalid_at(u, n);
    *oom = 0;
    if (bad == n)
        return NULL;
    char *out = malloc(3 * n + 1);
    if (!out) {
        *oom = 1;
        return NULL;
    }
    size_t o = 0, i = 0;
    while (i < n) {
        size_t good = nv_text_utf8_invalid_at(u + i, n - i);
        memcpy(out + o, s + i, good);
        o += good, i += good;
        if (i == n)
            break;
        size_t len;
        char *one = nv_text_cp1252_to_utf8(u + i, 1, &len);
        if (!one) {
            free(out);
            *oom = 1;
            return NULL;
        }
        memcpy(out + o, one, len);
        free(one);
        o += len, i++;
    }
    out[o] = '\0';
    return out;
}

/* The delimiter that occurs most often, outside quotes, in the first non-blank line;
 * ties go to ',' then ';' then TAB, and a header without any of them is ','. */
void nv_text_delim_feed(nv_text_delim_scan *d, const char *s, size_t n)
{
    for (size_t i = 0; i < n && d->phase != 2; i++) {
        char c = s[i];
        if (d->phase == 0) { /* blank lines before the first line with something in it */
            if (c == '\t')
                d->tab++; /* the first line's leading TABs count; a blank line's are dropped */
            else if (c == '\n' || c == '\r')
                d->tab = 0;
            else if (c != ' ')
                d->phase = 1;
            if (d->phase == 0)
                continue;
        }
        if (c == '"')
            d->quoted = !d->quoted;
        else if (d->quoted)
            continue;
        else if (c == '\n' || c == '\r')
            d->phase = 2;
        else if (c == ',')
            d->comma++;
        else if (c == ';')
            d->semi++;
        else if (c == '\t')
            d->tab++;
    }
}

char nv_text_delim_result(const nv_text_delim_scan *d)
{
    if (d->comma >= d->semi && d->comma >= d->tab)
        return ',';
    return d->semi >= d->tab ? ';' : '\t';
}

char nv_text_detect_delimiter(const char *s, size_t n)
{
    nv_text_delim_scan d = {0};
    nv_text_delim_feed(&d, s, n);
    return nv_text_delim_result(&d);
}

/* Trims ASCII white space in place. */
char *nv_text_trim(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && is_ws((unsigned char)s[a]))
        a++;
    while (n > a && is_ws((unsigned char)s[n - 1]))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
    return s;
}

/* Lower-cases ASCII and the upper-case letters of Latin-1 (Å Ä Ö É …) written in UTF-8,
 * which is what Swedish headers and type words need; other text is kept as it is. */
void nv_text_lower_utf8(char *s)
{
    unsigned char *u = (unsigned char *)s;
    for (size_t i = 0; u[i]; i++) {
        if (u[i] >= 'A' && u[i] <= 'Z')
            u[i] = (unsigned char)(u[i] + 32);
        else if (u[i] == 0xC3 && u[i + 1] >= 0x80 && u[i + 1] <= 0x9E && u[i + 1] != 0x97) {
            u[i + 1] = (unsigned char)(u[i + 1] + 0x20);
            i++;
        }
    }
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static const double POW10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int nv_text_parse_number(const char *s, size_t n, double *out)
{
    /* Fast path: [+-]digits[.digits] with at most 15 digits in all. The digits form an
     * integer below 2^53 and the power of ten is exact, so one correctly rounded division
     * gives the double nearest to the decimal — the same as strtod. */
    size_t i = 0, digits = 0, frac = 0;
    int neg = 0, mark = 0;
    uint64_t m = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < n; i++) {
        char c = s[i];
        if (is_digit((unsigned char)c)) {
            m = m * 10 + (uint64_t)(c - '0');
            digits++;
            frac += mark;
        } else if ((c == '.' || c == ',') && !mark) {
            mark = 1;
        } else {
            break;
        }
    }
    if (i == n && digits > 0 && digits <= 15) {
        double v = (double)m / POW10[frac];
        *out = neg ? -v : v;
        return 1;
    }
    /* Everything else: exponents, long mantissas — strtod in the C locale. */
    char buf[64];
    size_t marks = 0;
    if (n == 0 || n >= sizeof buf)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',' || c == '.') {
            marks++;
            c = '.';
        } else if (!is_digit((unsigned char)c) && c != '+' && c != '-' && c != 'e' && c != 'E') {
            return 0;
        }
        buf[i] = c;
    }
    buf[n] = '\0';
    if (marks > 1)
        return 0;
    pthread_once(&c_locale_once, make_c_locale);
    if (!c_locale)
        return 0;
    char *end;
    double v = strtod_l(buf, &end, c_locale);
    if (end == buf || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}
