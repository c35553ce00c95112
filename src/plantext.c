/* plantext.c — the text of a plan file (plantext.h): stages 1-3 of nv_plan_read, and
 * nv_csv_read, which reads any table the same way. */
#include "plantext.h"

#include "csvbuf.h"
#include "offices.h"
#include "sheets.h"

#include <csv.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Line number (1-based) of byte offset off; "\n", "\r\n" and a lone "\r" end a line. */
static long line_of(const char *s, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        if (s[i] == '\n' || (s[i] == '\r' && s[i + 1] != '\n'))
            line++;
    return line;
}

/* ---------------------------------------------------------------- stage 1: bytes */

nv_status nv_plantext_read_bytes(const char *path, char **out, size_t *out_len, nv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "cannot open the office plan: %s; check the path and permissions",
                            strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int read_errno = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *b = realloc(buf, ncap + 1); /* + 1: room for a NUL after the text */
            if (!b) {
                free(buf);
                fclose(f);
                return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory reading the office plan");
            }
            buf = b;
            cap = ncap;
        }
        errno = 0;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0 || ferror(f)) {
            read_errno = errno;
            break;
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        read_errno = errno;
    }
    if (bad) {
        free(buf);
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "cannot read the office plan: %s; is it a regular, readable file?",
                            strerror(read_errno ? read_errno : EIO));
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return NV_OK;
}

/* ---------------------------------------------------------------- a file read in chunks */

/* A file read in chunks of whole UTF-8 sequences: the bytes of a sequence that a chunk
 * cuts are kept for the next one (at most 3), so that each chunk can be checked alone.
 * Read with read(2), not mapped: a file truncated under a mapping kills the process. */
struct reader {
    int fd;
    char *buf;      /* the bytes kept from the chunk before, then a chunk's */
    size_t chunk, kept;
    long long total; /* bytes read */
    int eof;
    int read_errno;
};

static int reader_open(struct reader *r, const char *path, size_t chunk, struct stat *sb)
{
    memset(r, 0, sizeof *r);
    r->chunk = chunk < 4 ? 4 : chunk; /* the first chunk holds a BOM whole */
    if ((r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        r->read_errno = errno;
        return -1;
    }
    errno = 0;
    if (fstat(r->fd, sb) != 0 || !(r->buf = malloc(r->chunk + 4))) {
        r->read_errno = errno ? errno : ENOMEM;
        return -1;
    }
    return 0;
}

static void reader_close(struct reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
}

/* Bytes of s[0..n) up to the start of a UTF-8 sequence that runs past n. */
static size_t whole_sequences(const unsigned char *s, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        unsigned char c = s[n - k];
        if ((c & 0xC0) == 0x80)
            continue;
        size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        return need > k ? n - k : n;
    }
    return n;
}

/* The next chunk, in *p and *n (its bytes stay until the next call): 1, or 0 at the end
 * (where the kept bytes of a cut sequence come last, to be found invalid), or -1 when the
 * file cannot be read (r->read_errno). */
static int reader_next(struct reader *r, const char **p, size_t *n)
{
    if (r->eof)
        return 0;
    if (r->kept)
        memmove(r->buf, r->buf + r->chunk, r->kept);
    size_t got = r->kept, want = r->kept + r->chunk;
    while (got < want) {
        ssize_t k = read(r->fd, r->buf + got, want - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            r->read_errno = errno;
            return -1;
        }
        if (k == 0) {
            r->eof = 1;
            break;
        }
        got += (size_t)k;
        r->total += k;
    }
    size_t whole = r->eof ? got : whole_sequences((const unsigned char *)r->buf, got);
    /* The cut sequence's bytes go after the chunk, where the next call finds them. */
    r->kept = got - whole;
    if (r->kept)
        memmove(r->buf + r->chunk, r->buf + whole, r->kept);
    *p = r->buf;
    *n = whole;
    return whole > 0 || !r->eof;
}

/* ---------------------------------------------------------------- the bound */

