/* json.c — see json.h. */
#include "json.h"

/* The escape of byte c into e (at most 7 bytes and a NUL), or 0 when c stands for itself. */
static size_t escape(unsigned char c, char e[8])
{
    if (c == '"' || c == '\\') {
        e[0] = '\\', e[1] = (char)c, e[2] = '\0';
        return 2;
    }
    if (c < 0x20)
        return (size_t)snprintf(e, 8, "\\u%04x", c);
    return 0;
}

size_t nv_json_quote(char *out, size_t size, const char *s)
{
    if (!s)
        return (size_t)snprintf(out, size, "null");
    size_t k = 0;
    char e[8];
#define PUT(ch) (k + 1 < size ? (void)(out[k] = (ch)) : (void)0, k++)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        size_t n = escape(*p, e);
        if (!n)
            PUT((char)*p);
        for (size_t i = 0; i < n; i++)
            PUT(e[i]);
    }
    PUT('"');
#undef PUT
    if (size)
        out[k < size ? k : size - 1] = '\0';
    return k;
}

static void json_write(FILE *f, const char *s, int script)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    char e[8];
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (escape(*p, e))
            fputs(e, f);
        else if (script && (*p == '<' || *p == '>' || *p == '&'))
            fprintf(f, "\\u%04x", *p);
        else if (script && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9))
            fprintf(f, "\\u%04x", 0x2000 + p[2] - 0x80), p += 2;
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void nv_json_fputs(FILE *f, const char *s)
{
    json_write(f, s, 0);
}

void nv_json_fputs_script(FILE *f, const char *s)
{
    json_write(f, s, 1);
}
