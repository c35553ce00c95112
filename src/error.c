#include "error.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

nv_status nv_error_set(nv_error *err, nv_status code, const char *path, long line,
                       const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        err->line = line;
        snprintf(err->path, sizeof err->path, "%s", path ? path : "");
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void nv_error_format(const nv_error *err, char *buf, size_t size)
{
    if (!err || size == 0)
        return;
    if (err->path[0] && err->line > 0)
        snprintf(buf, size, "%s:%ld: %s", err->path, err->line, err->message);
    else if (err->path[0])
        snprintf(buf, size, "%s: %s", err->path, err->message);
    else
        snprintf(buf, size, "%s", err->message);
}

struct nv_diags {
    nv_diag *items;
    size_t n, cap;
};

nv_diags *nv_diags_create(void)
{
    return calloc(1, sizeof(nv_diags));
}

void nv_diags_destroy(nv_diags *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].path);
        free(d->items[i].message);
    }
    free(d->items);
    free(d);
}

void nv_diags_add(nv_diags *d, nv_severity sev, const char *path, long line, const char *fmt, ...)
{
    if (!d)
        return;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        nv_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return;
        d->items = items;
        d->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    if (!msg)
        return;
    nv_diag *g = &d->items[d->n];
    g->severity = sev;
    g->line = line;
    g->path = path ? strdup(path) : NULL;
    g->message = msg;
    d->n++;
}

size_t nv_diags_count(const nv_diags *d)
{
    return d ? d->n : 0;
}

size_t nv_diags_count_severity(const nv_diags *d, nv_severity sev)
{
    size_t k = 0;
    for (size_t i = 0; d && i < d->n; i++)
        k += d->items[i].severity == sev;
    return k;
}

const nv_diag *nv_diags_get(const nv_diags *d, size_t i)
{
    return d && i < d->n ? &d->items[i] : NULL;
}

static _Atomic(const char *) activity = "starting";

void nv_activity_set(const char *what)
{
    activity = what;
}

const char *nv_activity(void)
{
    return activity;
}

int nv_memory_short(size_t bytes)
{
    void *probe = malloc(bytes);
    free(probe);
    return probe == NULL;
}

/* A number from a line "key: N kB" of /proc/meminfo, in bytes; 0 when absent. */
static unsigned long long meminfo(const char *key)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long v = 0;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, key, k) == 0 && line[k] == ':') {
            v = strtoull(line + k + 1, NULL, 10) * 1024;
            break;
        }
    if (f)
        fclose(f);
    return v;
}

/* The first number in a file (cgroup's memory.max, memory.current); 0 when absent or "max". */
static unsigned long long file_number(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long v = 0;
    if (f) {
        if (fscanf(f, "%llu", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

size_t nv_memory_available(void)
{
    unsigned long long avail = meminfo("MemAvailable");
    if (!avail)
        avail = ULLONG_MAX;
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        /* The address space already in use: the first field of statm, in pages. */
        unsigned long long pages = file_number("/proc/self/statm");
        unsigned long long used = pages * (unsigned long long)sysconf(_SC_PAGESIZE);
        unsigned long long room = (unsigned long long)rl.rlim_cur > used ? (unsigned long long)rl.rlim_cur - used : 0;
        if (room < avail)
            avail = room;
    }
    unsigned long long max = file_number("/sys/fs/cgroup/memory.max");
    if (max) {
        unsigned long long cur = file_number("/sys/fs/cgroup/memory.current");
        unsigned long long room = max > cur ? max - cur : 0;
        if (room < avail)
            avail = room;
    }
    return avail >= (unsigned long long)SIZE_MAX ? SIZE_MAX : (size_t)avail;
}