nv_status nv_plantext_scan_file(const char *path, nv_plantext_scan *scan, nv_error *err)
{
    struct reader r;
    struct stat sb;
    nv_text_delim_scan delim = {0};
    long long nl = 0, cr = 0;
    int first = 1;
    const char *p;
    size_t n;
    memset(scan, 0, sizeof *scan);
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return NV_OK; /* a pipe is read once, whole */
    if (reader_open(&r, path, (size_t)1 << 20, &sb) != 0) {
        reader_close(&r);
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "cannot open the office plan: %s; check the path and permissions",
                            strerror(r.read_errno));
    }
    scan->size = (long long)sb.st_size;
    scan->dev = (long long)sb.st_dev;
    scan->ino = (long long)sb.st_ino;
    scan->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    scan->utf8 = S_ISREG(sb.st_mode);
    int got;
    while ((got = reader_next(&r, &p, &n)) > 0) {
        for (const char *q = p, *end = p + n; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++)
            nl++;
        if (!nl) /* no '\n' so far: are lone '\r's the line ends? */
            for (const char *q = p, *end = p + n; (q = memchr(q, '\r', (size_t)(end - q))) != NULL; q++)
                cr++;
        if (first) {
            first = 0;
            scan->bom = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
            if (nv_sheets_looks_like_workbook(p, n))
                scan->utf8 = 0;
            if (scan->bom)
                p += 3, n -= 3;
        }
        if (scan->utf8 && (memchr(p, '\0', n) || nv_text_utf8_invalid_at((const unsigned char *)p, n) != n))
            scan->utf8 = 0;
        if (scan->utf8 && !nv_text_delim_done(&delim))
            nv_text_delim_feed(&delim, p, n);
    }
    reader_close(&r);
    if (got < 0)
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "cannot read the office plan: %s; is it a regular, readable file?",
                            strerror(r.read_errno ? r.read_errno : EIO));
    scan->lines = nl ? nl : cr;
    scan->delimiter = nv_text_delim_result(&delim);
    if (!scan->utf8)
        scan->bom = 0, scan->delimiter = 0;
    return NV_OK;
}

/* "1,234,567" */
static void thousands(char *buf, size_t size, unsigned long long v)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%llu", v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* "147 MB", "5.9 GB" */
static void human_bytes(char *buf, size_t size, double bytes)
{
    if (bytes < 1e9)
        snprintf(buf, size, "%.0f MB", bytes / 1e6);
    else
        snprintf(buf, size, "%.1f GB", bytes / 1e9);
}

nv_status nv_plantext_check_bound(const char *path, size_t rows_before, size_t max_rows, size_t bytes_per_row,
                                  size_t *rows_counted, nv_plantext_scan *scan, nv_error *err)
{
    nv_plantext_scan own, *sc = scan ? scan : &own;
    struct stat sb;
    memset(sc, 0, sizeof *sc);
    /* Only a regular file of some size is counted, read once to the end: it is read again
     * after this, whole or in chunks. */
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (long long)sb.st_size >= NV_PLAN_BOUND_MIN_BYTES &&
        nv_plantext_scan_file(path, sc, NULL) != NV_OK)
        memset(sc, 0, sizeof *sc); /* the reading after this one names the problem */
    long long size = sc->size, lines = sc->lines;
    if (rows_counted)
        *rows_counted = lines > 1 && (unsigned long long)lines - 1 <= SIZE_MAX ? (size_t)(lines - 1) : 0;
    if (lines <= 1)
        return NV_OK;
    unsigned long long rows = (unsigned long long)lines - 1 + rows_before; /* less the header */
    char r[40], b[40];
    thousands(r, sizeof r, rows);
    if (max_rows) {
        if (rows <= max_rows)
            return NV_OK;
        thousands(b, sizeof b, max_rows);
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "has about %s rows%s, more than the bound of %s rows (NARVARO_MAX_PLAN_ROWS); split "
                            "the plan into files below the bound and analyse them one by one (or as a folder, "
                            "with narvaro batch), or raise the bound",
                            r, rows_before ? " with the files before it" : "", b);
    }
    size_t per_row = bytes_per_row ? bytes_per_row : NV_PLAN_BYTES_PER_ROW;
    size_t avail = nv_memory_available();
    double need = (double)rows * (double)per_row + (double)size;
    if (avail == SIZE_MAX || need <= (double)avail)
        return NV_OK;
    double most = ((double)avail - (double)size) / (double)per_row;
    char need_s[32], avail_s[32];
    thousands(b, sizeof b, most > 0 ? (unsigned long long)most : 0);
    human_bytes(need_s, sizeof need_s, need);
    human_bytes(avail_s, sizeof avail_s, (double)avail);
    return nv_error_set(err, NV_ERR_INPUT, path, 0,
                        "has about %s rows%s, which need about %s of memory, and %s is available "
                        "(free memory, ulimit -v and the cgroup's limit), enough for about %s rows: split the "
                        "plan into smaller files and analyse them one by one (or as a folder, with narvaro "
                        "batch), leave out the HTML report (--no-report), or run where more memory is free",
                        r, rows_before ? " with the files before it" : "", need_s, avail_s, b);
}

/* ---------------------------------------------------------------- stage 2: encoding */






/* Does s hold a well-formed UTF-8 sequence of two or more bytes (text that is UTF-8 and
 * not ASCII)? Windows-1252 text almost never does: it would take an Ã or Â followed by a
 * byte from 0x80..0xBF. */
static int has_utf8_sequence(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] >= 0xC2 && s[i] <= 0xF4 && (s[i + 1] & 0xC0) == 0x80) {
            size_t k = s[i] < 0xE0 ? 2 : s[i] < 0xF0 ? 3 : 4;
            if (i + k <= n && nv_text_utf8_invalid_at(s + i, k) == k)
                return 1;
        }
    return 0;
}

