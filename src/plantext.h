/* plantext.h — part of the offices module: the text of a plan file, stages 1-3 of
 * nv_plan_read (offices.c): its bytes, checked against the plan's bound before they are
 * read; decoded to UTF-8 (BOM, else valid UTF-8, else Windows-1252, line by line when a
 * file mixes them); split into records with libcsv, noting the physical line each record
 * starts on, and handed to the caller one record at a time, so that a plan of millions
 * of rows is never held as records (a large one is split in a thread of its own, which
 * holds at most two batches of about 1 MB).
 *
 * A large plan that is plain UTF-8 (the common case) is not held as text either: the
 * pass that counts its lines for the bound also finds its encoding and delimiter
 * (nv_plantext_scan_file), and a second pass reads it again in chunks of about 1 MB and
 * splits them as they come (nv_plantext_split_file), with the same records, line numbers
 * and messages as the whole text would give. Anything else (Windows-1252, mixed lines, a
 * small file, a pipe) is read whole. Errors as offices.h describes them. */
#ifndef NV_PLANTEXT_H
#define NV_PLANTEXT_H

#include "error.h"
#include "textin.h"

#include <stddef.h>

/* One record: its fields trimmed and NUL-terminated, borrowed until the handler returns. */
typedef struct nv_record {
    long line;    /* physical line where the record starts */
    size_t nf;
    char **f;
    int blank;    /* nothing in it: an empty line (nf 0), or only empty cells (",,,," from Excel) */
} nv_record;

/* The handler of every record; returns 0 to go on, anything else stops the splitting. */
typedef int (*nv_record_fn)(const nv_record *r, void *user);

/* The whole file, NUL-terminated (*out has *out_len bytes and a NUL after them; the
 * caller frees it). NV_ERR_INPUT when it cannot be opened or read. */
nv_status nv_plantext_read_bytes(const char *path, char **out, size_t *out_len, nv_error *err);

/* What one pass over a plan file finds without holding it (nv_plantext_scan_file). */
typedef struct nv_plantext_scan {
    long long size;    /* bytes */
    long long lines;   /* its '\n's, or its lone '\r's when it has no '\n' */
    int utf8;          /* a regular file, valid UTF-8 throughout (after a BOM), without NUL
                        * bytes and not a workbook: nv_plantext_split_file can read it */
    int bom;           /* it starts with a UTF-8 byte-order mark (utf8 only) */
    char delimiter;    /* nv_text_detect_delimiter of its text (utf8 only) */
    long long dev, ino, mtime_ns; /* the file scanned, to notice it changed before the next pass */
} nv_plantext_scan;

/* Reads path once in chunks, holding one (about 1 MB), and fills *scan. A file that is
 * no regular file is not read (all 0). NV_ERR_INPUT when it cannot be opened or read. */
nv_status nv_plantext_scan_file(const char *path, nv_plantext_scan *scan, nv_error *err);

/* Refuses (NV_ERR_INPUT) a plan file of NV_PLAN_BOUND_MIN_BYTES or more whose rows, with
 * the rows_before of the plan's earlier files, exceed max_rows (when not 0), or else need
 * more memory than nv_memory_available at bytes_per_row each (0: NV_PLAN_BYTES_PER_ROW).
 * The lines are counted without holding the file. Anything else is NV_OK. *rows (may be
 * NULL) is set to the file's data rows as counted, at most its lines less the header (a
 * quoted line break or a blank line counts as a row), or 0 when the file was not counted:
 * room to make for the rows before they are read. *scan (may be NULL) is what that count
 * found (nv_plantext_scan_file), all 0 when the file was not counted; the lines are
 * counted by the same pass that finds whether the file can be split in chunks. */
nv_status nv_plantext_check_bound(const char *path, size_t rows_before, size_t max_rows, size_t bytes_per_row,
                                  size_t *rows, nv_plantext_scan *scan, nv_error *err);

/* Turns the file's bytes into UTF-8 text without a BOM (enc: NV_TEXT_DETECT or the
 * encoding given), naming what was found in enc_name ("UTF-8 with BOM"). *raw is taken
 * over: either it becomes *text or it is freed. A file of mixed lines gets a warning in
 * diags (which may be NULL). */
nv_status nv_plantext_decode(char **raw, size_t raw_len, nv_text_encoding enc, char **text, size_t *text_len,
                             char *enc_name, size_t enc_name_size, const char *path, nv_diags *diags, nv_error *err);

/* Splits text into records and hands each to handler, in the calling thread, in order. libcsv does the quoting (leniently: a stray quote inside a field is text); the
 * text is fed one physical line at a time so that the line a record starts on is known:
 * a record can only start at the beginning of a line, and it starts at the first
 * non-blank line after the previous record ended (a quoted field may carry the record
 * over several lines). A line of blanks only is a record of no fields. A quote left open
 * at the end is NV_ERR_INPUT. A handler that returns nonzero stops the splitting with
 * NV_OK: it keeps its own reason. */
nv_status nv_plantext_split(const char *text, size_t n, char delim, nv_record_fn handler, void *user,
                            const char *path, nv_error *err);

/* From this size on, the splitting runs in a thread of its own beside the handler
 * (which still runs in the calling thread, on the records in order): about a third of
 * reading a large plan. */
#define NV_PLANTEXT_PIPE_MIN_BYTES ((size_t)1 << 20)

/* nv_plantext_split with the thread chosen: pipelined 1 always, 0 never, -1 by size as
 * nv_plantext_split does. For tests, which check both give the same records. */
nv_status nv_plantext_split_ex(const char *text, size_t n, char delim, nv_record_fn handler, void *user,
                               const char *path, nv_error *err, int pipelined);

/* The chunk nv_plantext_split_file reads at a time: what it holds of the text. */
#define NV_PLANTEXT_CHUNK_BYTES ((size_t)1 << 20)

/* nv_plantext_split of the text of path, read again in chunks of NV_PLANTEXT_CHUNK_BYTES,
 * for a file that nv_plantext_scan_file found plain UTF-8 (scan->utf8; its BOM is skipped
 * and never part of the text): the same records, line numbers and errors (path names the
 * file in them), never the whole text held. Split in a thread of its own from
 * NV_PLANTEXT_PIPE_MIN_BYTES on. A file that is no longer as scanned (another size or
 * modification time, bytes that are not UTF-8, or it can no longer be read) is
 * NV_ERR_INPUT with *changed (may be NULL) set to 1: the records handed over before it was
 * noticed may be anything but text that is not UTF-8, and are to be dropped. */
nv_status nv_plantext_split_file(const char *path, const nv_plantext_scan *scan, char delim, nv_record_fn handler,
                                 void *user, int *changed, nv_error *err);

/* For tests: the chunk size (0: NV_PLANTEXT_CHUNK_BYTES, at least 4), the thread as
 * nv_plantext_split_ex's pipelined, and a function called before each read with the
 * bytes read so far (NULL: none), to change the file while it is being read. */
typedef struct nv_plantext_stream_opts {
    size_t chunk_bytes;
    int pipelined;
    void (*before_read)(long long offset, void *user);
    void *hook_user;
} nv_plantext_stream_opts;

/* nv_plantext_split_file as *so (NULL: the defaults) says. */
nv_status nv_plantext_split_file_ex(const char *path, const nv_plantext_scan *scan, char delim,
                                    nv_record_fn handler, void *user, int *changed, nv_error *err,
                                    const nv_plantext_stream_opts *so);

#endif
