/* libFuzzer harness: the map-spec parser (nv_mapspec_parse), and what the renderer asks
 * of a parsed spec: its texts in both languages, the measure's name, the palette. */
#include "mapspec.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nv_mapspec *spec = NULL;
    nv_error err;
    memset(&err, 0, sizeof err);
    size_t total = 0;
    if (nv_mapspec_parse((const char *)data, size, "fuzz.map", &spec, &err) == NV_OK && spec) {
        char buf[64];
        for (int k = 0; k < NV_TEXT_COUNT; k++)
            for (int l = 0; l < 2; l++) {
                const char *t = nv_mapspec_text(spec, (nv_mapspec_text_key)k, (nv_lang)l);
                total += t ? strlen(t) : 0;
            }
        const char *m = nv_mapspec_measure_name(spec, buf, sizeof buf);
        total += m ? strlen(m) : 0;
        unsigned colors[NV_MAPSPEC_MAX_CLASSES];
        int n = spec->classes < 0 ? 0 : spec->classes > NV_MAPSPEC_MAX_CLASSES ? NV_MAPSPEC_MAX_CLASSES : spec->classes;
        total += (size_t)nv_mapspec_palette(spec->palette, n, colors);
        total += strlen(spec->name) + strlen(spec->path);
    } else {
        total += strlen(err.message);
    }
    nv_mapspec_destroy(spec);
    return total == (size_t)-1;
}