/* A file whose lines are partly UTF-8 and partly Windows-1252 (rows pasted from two
 * exports, or a "CSV UTF-8" file with ANSI rows appended): each physical line is decoded by
 * itself, valid UTF-8 as such and any other as Windows-1252, so that neither kind is
 * garbled; a warning names a line of each kind. *raw is taken over. */
static nv_status decode_mixed(char **raw, size_t raw_len, int bom, char **text, size_t *text_len,
                              char *enc_name, size_t enc_name_size, const char *path, nv_diags *diags,
                              nv_error *err)
{
    const unsigned char *u = (const unsigned char *)*raw;
    size_t i = bom ? 3 : 0, o = 0;
    long line = 1, first_utf8 = 0, first_cp1252 = 0;
    char *out = malloc(3 * raw_len + 1);
    if (!out)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory decoding the office plan");
    while (i < raw_len) {
        size_t j = i;
        while (j < raw_len && u[j] != '\n' && u[j] != '\r')
            j++;
        size_t end = j < raw_len ? j + (u[j] == '\r' && j + 1 < raw_len && u[j + 1] == '\n' ? 2 : 1) : j;
        if (nv_text_utf8_invalid_at(u + i, end - i) == end - i) {
            if (!first_utf8 && has_utf8_sequence(u + i, end - i))
                first_utf8 = line;
            memcpy(out + o, u + i, end - i);
            o += end - i;
        } else {
            size_t len;
            char *conv = nv_text_cp1252_to_utf8(u + i, end - i, &len);
            if (!conv) {
                free(out);
                return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory decoding the office plan");
            }
            if (!first_cp1252)
                first_cp1252 = line;
            memcpy(out + o, conv, len);
            o += len;
            free(conv);
        }
        line++;
        i = end;
    }
    out[o] = '\0';
    if (first_utf8)
        nv_diags_add(diags, NV_WARNING, path, 0,
                     "mixes encodings: line %ld is UTF-8 and line %ld Windows-1252; each line was read in its own "
                     "encoding (re-save the file as \"CSV UTF-8\", or give --encoding, to be sure)",
                     first_utf8, first_cp1252);
    else
        nv_diags_add(diags, NV_WARNING, path, 0,
                     "starts with a UTF-8 byte-order mark, but line %ld is Windows-1252; each line was read in "
                     "its own encoding (re-save the file as \"CSV UTF-8\", or give --encoding, to be sure)",
                     first_cp1252);
    free(*raw);
    *raw = NULL;
    *text = out;
    *text_len = o;
    snprintf(enc_name, enc_name_size, "%s", "UTF-8 and Windows-1252 by line");
    return NV_OK;
}

