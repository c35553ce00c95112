/* numfmt.c — numbers as text, fast, exactly as printf would write them (numfmt.h).
 *
 * printf's "%.*f" rounds the exact binary value of v, v * 10^d, to the nearest integer,
 * ties to even. For |v * 10^d| < 2^52 that integer is found in doubles: p = v * 10^d
 * rounded, err = fma(v, 10^d, -p) its exact error (10^d is exact for d <= 22), so the
 * exact product is p + err; n = rint(p) is right unless p lies exactly halfway between
 * two integers, where the sign of err (or, when err is 0, the even neighbour) decides.
 * p - n is exact there (both within a unit of each other below 2^52), and elsewhere
 * |err| <= ulp(p) / 2 cannot move the product across a half.
 *
 * "%.*g" with P significant digits is the same rounding of v * 10^(P - 1 - X), X the
 * decimal exponent of the rounded value: that integer has P digits, below 10^15 < 2^52
 * for P <= 15, and 10^(P - 1 - X) is exact for the exponents of the %f form (X >= -4). */
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                               1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Digits of u, least significant first, into tmp; returns how many. */
static int digits(unsigned long long u, char *tmp)
{
    int k = 0;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    return k;
}

static int copy_out(char *buf, size_t size, const char *text, int len)
{
    if (size) {
        size_t m = (size_t)len < size ? (size_t)len : size - 1;
        memcpy(buf, text, m);
        buf[m] = '\0';
    }
    return len;
}

/* The slow path: printf itself, with the sign of an all-zero result dropped. */
static int fixed_printf(char *buf, size_t size, double v, int decimals)
{
    char tmp[512];
    int len = snprintf(tmp, sizeof tmp, "%.*f", decimals, v);
    if (len < 0 || (size_t)len >= sizeof tmp)
        return snprintf(buf, size, "%.*f", decimals, v);
    if (tmp[0] == '-' && tmp[1 + strspn(tmp + 1, "0.")] == '\0') {
        memmove(tmp, tmp + 1, (size_t)len);
        len--;
    }
    return copy_out(buf, size, tmp, len);
}

/* The integer nearest to v * scale (scale a power of ten, exact), ties to even, as
 * printf rounds; |v * scale| < 2^52. */
static double round_scaled(double v, double scale)
{
    double p = v * scale;
    double err = fma(v, scale, -p);
    double n = rint(p); /* default rounding mode: to nearest, ties to even */
    double half = p - n;
    if (half == 0.5 && err > 0)
        n += 1;
    else if (half == -0.5 && err < 0)
        n -= 1;
    /* Otherwise rint's neighbour is the nearer one; an exact tie (err == 0) stays with
     * rint's even neighbour, as printf's does. */
    return n;
}

int nv_numfmt_fixed(char *buf, size_t size, double v, int decimals)
{
    if (decimals < 0 || decimals > 9 || !isfinite(v) || fabs(v) >= 1e15 / POW10[decimals])
        return fixed_printf(buf, size, v, decimals < 0 ? 0 : decimals);
    double n = round_scaled(v, POW10[decimals]);
    char tmp[40], out[48];
    int neg = n < 0;
    unsigned long long u = (unsigned long long)(neg ? -n : n);
    int k = digits(u, tmp), len = 0;
    if (neg)
        out[len++] = '-';
    for (int i = k - 1; i >= decimals; i--) /* the integer part */
        out[len++] = tmp[i];
    if (k <= decimals)
        out[len++] = '0';
    if (decimals) {
        out[len++] = '.';
        for (int i = decimals - 1; i >= 0; i--)
            out[len++] = i < k ? tmp[i] : '0';
    }
    return copy_out(buf, size, out, len);
}

int nv_numfmt_general(char *buf, size_t size, double v, int precision)
{
    if (precision < 1 || precision > 15 || !isfinite(v) || v == 0)
        return snprintf(buf, size, "%.*g", precision < 0 ? 6 : precision, v);
    /* X, the decimal exponent of v rounded to precision digits: guessed from log10, then
     * corrected by the rounded digits themselves (n must have exactly precision digits). */
    double a = fabs(v), lo = POW10[precision - 1], hi = POW10[precision];
    int x = (int)floor(log10(a)), tries = 0;
    double n = 0;
    for (;;) {
        int d = precision - 1 - x;
        if (x < -4 || x >= precision || d > 22 || ++tries > 3)
            return snprintf(buf, size, "%.*g", precision, v);
        n = round_scaled(a, POW10[d]);
        if (n >= hi)
            x++;
        else if (n < lo)
            x--;
        else
            break;
    }
    char tmp[24], out[48];
    int k = digits((unsigned long long)n, tmp), len = 0; /* k == precision */
    int last = 0;                                         /* the least significant digit kept */
    while (last < k - 1 - (x > 0 ? x : 0) && tmp[last] == '0')
        last++;
    if (v < 0)
        out[len++] = '-';
    if (x >= 0) {
        for (int i = k - 1; i >= k - 1 - x; i--)
            out[len++] = tmp[i];
        if (k - 1 - x > last) {
            out[len++] = '.';
            for (int i = k - 2 - x; i >= last; i--)
                out[len++] = tmp[i];
        }
    } else {
        out[len++] = '0';
        out[len++] = '.';
        for (int i = 1; i < -x; i++)
            out[len++] = '0';
        for (int i = k - 1; i >= last; i--)
            out[len++] = tmp[i];
    }
    return copy_out(buf, size, out, len);
}

int nv_numfmt_long(char *buf, size_t size, long v)
{
    char tmp[24], out[24];
    int neg = v < 0, len = 0;
    unsigned long long u = neg ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int k = digits(u, tmp);
    if (neg)
        out[len++] = '-';
    while (k)
        out[len++] = tmp[--k];
    return copy_out(buf, size, out, len);
}

const char *nv_numfmt_grouped(char *buf, size_t size, const char *digits, const char *thousands, char decimal)
{
    size_t n = strlen(digits), k = strlen(thousands), o = 0, start = digits[0] == '-';
    size_t whole = strcspn(digits, ".");
    if (size == 0)
        return buf;
    for (size_t i = 0; i < n; i++) {
        int sep = i > start && i < whole && (whole - i) % 3 == 0;
        if (o + (sep ? k : 0) + 1 >= size)
            break;
        if (sep) {
            memcpy(buf + o, thousands, k);
            o += k;
        }
        buf[o++] = digits[i] == '.' ? decimal : digits[i];
    }
    buf[o] = 0;
    return buf;
}
