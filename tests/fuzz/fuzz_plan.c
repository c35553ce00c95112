/* libFuzzer harness: the office plan reader (nv_plan_read), on every detection path.
 *
 * The first byte of an input chooses the options, so that one corpus covers detection
 * and every override: bits 0-2 the delimiter (detected, ',', ';', '|', TAB), bits 3-4 the
 * encoding (detected, UTF-8, CP1252), bit 5 x/y in EPSG:3006, bit 6 lat/lon columns
 * named by option, bit 7 the id column named by option. The rest is the file, written
 * to a memfd that the reader opens by path like any plan. Every office it returns is
 * read through, so a dangling or unterminated string is found by ASan. */
#include "offices.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static nv_offices_cache *cache;
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        cache = nv_offices_cache_create();
        fd = memfd_create("plan.csv", 0);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (size < 1 || fd < 0)
        return 0;
    unsigned sel = data[0];
    static const char delimiters[] = {0, ',', ';', '|', '\t', 0, ',', ';'};
    static const char *const encodings[] = {NULL, "UTF-8", "CP1252", NULL};
    nv_offices_options o;
    memset(&o, 0, sizeof o);
    o.delimiter = delimiters[sel & 7];
    o.encoding = encodings[(sel >> 3) & 3];
    o.xy_crs = sel & 0x20 ? "EPSG:3006" : NULL;
    if (sel & 0x40) {
        o.lat_column = "lat";
        o.lon_column = "Longitud";
    }
    o.id_column = sel & 0x80 ? "id" : NULL;
    o.cache = cache;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data + 1, size - 1, 0) != (ssize_t)(size - 1))
        return 0;

    nv_plan *plan = nv_plan_create();
    nv_diags *diags = nv_diags_create();
    nv_error err;
    memset(&err, 0, sizeof err);
    nv_plan_read(plan, path, &o, diags, &err);
    size_t total = strlen(err.message) + strlen(err.path);
    for (size_t i = 0; plan && i < nv_plan_count(plan); i++) {
        const nv_office *f = nv_plan_office(plan, i);
        total += strlen(f->id) + strlen(f->name) + strlen(f->type) + strlen(f->kommunkod) + strlen(f->basis);
        if (f->problem)
            total += strlen(f->problem);
    }
    for (size_t i = 0; i < nv_diags_count(diags); i++)
        total += strlen(nv_diags_get(diags, i)->message);
    if (plan) {
        const char *enc = nv_plan_last_encoding(plan);
        total += enc ? strlen(enc) : 0;
    }
    nv_diags_destroy(diags);
    nv_plan_destroy(plan);
    return total == (size_t)-1; /* never: keeps the reads from being optimised away */
}