nv_status nv_plantext_decode(char **raw, size_t raw_len, nv_text_encoding enc, char **text, size_t *text_len,
                             char *enc_name, size_t enc_name_size, const char *path, nv_diags *diags, nv_error *err)
{
    const unsigned char *u = (const unsigned char *)*raw;
    int bom = raw_len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF;

    if (enc == NV_TEXT_DETECT && raw_len >= 2 &&
        ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return nv_error_set(err, NV_ERR_INPUT, path, 0,
                            "is UTF-16 text; save it as \"CSV UTF-8\" (or plain CSV) and read it again");
    const char *nul = memchr(*raw, '\0', raw_len);
    if (nul)
        return nv_error_set(err, NV_ERR_INPUT, path, line_of(*raw, (size_t)(nul - *raw)),
                            "contains a NUL byte; is it UTF-16 or a spreadsheet file rather than "
                            "CSV? save it as \"CSV UTF-8\"");

    if (enc == NV_TEXT_DETECT) {
        size_t skip = bom ? 3 : 0;
        if (nv_text_utf8_invalid_at(u + skip, raw_len - skip) == raw_len - skip)
            enc = NV_TEXT_UTF8;
        else if (bom || has_utf8_sequence(u, raw_len))
            return decode_mixed(raw, raw_len, bom, text, text_len, enc_name, enc_name_size, path, diags, err);
        else
            enc = NV_TEXT_CP1252;
    }

    if (enc == NV_TEXT_UTF8) {
        size_t skip = bom ? 3 : 0;
        size_t bad = nv_text_utf8_invalid_at(u + skip, raw_len - skip);
        if (bad != raw_len - skip)
            return nv_error_set(err, NV_ERR_INPUT, path, line_of(*raw, skip + bad),
                                "byte 0x%02X is not valid UTF-8; %s", u[skip + bad],
                                bom ? "the file starts with a UTF-8 byte-order mark, so re-save it as "
                                      "\"CSV UTF-8\""
                                    : "read it as Windows-1252 (encoding CP1252) or re-save it as "
                                      "\"CSV UTF-8\"");
        memmove(*raw, *raw + skip, raw_len - skip + 1);
        *text = *raw;
        *text_len = raw_len - skip;
        *raw = NULL;
        snprintf(enc_name, enc_name_size, "%s", bom ? "UTF-8 with BOM" : "UTF-8");
        return NV_OK;
    }
    *text = nv_text_cp1252_to_utf8(u, raw_len, text_len);
    if (!*text)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory converting Windows-1252 to UTF-8");
    free(*raw);
    *raw = NULL;
    snprintf(enc_name, enc_name_size, "Windows-1252");
    return NV_OK;
}

/* ---------------------------------------------------------------- stage 3: records */


struct parse_state {
    nv_record_fn handler;
    void *user;
    char *buf;          /* the record's field bytes, each field NUL-terminated */
    size_t used, cap;
    size_t *start;      /* where each field starts in buf */
    char **f;           /* the fields as pointers, made when the record ends */
    size_t nf, cap_f;
    long line;          /* physical line being fed */
    long rec_start;     /* line the record being read started on; 0 between records */
    int oom, stop;
};

/* libcsv's field bytes are borrowed and not NUL-terminated: they are copied, trimmed,
 * into the record's one buffer (a malloc per field cost more than the parsing). */
static void on_field(void *bytes, size_t len, void *data)
{
    struct parse_state *ps = data;
    const char *b = bytes;
    if (ps->oom || ps->stop)
        return;
    while (len && is_ws((unsigned char)b[0]))
        b++, len--;
    while (len && is_ws((unsigned char)b[len - 1]))
        len--;
    if (ps->nf == ps->cap_f) {
        size_t cap = ps->cap_f ? ps->cap_f * 2 : 16;
        size_t *st = realloc(ps->start, cap * sizeof *st);
        char **f = st ? realloc(ps->f, cap * sizeof *f) : NULL;
        if (st)
            ps->start = st;
        if (!f) {
            ps->oom = 1;
            return;
        }
        ps->f = f;
        ps->cap_f = cap;
    }
    if (ps->cap - ps->used < len + 1) {
        size_t cap = (ps->used + len + 1) * 2;
        char *nb = realloc(ps->buf, cap);
        if (!nb) {
            ps->oom = 1;
            return;
        }
        ps->buf = nb;
        ps->cap = cap;
    }
    ps->start[ps->nf++] = ps->used;
    if (len)
        memcpy(ps->buf + ps->used, b, len);
    ps->buf[ps->used + len] = '\0';
    ps->used += len + 1;
}

static void on_record(int terminator, void *data)
{
    struct parse_state *ps = data;
    (void)terminator;
    nv_record r = {ps->rec_start ? ps->rec_start : ps->line, ps->nf, ps->f, 1};
    ps->rec_start = 0;
    if (!ps->oom && !ps->stop) {
        for (size_t i = 0; i < ps->nf; i++)
            ps->f[i] = ps->buf + ps->start[i];
        /* A row of empty cells (";;;;" from a spreadsheet) is kept as a blank row: no
         * office, but a line of the input that offices.csv accounts for. */
        for (size_t i = 0; i < ps->nf && r.blank; i++)
            r.blank = ps->f[i][0] == '\0';
        ps->stop = ps->handler(&r, ps->user) != 0;
    }
    ps->nf = 0;
    ps->used = 0;
}

/* A line with nothing but blanks, between records: libcsv skips it, the plan lists it. */
static void add_blank_line(struct parse_state *ps)
{
    nv_record r = {ps->line, 0, NULL, 1};
    if (!ps->oom && !ps->stop)
        ps->stop = ps->handler(&r, ps->user) != 0;
}

/* Every record kept, deep-copied: for small tables read whole (nv_csv_read). */
struct records {
    nv_record *r;
    size_t n, cap;
    int oom;
};

static void record_free(nv_record *r)
{
    for (size_t i = 0; i < r->nf; i++)
        free(r->f[i]);
    free(r->f);
}

static void records_free(struct records *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        record_free(&rs->r[i]);
    free(rs->r);
}

static int keep_record(const nv_record *r, void *user)
{
    struct records *rs = user;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 128;
        nv_record *nr = realloc(rs->r, cap * sizeof *nr);
        if (!nr)
            return rs->oom = 1;
        rs->r = nr;
        rs->cap = cap;
    }
    nv_record copy = {r->line, 0, r->nf ? calloc(r->nf, sizeof(char *)) : NULL, r->blank};
    if (r->nf && !copy.f)
        return rs->oom = 1;
    for (; copy.nf < r->nf; copy.nf++)
        if (!(copy.f[copy.nf] = strdup(r->f[copy.nf]))) {
            record_free(&copy);
            return rs->oom = 1;
        }
    rs->r[rs->n++] = copy;
    return 0;
}

static int space_not_tab(unsigned char c)
{
    return c == ' ';
}

/* The splitter, fed the text in pieces of any size (the whole text at once, or a file's
 * chunks): libcsv keeps its own state from one piece to the next, and the splitter keeps
 * the physical line that is being fed, so that a line, a "\r\n" or a quoted field cut by
 * a piece's end is read as it would have been whole. */
