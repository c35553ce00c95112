/* A plan file that changes between the pass that scans it and the one that splits it in
 * chunks, or while it is split (nv_plantext_split_file): an error that names the file
 * (NV_ERR_INPUT, *changed set, so that the plan drops what it read of it), whichever way
 * it changed, and no record with text that is not UTF-8 handed over before it was
 * noticed. The changes are made by the test hook before a read, so that they land at a
 * known place. */
#include "nv_test.h"
#include "plantext.h"
#include "textin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

typedef struct seen {
    size_t records;
    int bad_utf8; /* a field that is not UTF-8 reached the handler */
} seen;

static int on_rec(const nv_record *r, void *user)
{
    seen *s = user;
    for (size_t i = 0; i < r->nf; i++)
        s->bad_utf8 |= nv_text_utf8_invalid_at((const unsigned char *)r->f[i], strlen(r->f[i])) != strlen(r->f[i]);
    s->records++;
    return 0;
}

enum { ROWS = 20000, CHUNK = 4096 };

/* A plan of ROWS rows with å/ä/ö in every one. */
static long long write_plan(void)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fprintf(f, "office_id;name;lat;lon\n");
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "A%d;V\xC3\xA4xj\xC3\xB6 %d;56.8;14.8\n", i, i);
    long long size = ftell(f);
    return fclose(f) == 0 ? size : 0;
}

/* Overwrites the file at offset with bytes. */
static void poke(long long offset, const char *bytes)
{
    FILE *f = fopen(path, "r+b");
    NV_CHECK(f != NULL);
    if (!f)
        return;
    fseek(f, (long)offset, SEEK_SET);
    fwrite(bytes, 1, strlen(bytes), f);
    fclose(f);
}

/* What the hook does, once, when the split has read at least `at` bytes. */
typedef struct change {
    long long at;
    int what; /* 0 truncate to half, 1 a byte further on made Windows-1252, 2 appended rows */
    int done;
} change;

static void apply(change *c)
{
    long long size = 0;
    FILE *f = fopen(path, "rb");
    if (f) {
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fclose(f);
    }
    if (c->what == 0)
        NV_CHECK(truncate(path, size / 2) == 0);
    else if (c->what == 1)
        poke(size - 100, "\xF6"); /* in the last rows, not yet read */
    else {
        f = fopen(path, "ab");
        NV_CHECK(f != NULL);
        if (f) {
            fputs("B1;Kiruna;67.8;20.2\n", f);
            fclose(f);
        }
    }
}

static void before_read(long long offset, void *user)
{
    change *c = user;
    if (!c->done && offset >= c->at) {
        c->done = 1;
        apply(c);
    }
}

/* Scans the plan, changes it as c says (c->at < 0: between the passes), splits it: the
 * split must fail as a changed file. */
static void changed_case(change c, int pipelined, const char *why)
{
    nv_plantext_scan scan;
    nv_error err = {0};
    seen s = {0};
    int changed = 0;
    NV_CHECK(write_plan() > 0);
    NV_CHECK_INT(nv_plantext_scan_file(path, &scan, &err), NV_OK);
    NV_CHECK(scan.utf8);
    if (c.at < 0) {
        c.done = 1;
        apply(&c);
    }
    nv_plantext_stream_opts so = {CHUNK, pipelined, before_read, &c};
    nv_status st = nv_plantext_split_file_ex(path, &scan, ';', on_rec, &s, &changed, &err, &so);
    NV_CHECK_INT(st, NV_ERR_INPUT);
    NV_CHECK_INT(changed, 1);
    NV_CHECK_STR(err.path, path);
    NV_CHECK_CONTAINS(err.message, "changed while it was being read");
    NV_CHECK_CONTAINS(err.message, why);
    NV_CHECK(!s.bad_utf8);
    NV_CHECK(s.records <= ROWS + 1);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/nv_changed_%ld.csv", (long)getpid());
    for (int pipelined = 0; pipelined < 2; pipelined++) {
        /* Between the passes: another size is seen when the file is opened again. */
        changed_case((change){-1, 0, 0}, pipelined, "its size went from");
        changed_case((change){-1, 2, 0}, pipelined, "its size went from");
        /* While it is split: cut short, grown, or a byte not yet read made Windows-1252
         * (the same size, and maybe the same modification time on a coarse clock: the
         * bytes themselves give it away when they are read). */
        changed_case((change){3 * CHUNK, 0, 0}, pipelined, "its size went from");
        changed_case((change){3 * CHUNK, 2, 0}, pipelined, "it grew past its");
        changed_case((change){3 * CHUNK, 1, 0}, pipelined, "is no longer UTF-8 text");
    }

    /* Gone between the passes. */
    {
        nv_plantext_scan scan;
        nv_error err = {0};
        seen s = {0};
        int changed = 0;
        NV_CHECK(write_plan() > 0);
        NV_CHECK_INT(nv_plantext_scan_file(path, &scan, &err), NV_OK);
        NV_CHECK(unlink(path) == 0);
        NV_CHECK_INT(nv_plantext_split_file(path, &scan, ';', on_rec, &s, &changed, &err), NV_ERR_INPUT);
        NV_CHECK_INT(changed, 1);
        NV_CHECK_CONTAINS(err.message, "cannot open the office plan");
        NV_CHECK_INT((long)s.records, 0);
    }

    /* Unchanged, the same file splits whole: the hook itself changes nothing. */
    {
        nv_plantext_scan scan;
        nv_error err = {0};
        seen s = {0};
        int changed = 1;
        NV_CHECK(write_plan() > 0);
        NV_CHECK_INT(nv_plantext_scan_file(path, &scan, &err), NV_OK);
        change c = {1LL << 40, 0, 0};
        nv_plantext_stream_opts so = {CHUNK, 1, before_read, &c};
        NV_CHECK_INT(nv_plantext_split_file_ex(path, &scan, ';', on_rec, &s, &changed, &err, &so), NV_OK);
        NV_CHECK_INT(changed, 0);
        NV_CHECK_INT((long)s.records, ROWS + 1);
    }
    unlink(path);
    return nv_test_report("plan_changed_while_read");
}
