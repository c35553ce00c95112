/* plantext: the split of a large plan, run in a thread beside the handler, hands the
 * handler the same records in the same order as the split in one thread: quoted fields
 * over several lines, blank lines and rows of empty cells, every line ending, a field
 * larger than a batch; and both end alike when the handler stops or a quote is left
 * open. */
#include "nv_test.h"
#include "plantext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seen {
    uint64_t digest; /* FNV-1a over every record's line, fields and blank flag */
    size_t records;
    size_t stop_at;  /* the handler stops at this record (0: never) */
} seen;

static void mix(seen *s, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        s->digest = (s->digest ^ b[i]) * 1099511628211u;
}

static int on_rec(const nv_record *r, void *user)
{
    seen *s = user;
    mix(s, &r->line, sizeof r->line);
    mix(s, &r->nf, sizeof r->nf);
    mix(s, &r->blank, sizeof r->blank);
    for (size_t i = 0; i < r->nf; i++)
        mix(s, r->f[i], strlen(r->f[i]) + 1);
    s->records++;
    return s->stop_at && s->records == s->stop_at;
}

/* A plan-like text of about 3 MB with every kind of record. */
static char *make_text(size_t *len, int open_quote)
{
    size_t cap = 8u << 20, n = 0;
    char *t = malloc(cap);
    if (!t)
        return NULL;
    n += (size_t)sprintf(t + n, "office_id;name;type;lat;lon\r\n");
    for (int i = 0; n < (3u << 20); i++) {
        switch (i % 9) {
        case 0: n += (size_t)sprintf(t + n, "A%d;\"Kontor \"\"Nord\"\" %d\";staffed;59.3;18.0\n", i, i); break;
        case 1: n += (size_t)sprintf(t + n, "A%d;\"two\nlines; and a delimiter\";booked;60.1;15.2\r\n", i); break;
        case 2: n += (size_t)sprintf(t + n, "\n   \n"); break;
        case 3: n += (size_t)sprintf(t + n, ";;;;\r"); break;
        case 4: n += (size_t)sprintf(t + n, "  A%d ; Växjö ;cooperation; 56.8 ;14.8\r", i); break;
        case 5: n += (size_t)sprintf(t + n, "A%d;short\n", i); break;
        default: n += (size_t)sprintf(t + n, "A%d;Kontor %d;staffed;%d.5;17.25\n", i, i, 55 + i % 14); break;
        }
        if (i == 5000) { /* one field larger than a batch */
            n += (size_t)sprintf(t + n, "BIG;\"");
            memset(t + n, 'x', 1500000);
            n += 1500000;
            n += (size_t)sprintf(t + n, "\";staffed;59;18\n");
        }
    }
    if (open_quote)
        n += (size_t)sprintf(t + n, "Z1;\"never closed;staffed;59;18\nZ2;x;staffed;59;18\n");
    t[n] = '\0';
    *len = n;
    return t;
}

/* want: the status both must give, or -1 for only the same one. */
static void compare_modes(const char *text, size_t n, size_t stop_at, int want)
{
    seen a = {14695981039346656037u, 0, stop_at}, b = a;
    nv_error ea = {0}, eb = {0};
    nv_status sa = nv_plantext_split_ex(text, n, ';', on_rec, &a, "plan.csv", &ea, 0);
    nv_status sb = nv_plantext_split_ex(text, n, ';', on_rec, &b, "plan.csv", &eb, 1);
    NV_CHECK_INT(sb, sa);
    if ((int)want >= 0)
        NV_CHECK_INT(sa, want);
    NV_CHECK_INT((long)a.records, (long)b.records);
    NV_CHECK(a.digest == b.digest);
    NV_CHECK_INT(ea.line, eb.line);
    NV_CHECK_STR(ea.message, eb.message);
    if (stop_at)
        NV_CHECK_INT((long)b.records, (long)stop_at);
}

int main(void)
{
    size_t n;
    char *text = make_text(&n, 0);
    NV_CHECK(text != NULL && n > NV_PLANTEXT_PIPE_MIN_BYTES);
    if (text) {
        compare_modes(text, n, 0, NV_OK);
        compare_modes(text, n, 1, NV_OK);      /* the header: stops before the first batch is full */
        compare_modes(text, n, 20000, NV_OK);  /* in the middle of a batch */
        compare_modes(text, n, 8193, NV_OK);   /* just after one */
        compare_modes(text, 100, 0, -1);       /* less than a batch, cut inside a quoted field */
    }
    free(text);
    text = make_text(&n, 1);
    if (text)
        compare_modes(text, n, 0, NV_ERR_INPUT); /* the quote left open, named at its line */
    free(text);
    return nv_test_report("plantext");
}