struct splitter {
    struct csv_parser p;
    struct parse_state ps;
    const char *path;
    char delim;
    int in_line;    /* a physical line has begun and not ended */
    int scanning;   /* ... between records, and nothing but blanks in it so far */
    int has_delim;  /* ... and one of them the delimiter (a TAB) */
    int after_cr;   /* the last piece ended with '\r': a '\n' first in the next ends that line */
};

static nv_status splitter_init(struct splitter *sp, char delim, nv_record_fn handler, void *user,
                               const char *path, nv_error *err)
{
    memset(sp, 0, sizeof *sp);
    sp->ps.handler = handler;
    sp->ps.user = user;
    sp->path = path;
    sp->delim = delim;
    /* Lenient while parsing: a stray quote inside a field (Kontor "Nord") is kept as text. */
    if (csv_init(&sp->p, 0) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory starting the CSV parser");
    nv_csvbuf_attach(&sp->p);
    csv_set_delim(&sp->p, (unsigned char)delim);
    /* libcsv's own test for blanks (space or TAB, no function given) is inlined; it asks a
     * function once a character otherwise, a tenth of the parsing. A TAB delimiter is no
     * blank. */
    if (delim == '\t')
        csv_set_space_func(&sp->p, space_not_tab);
    return NV_OK;
}

static void splitter_free(struct splitter *sp)
{
    free(sp->ps.buf);
    free(sp->ps.start);
    free(sp->ps.f);
    csv_free(&sp->p);
}

static nv_status splitter_parse(struct splitter *sp, const char *s, size_t n, nv_error *err)
{
    if (csv_parse(&sp->p, s, n, on_field, on_record, &sp->ps) != n || sp->ps.oom)
        return nv_error_set(err, NV_ERR_FAIL, sp->path, sp->ps.line, "CSV parser failed: %s",
                            sp->ps.oom ? "out of memory" : csv_strerror(csv_error(&sp->p)));
    return NV_OK;
}

/* The next piece of the text. NV_OK also when the handler stopped (sp->ps.stop): it has
 * its reason, and nothing more is to be fed. */
static nv_status splitter_feed(struct splitter *sp, const char *s, size_t n, nv_error *err)
{
    struct parse_state *ps = &sp->ps;
    nv_status st;
    size_t i = 0;
    while (i < n && !ps->stop) {
        if (sp->after_cr) {
            sp->after_cr = 0;
            if (s[i] == '\n') {
                if ((st = splitter_parse(sp, s + i, 1, err)) != NV_OK)
                    return st;
                i++;
                continue;
            }
        }
        if (!sp->in_line) {
            sp->in_line = 1;
            ps->line++;
            sp->scanning = !ps->rec_start;
            sp->has_delim = 0;
        }
        size_t j = i;
        while (j < n && s[j] != '\n' && s[j] != '\r')
            j++;
        int ends = j < n;
        j += ends;
        if (sp->scanning) {
            for (size_t k = i; k < j; k++) {
                sp->has_delim |= s[k] == sp->delim;
                if (!is_ws((unsigned char)s[k])) {
                    ps->rec_start = ps->line;
                    sp->scanning = 0;
                    break;
                }
            }
            /* Only blanks and no delimiter: libcsv makes no record of it (with a delimiter,
             * a TAB, it makes one of empty cells, which on_record marks blank). Made before
             * libcsv sees the line end, where it would end a record of the line. */
            if (ends && sp->scanning && !sp->has_delim)
                add_blank_line(ps);
        }
        if ((st = splitter_parse(sp, s + i, j - i, err)) != NV_OK)
            return st;
        if (ends) {
            sp->in_line = 0;
            sp->after_cr = s[j - 1] == '\r';
        }
        i = j;
    }
    return NV_OK;
}

/* After the last piece: the last line, when it has no line end, and a quote left open. */
static nv_status splitter_finish(struct splitter *sp, nv_error *err)
{
    struct parse_state *ps = &sp->ps;
    if (ps->stop)
        return NV_OK;
    if (sp->in_line && sp->scanning && !sp->has_delim)
        add_blank_line(ps);
    if (ps->stop)
        return NV_OK;
    /* Strict at the end, only to learn whether a quote was left open: libcsv reports that
     * only with CSV_STRICT and CSV_STRICT_FINI both set. Leniently, the open quote would
     * swallow every later row into one field without a word. */
    csv_set_opts(&sp->p, CSV_STRICT | CSV_STRICT_FINI);
    if (csv_fini(&sp->p, on_field, on_record, ps) != 0) {
        if (csv_error(&sp->p) == CSV_EPARSE)
            return nv_error_set(err, NV_ERR_INPUT, sp->path, ps->rec_start ? ps->rec_start : ps->line,
                                "a quoted field in the row starting here is never closed; close the "
                                "quote, or double a quote that belongs inside a field (\"\")");
        return nv_error_set(err, NV_ERR_FAIL, sp->path, ps->line, "CSV parser failed: %s",
                            csv_strerror(csv_error(&sp->p)));
    }
    if (ps->oom)
        return nv_error_set(err, NV_ERR_FAIL, sp->path, ps->line, "CSV parser failed: out of memory");
    return NV_OK;
}

/* Where the text to split comes from: a text in memory, or a file that nv_plantext_scan_file
 * found plain UTF-8, read again in chunks. */
struct source {
    const char *text;
    size_t n;
    const char *file;
    const nv_plantext_scan *scan;
    size_t chunk;
    void (*before_read)(long long offset, void *user);
    void *hook_user;
    int changed;    /* out: the file was not as scanned (or could not be read again) */
};

static nv_status changed_error(struct source *src, const char *path, nv_error *err, const char *why, ...)
    __attribute__((format(printf, 4, 5)));

/* The file is not as nv_plantext_scan_file found it: what was split of it may be anything. */
static nv_status changed_error(struct source *src, const char *path, nv_error *err, const char *why, ...)
{
    char reason[160];
    va_list ap;
    va_start(ap, why);
    vsnprintf(reason, sizeof reason, why, ap);
    va_end(ap);
    src->changed = 1;
    return nv_error_set(err, NV_ERR_INPUT, path, 0,
                        "changed while it was being read (%s); read it again once nothing writes to it", reason);
}

/* What differs between the file scanned and the one open now, as changed_error's reason; NULL when nothing does. */
static const char *differs(const nv_plantext_scan *scan, const struct stat *sb, char *buf, size_t size)
{
    if ((long long)sb->st_dev != scan->dev || (long long)sb->st_ino != scan->ino)
        return "it was replaced by another file";
    if ((long long)sb->st_size != scan->size) {
        snprintf(buf, size, "its size went from %lld to %lld bytes", scan->size, (long long)sb->st_size);
        return buf;
    }
    if ((long long)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec != scan->mtime_ns)
        return "it was modified";
    return NULL;
}

/* The file split in chunks, each checked to be what the scan found (whole UTF-8 without
 * NUL, no more and no fewer bytes) before the splitter sees it: a file written meanwhile
 * gives an error, never text that is not UTF-8. */
static nv_status split_file_chunks(struct source *src, struct splitter *sp, const char *path, nv_error *err)
{
    struct reader r;
    struct stat sb;
    nv_status st = NV_OK;
    const char *p;
    size_t n;
    int got, first = 1;
    char buf[96];
    const char *why;
    if (reader_open(&r, src->file, src->chunk, &sb) != 0) {
        src->changed = 1;
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open the office plan: %s; check the path and permissions",
                          strerror(r.read_errno));
        goto done;
    }
    if ((why = differs(src->scan, &sb, buf, sizeof buf)) != NULL) {
        st = changed_error(src, path, err, "%s", why);
        goto done;
    }
    for (;;) {
        if (src->before_read)
            src->before_read(r.total, src->hook_user);
        if ((got = reader_next(&r, &p, &n)) <= 0)
            break;
        if (r.total > src->scan->size) {
            st = changed_error(src, path, err, "it grew past its %lld bytes", src->scan->size);
            goto done;
        }
        long long at = r.total - (long long)(r.kept + n); /* the chunk's offset in the file */
        if (first) {
            first = 0;
            int bom = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
            if (bom != src->scan->bom) {
                st = changed_error(src, path, err, "its byte-order mark came or went");
                goto done;
            }
            if (bom)
                p += 3, n -= 3, at += 3;
        }
        const char *nul = memchr(p, '\0', n);
        size_t bad = nv_text_utf8_invalid_at((const unsigned char *)p, nul ? (size_t)(nul - p) : n);
        if (nul || bad != n) {
            st = changed_error(src, path, err, "byte %lld is no longer UTF-8 text", at + (long long)bad + 1);
            goto done;
        }
        if ((st = splitter_feed(sp, p, n, err)) != NV_OK || sp->ps.stop)
            goto done;
    }
    if (got < 0) {
        src->changed = 1;
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot read the office plan: %s; is it a regular, readable file?",
                          strerror(r.read_errno ? r.read_errno : EIO));
        goto done;
    }
    if (r.total != src->scan->size) {
        st = changed_error(src, path, err, "its size went from %lld to %lld bytes", src->scan->size, r.total);
        goto done;
    }
    if (fstat(r.fd, &sb) != 0 || (why = differs(src->scan, &sb, buf, sizeof buf)) != NULL) {
        st = changed_error(src, path, err, "%s", why ? why : strerror(errno));
        goto done;
    }
    st = splitter_finish(sp, err);
