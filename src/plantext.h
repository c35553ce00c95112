/* plantext.h — part of the offices module: the text of a plan file, stages 1-3 of
 * nv_plan_read (offices.c): its bytes, checked against the plan's bound before they are
 * read; decoded to UTF-8 (BOM, else valid UTF-8, else Windows-1252, line by line when a
 * file mixes them); split into records with libcsv, noting the physical line each record
 * starts on, and handed to the caller one record at a time, so that a plan of millions
 * of rows is never held as records (a large one is split in a thread of its own, which
 * holds at most two batches of about 1 MB). Errors as offices.h describes them. */
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

/* Refuses (NV_ERR_INPUT) a plan file of NV_PLAN_BOUND_MIN_BYTES or more whose rows, with
 * the rows_before of the plan's earlier files, exceed max_rows (when not 0), or else need
 * more memory than nv_memory_available at bytes_per_row each (0: NV_PLAN_BYTES_PER_ROW).
 * The lines are counted without holding the file. Anything else is NV_OK. *rows (may be
 * NULL) is set to the file's data rows as counted, at most its lines less the header (a
 * quoted line break or a blank line counts as a row), or 0 when the file was not counted:
 * room to make for the rows before they are read. */
nv_status nv_plantext_check_bound(const char *path, size_t rows_before, size_t max_rows, size_t bytes_per_row,
                                  size_t *rows, nv_error *err);

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

#endif
