/* plantext: the split of a large plan, run in a thread beside the handler, hands the
 * handler the same records in the same order as the split in one thread: quoted fields
 * over several lines, blank lines and rows of empty cells, every line ending, a field
 * larger than a batch; and both end alike when the handler stops or a quote is left
 * open. A plain UTF-8 file split as it is read in chunks (nv_plantext_split_file) gives
 * the same records, lines and messages as its whole text, wherever the chunks end: inside
 * a quoted line break, between "\r" and "\n", inside a UTF-8 sequence, exactly at a
 * record's end; and the scan before it finds the delimiter the whole text would. */
#include "nv_test.h"
#include "plantext.h"
#include "textin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* ---------------------------------------------------------------- streamed */

static char tmp_path[64];

static int write_file(const char *bom, const char *text, size_t n)
{
    FILE *f = fopen(tmp_path, "wb");
    if (!f)
        return 0;
    int ok = fwrite(bom, 1, strlen(bom), f) == strlen(bom) && fwrite(text, 1, n, f) == n;
    return fclose(f) == 0 && ok;
}

/* The file of text (with bom before it) split in chunks as so says, against the text
 * split whole in one thread. */
static void compare_streamed(const char *bom, const char *text, size_t n, const nv_plantext_stream_opts *so,
                             size_t stop_at)
{
    nv_plantext_scan scan;
    nv_error es = {0};
    NV_CHECK_INT(nv_plantext_scan_file(tmp_path, &scan, &es), NV_OK);
    NV_CHECK(scan.utf8);
    NV_CHECK_INT(scan.bom, bom[0] != '\0');
    NV_CHECK_INT(scan.size, (long long)(strlen(bom) + n));
    NV_CHECK_INT(scan.delimiter, nv_text_detect_delimiter(text, n));
    seen a = {14695981039346656037u, 0, stop_at}, b = a;
    nv_error ea = {0}, eb = {0};
    int changed = -1;
    nv_status sa = nv_plantext_split_ex(text, n, scan.delimiter, on_rec, &a, tmp_path, &ea, 0);
    nv_status sb = nv_plantext_split_file_ex(tmp_path, &scan, scan.delimiter, on_rec, &b, &changed, &eb, so);
    NV_CHECK_INT(sb, sa);
    NV_CHECK_INT(changed, 0);
    NV_CHECK_INT((long)b.records, (long)a.records);
    NV_CHECK(a.digest == b.digest);
    NV_CHECK_INT(eb.line, ea.line);
    NV_CHECK_STR(eb.message, ea.message);
    if (a.digest != b.digest || sa != sb)
        fprintf(stderr, "  chunk %zu, pipelined %d, %zu bytes\n", so->chunk_bytes, so->pipelined, n);
}

/* Small texts with every ending, split with every chunk size, so that a chunk ends at
 * each of their bytes. */
static const char *const SMALL[] = {
    "id;name\r\nA1;\"two\r\nlines\"\r\n\r\n   \r\nA2;V\xC3\xA4xj\xC3\xB6\rA3;x\r\rA4;\"q\"\"x\"\n;;\nA5;\xE2\x82\xAC\xF0\x9F\x98\x80\n",
    "id;name\nA1;x\n   ",                       /* a blank last line without its line end */
    "id;name\nA1;x",                             /* a last record without one */
    "id\tname\n\t\t\n \t \nA\tB\n   \n\tC\n",       /* TAB-delimited, lines of blanks and TABs */
    "id;name\nA1;\"open\nA2;x\n",                /* a quote left open */
    "\n  \n\t\"a,b\nc\";d;e\n1;2;3\n",              /* the header after blank lines, quoted over two lines */
    "id,name\rA,1\rB,\"x\ry\"\r\r",                  /* lone CRs only */
    "\"id;name\nA1;x\nA2;y\n",                     /* the header's quote never closed */
};

static void streamed_small(void)
{
    for (size_t t = 0; t < sizeof SMALL / sizeof *SMALL; t++) {
        const char *text = SMALL[t];
        size_t n = strlen(text);
        /* The delimiter found piece by piece, a byte at a time, is the one found whole. */
        nv_text_delim_scan d = {0};
        for (size_t i = 0; i < n; i++)
            nv_text_delim_feed(&d, text + i, 1);
        NV_CHECK_INT(nv_text_delim_result(&d), nv_text_detect_delimiter(text, n));
        for (int bom = 0; bom < 2; bom++) {
            const char *b = bom ? "\xEF\xBB\xBF" : "";
            NV_CHECK(write_file(b, text, n));
            for (size_t chunk = 4; chunk <= n + 4; chunk++)
                for (int pipelined = 0; pipelined < 2; pipelined++) {
                    nv_plantext_stream_opts so = {chunk, pipelined, NULL, NULL};
                    compare_streamed(b, text, n, &so, 0);
                }
        }
    }
}

static void streamed_large(const char *text, size_t n, int open_quote)
{
    NV_CHECK(write_file("", text, n));
    static const size_t chunks[] = {0, 4093, 65536 + 7};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (int pipelined = -1; pipelined < 2; pipelined++) {
            nv_plantext_stream_opts so = {chunks[c], pipelined, NULL, NULL};
            compare_streamed("", text, n, &so, 0);
        }
    if (open_quote)
        return;
    nv_plantext_stream_opts so = {0, 1, NULL, NULL};
    compare_streamed("", text, n, &so, 1);     /* the handler stops at the header */
    compare_streamed("", text, n, &so, 20000); /* in the middle of a batch */
}

/* Records of one length, so that chunks of that length (or twice it) end exactly at a
 * record's end, and one less, between its "\r" and "\n". */
static void streamed_at_record_ends(void)
{
    enum { ROWS = 3010, LEN = 25 }; /* an even number of quotes: every quoted field closes */
    char *text = malloc((size_t)ROWS * LEN + 1);
    size_t n = 0;
    if (!text)
        return;
    for (int i = 0; i < ROWS; i++)
        n += (size_t)sprintf(text + n, "%s%05d;Kontor;59.5;18.0\r\n", i % 7 ? "A" : "\"", i);
    NV_CHECK(write_file("", text, n));
    static const size_t chunks[] = {LEN, 2 * LEN, LEN - 1};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (int pipelined = 0; pipelined < 2; pipelined++) {
            nv_plantext_stream_opts so = {chunks[c], pipelined, NULL, NULL};
            compare_streamed("", text, n, &so, 0);
        }
    free(text);
}

int main(void)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/nv_plantext_%ld.csv", (long)getpid());
    size_t n;
    char *text = make_text(&n, 0);
    NV_CHECK(text != NULL && n > NV_PLANTEXT_PIPE_MIN_BYTES);
    if (text) {
        compare_modes(text, n, 0, NV_OK);
        compare_modes(text, n, 1, NV_OK);      /* the header: stops before the first batch is full */
        compare_modes(text, n, 20000, NV_OK);  /* in the middle of a batch */
        compare_modes(text, n, 8193, NV_OK);   /* just after one */
        compare_modes(text, 100, 0, -1);       /* less than a batch, cut inside a quoted field */
        streamed_large(text, n, 0);
    }
    free(text);
    text = make_text(&n, 1);
    if (text) {
        compare_modes(text, n, 0, NV_ERR_INPUT); /* the quote left open, named at its line */
        streamed_large(text, n, 1);
    }
    free(text);
    streamed_small();
    streamed_at_record_ends();
    unlink(tmp_path);
    return nv_test_report("plantext");
}