done:
    reader_close(&r);
    return st;
}

/* Splits the source in the calling thread, handing each record to handler. */
static nv_status split_source(struct source *src, char delim, nv_record_fn handler, void *user, const char *path,
                              nv_error *err)
{
    struct splitter sp;
    nv_status st = splitter_init(&sp, delim, handler, user, path, err);
    if (st == NV_OK) {
        if (src->file)
            st = split_file_chunks(src, &sp, path, err);
        else if ((st = splitter_feed(&sp, src->text, src->n, err)) == NV_OK)
            st = splitter_finish(&sp, err);
    }
    splitter_free(&sp);
    return st;
}

/* Splitting beside the handler: for a large plan, libcsv's work (about a third of
 * reading it) runs in a thread of its own, which hands the records over in batches,
 * while the calling thread runs the handler on the batch before: the handler and all it
 * touches stay in one thread, the records come in the same order, and what either side
 * stops on ends both as the direct split would have. */
struct batch {
    char *buf; /* per record: a rec_head, then its nf fields, each NUL-terminated */
    size_t used, cap, n;
};

struct rec_head {
    long line;
    size_t nf;
    int blank;
};

enum { BATCH_BYTES = 1 << 20, BATCH_RECORDS = 8192 };

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch b[2];
    int fill;          /* the producer's batch */
    int ready;         /* the batch handed over and not yet done with, or -1 */
    int done;          /* the producer has handed over its last batch */
    int stop;          /* the consumer's handler stopped: the producer stops too */
    int oom;           /* a batch could not grow */
    struct source *src;
    const char *path;
    char delim;
    nv_status st;      /* the producer's split */
    nv_error err;
};

/* Hands the producer's batch over once the consumer is done with the one before; 0 when
 * the consumer has stopped. */
static int hand_over(struct pipe *pp)
{
    pthread_mutex_lock(&pp->mu);
    while (pp->ready >= 0 && !pp->stop)
        pthread_cond_wait(&pp->cv, &pp->mu);
    int go = !pp->stop;
    if (go) {
        pp->ready = pp->fill;
        pp->fill = 1 - pp->fill;
        pthread_cond_broadcast(&pp->cv);
    }
    pthread_mutex_unlock(&pp->mu);
    struct batch *b = &pp->b[pp->fill];
    b->used = b->n = 0;
    return go;
}

static int batch_record(const nv_record *r, void *user)
{
    struct pipe *pp = user;
    struct batch *b = &pp->b[pp->fill];
    size_t need = sizeof(struct rec_head);
    for (size_t i = 0; i < r->nf; i++)
        need += strlen(r->f[i]) + 1;
    if (b->cap - b->used < need) {
        size_t cap = b->cap ? b->cap : BATCH_BYTES;
        while (cap - b->used < need)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) {
            pthread_mutex_lock(&pp->mu);
            pp->oom = 1;
            pthread_mutex_unlock(&pp->mu);
            return 1;
        }
        b->buf = nb;
        b->cap = cap;
    }
    struct rec_head h = {r->line, r->nf, r->blank};
    memcpy(b->buf + b->used, &h, sizeof h);
    b->used += sizeof h;
    for (size_t i = 0; i < r->nf; i++) {
        size_t len = strlen(r->f[i]) + 1;
        memcpy(b->buf + b->used, r->f[i], len);
        b->used += len;
    }
    b->n++;
    if (b->n >= BATCH_RECORDS || b->used >= BATCH_BYTES)
        return !hand_over(pp);
    return 0;
}

static void *split_main(void *arg)
{
    struct pipe *pp = arg;
    pp->st = split_source(pp->src, pp->delim, batch_record, pp, pp->path, &pp->err);
    if (pp->b[pp->fill].n && !pp->oom)
        hand_over(pp);
    pthread_mutex_lock(&pp->mu);
    pp->done = 1;
    pthread_cond_broadcast(&pp->cv);
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

/* The records of batch b to handler; 1 when it stopped. *f grows to the widest record. */
static int hand_batch(const struct batch *b, nv_record_fn handler, void *user, char ***f, size_t *cap_f, int *oom)
{
    size_t at = 0;
    for (size_t k = 0; k < b->n; k++) {
        struct rec_head h;
        memcpy(&h, b->buf + at, sizeof h);
        at += sizeof h;
        if (h.nf > *cap_f) {
            char **nf = realloc(*f, h.nf * 2 * sizeof *nf);
            if (!nf)
                return *oom = 1;
            *f = nf;
            *cap_f = h.nf * 2;
        }
        for (size_t i = 0; i < h.nf; i++) {
            (*f)[i] = b->buf + at;
            at += strlen(b->buf + at) + 1;
        }
        nv_record r = {h.line, h.nf, h.nf ? *f : NULL, h.blank};
        if (handler(&r, user) != 0)
            return 1;
    }
    return 0;
}

static nv_status split_pipelined(struct source *src, char delim, nv_record_fn handler, void *user,
                                 const char *path, nv_error *err)
{
    struct pipe pp;
    memset(&pp, 0, sizeof pp);
    pp.ready = -1;
    pp.src = src, pp.delim = delim, pp.path = path;
    pthread_t producer;
    if (pthread_mutex_init(&pp.mu, NULL) != 0)
        return split_source(src, delim, handler, user, path, err);
    if (pthread_cond_init(&pp.cv, NULL) != 0) {
        pthread_mutex_destroy(&pp.mu);
        return split_source(src, delim, handler, user, path, err);
    }
    if (pthread_create(&producer, NULL, split_main, &pp) != 0) {
        pthread_cond_destroy(&pp.cv);
        pthread_mutex_destroy(&pp.mu);
        return split_source(src, delim, handler, user, path, err);
    }
    char **f = NULL;
    size_t cap_f = 0;
    int stopped = 0, oom = 0;
    for (;;) {
        pthread_mutex_lock(&pp.mu);
        while (pp.ready < 0 && !pp.done)
            pthread_cond_wait(&pp.cv, &pp.mu);
        int idx = pp.ready;
        pthread_mutex_unlock(&pp.mu);
        if (idx < 0)
            break; /* done, and every batch handled */
        stopped = hand_batch(&pp.b[idx], handler, user, &f, &cap_f, &oom);
        pthread_mutex_lock(&pp.mu);
        pp.ready = -1;
        pp.stop = stopped;
        pthread_cond_broadcast(&pp.cv);
        pthread_mutex_unlock(&pp.mu);
        if (stopped)
            break;
    }
    pthread_join(producer, NULL);
    pthread_cond_destroy(&pp.cv);
    pthread_mutex_destroy(&pp.mu);
    free(f);
    free(pp.b[0].buf);
    free(pp.b[1].buf);
    if (oom || pp.oom)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "CSV parser failed: out of memory");
    if (stopped) /* the handler has its reason */
        return NV_OK;
    if (pp.st != NV_OK && err)
        *err = pp.err;
    return pp.st;
}

nv_status nv_plantext_split_ex(const char *text, size_t n, char delim, nv_record_fn handler, void *user,
                               const char *path, nv_error *err, int pipelined)
{
    struct source src = {.text = text, .n = n};
    if (pipelined < 0)
        pipelined = n >= NV_PLANTEXT_PIPE_MIN_BYTES;
    return pipelined ? split_pipelined(&src, delim, handler, user, path, err)
                     : split_source(&src, delim, handler, user, path, err);
}

nv_status nv_plantext_split(const char *text, size_t n, char delim, nv_record_fn handler, void *user,
                            const char *path, nv_error *err)
{
    return nv_plantext_split_ex(text, n, delim, handler, user, path, err, -1);
}

nv_status nv_plantext_split_file_ex(const char *path, const nv_plantext_scan *scan, char delim,
                                    nv_record_fn handler, void *user, int *changed, nv_error *err,
                                    const nv_plantext_stream_opts *so)
{
    static const nv_plantext_stream_opts defaults = {0, -1, NULL, NULL};
    if (!so)
        so = &defaults;
    struct source src = {.file = path,
                         .scan = scan,
                         .chunk = so->chunk_bytes ? so->chunk_bytes : NV_PLANTEXT_CHUNK_BYTES,
                         .before_read = so->before_read,
                         .hook_user = so->hook_user};
    int pipelined = so->pipelined < 0 ? scan->size >= (long long)NV_PLANTEXT_PIPE_MIN_BYTES : so->pipelined;
    nv_status st = pipelined ? split_pipelined(&src, delim, handler, user, path, err)
                             : split_source(&src, delim, handler, user, path, err);
    if (changed)
        *changed = src.changed;
    return st;
}

nv_status nv_plantext_split_file(const char *path, const nv_plantext_scan *scan, char delim, nv_record_fn handler,
                                 void *user, int *changed, nv_error *err)
{
    return nv_plantext_split_file_ex(path, scan, delim, handler, user, changed, err, NULL);
}

/* ---------------------------------------------------------------- any table */

nv_status nv_csv_read(const char *path, char delimiter, const char *encoding,
                      nv_status (*row)(long line, char *const *fields, size_t n, void *user), void *user,
                      nv_error *err)
{
    char *raw = NULL, *text = NULL, enc_name[32];
    size_t raw_len = 0, text_len = 0;
    struct records recs = {0};
    nv_text_encoding enc = NV_TEXT_DETECT;
    nv_status st;
    if (encoding && !nv_text_encoding_from_name(encoding, &enc))
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "unknown encoding \"%s\"; use UTF-8 or CP1252", encoding);
    if ((st = nv_plantext_read_bytes(path, &raw, &raw_len, err)) != NV_OK)
        goto done;
    if ((st = nv_plantext_decode(&raw, raw_len, enc, &text, &text_len, enc_name, sizeof enc_name, path, NULL, err)) != NV_OK)
        goto done;
    if (!delimiter)
        delimiter = nv_text_detect_delimiter(text, text_len);
    if ((st = nv_plantext_split(text, text_len, delimiter, keep_record, &recs, path, err)) != NV_OK)
        goto done;
    if (recs.oom) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory reading the table");
        goto done;
    }
    if (recs.n == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "is empty; a table needs a header line");
        goto done;
    }
    for (size_t i = 0; i < recs.n && st == NV_OK; i++)
        st = row(recs.r[i].line, recs.r[i].f, recs.r[i].nf, user);
done:
    records_free(&recs);
    free(text);
    free(raw);
    return st;
}
