/* mapinfo.c — the JSON description of a map. */
#include "mapinfo.h"

#include "json.h"
#include "outdir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void json_string(FILE *f, const char *s)
{
    nv_json_fputs(f, s ? s : "");
}

static void json_rect(FILE *f, const double *b)
{
    fprintf(f, "[%.3f, %.3f, %.3f, %.3f]", b[0], b[1], b[2], b[3]);
}

/* The map's name, format, size, transform, county, language, measure and limits. */
static void json_head(FILE *f, const nv_page *r, const nv_render_info *in)
{
    fprintf(f, "{\n  \"map\": ");
    json_string(f, r->s->name);
    static const char *const methods[] = {"fixed", "quantile", "jenks"};
    fprintf(f, ",\n  \"format\": \"%s\",\n  \"units\": \"%s\",\n", nv_render_format_ext(in->format),
            in->format == NV_FORMAT_PNG ? "px" : "pt");
    fprintf(f, "  \"width\": %.3f,\n  \"height\": %.3f,\n  \"dpi\": %.3f,\n", in->width, in->height, in->dpi);
    fprintf(f, "  \"crs\": ");
    json_string(f, r->d->crs);
    fprintf(f, ",\n  \"transform\": {\"scale\": %.12g, \"x_offset\": %.6f, \"y_offset\": %.6f},\n", in->scale,
            in->x_offset, in->y_offset);
    fprintf(f, "  \"county\": ");
    if (r->county >= 0)
        json_string(f, r->d->c[r->county].lanskod);
    else
        fprintf(f, "null");
    char measure[64];
    fprintf(f, ",\n  \"lang\": \"%s\",\n  \"measure\": \"%s\",\n  \"plan\": \"%s\",\n",
            r->lang == NV_LANG_EN ? "en" : "sv", nv_mapspec_measure_name(r->s, measure, sizeof measure),
            r->s->plan == NV_PLAN_BOTH ? "both" : r->s->plan == NV_PLAN_BEFORE ? "before" : "after");
    fprintf(f, "  \"breaks_method\": \"%s\",\n  \"breaks_km\": [", methods[r->method]);
    for (size_t i = 0; i < in->n_breaks; i++)
        fprintf(f, "%s%.17g", i ? ", " : "", in->breaks_km[i]); /* exact: jenks limits are data values */
}

/* The classes and symbols with their counts and legend swatches. */
static void json_legend(FILE *f, const nv_render_info *in)
{
    fprintf(f, "],\n  \"classes\": [");
    for (size_t i = 0; i < in->n_classes; i++) {
        const nv_render_class *c = &in->classes[i];
        fprintf(f, "%s\n    {\"key\": ", i ? "," : "");
        json_string(f, c->key);
        fprintf(f, ", \"label\": ");
        json_string(f, c->label);
        fprintf(f, ", \"color\": \"#%06x\", \"count\": %d, ", c->color, c->count);
        if (in->n_panels)
            fprintf(f, "\"count_before\": %d, ", c->count_before);
        fprintf(f, "\"swatch\": ");
        json_rect(f, c->swatch);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"symbols\": [");
    for (size_t i = 0; i < in->n_symbols; i++) {
        const nv_render_symbol *s = &in->symbols[i];
        fprintf(f, "%s\n    {\"type\": \"%s\", \"count\": %d, ", i ? "," : "", s->type, s->count);
        if (in->n_panels)
            fprintf(f, "\"count_before\": %d, ", s->count_before);
        fprintf(f, "\"fill\": \"#%06x\", \"stroke\": \"#%06x\", \"radius\": %.3f, \"swatch\": ", s->fill,
                s->stroke, s->radius);
        json_rect(f, s->swatch);
        fprintf(f, "}");
    }
}

/* The panel, the frame, the two panels of plan = both and the names' boxes. */
static void json_frames(FILE *f, const nv_page *r, const nv_render_info *in)
{
    fprintf(f, "\n  ],\n  \"panel\": ");
    json_rect(f, in->panel);
    fprintf(f, ",\n  \"frame\": ");
    json_rect(f, in->frame);
    fprintf(f, ",\n  \"panels\": [");
    for (size_t i = 0; i < in->n_panels; i++) {
        const nv_render_panel *p = &in->panels[i];
        fprintf(f, "%s\n    {\"plan\": \"%s\", \"label\": ", i ? "," : "", p->plan);
        json_string(f, p->label);
        fprintf(f, ", \"transform\": {\"scale\": %.12g, \"x_offset\": %.6f, \"y_offset\": %.6f}, \"offices\": %d, "
                   "\"frame\": ", p->scale, p->x_offset, p->y_offset, p->offices);
        json_rect(f, p->frame);
        fprintf(f, "}");
    }
    fprintf(f, "%s]", in->n_panels ? "\n  " : "");
    fprintf(f, ",\n  \"label_boxes\": [");
    for (int i = 0; r->label_boxes && i < r->labels_placed; i++) {
        double b[4];
        for (int k = 0; k < 4; k++)
            b[k] = r->label_boxes[4 * i + k] * (in->format == NV_FORMAT_PNG ? in->dpi / 72 : 1);
        fprintf(f, "%s", i ? ", " : "");
        json_rect(f, b);
    }
    fprintf(f, "]");
}

nv_status nv_mapinfo_write(const char *path, const nv_page *r, const nv_render_info *in, const char *title,
                           nv_error *err)
{
    nv_outfile of;
    nv_status st = nv_outfile_begin(&of, path, err);
    if (st != NV_OK)
        return st;
    FILE *f = fopen(of.write_path, "w");
    if (!f) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the map description: %s", strerror(errno));
        nv_outfile_abort(&of, err);
        return st;
    }
    json_head(f, r, in);
    json_legend(f, in);
    json_frames(f, r, in);
    fprintf(f, ",\n  \"municipalities\": %d,\n  \"offices\": %d,\n  \"labels\": %d,\n  \"labels_wanted\": %d,\n",
            in->municipalities, in->offices, in->labels, in->labels_wanted);
    fprintf(f, "  \"title\": ");
    json_string(f, title);
    fprintf(f, ",\n  \"source\": ");
    json_string(f, r->source);
    fprintf(f, ",\n  \"illustrative\": %s,\n  \"date\": \"%s\"\n}\n", in->illustrative ? "true" : "false", in->date);
    if (ferror(f) | (fclose(f) != 0)) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "cannot write the map description: %s", strerror(errno));
        nv_outfile_abort(&of, err);
        return st;
    }
    return nv_outfile_commit(&of, err);
}
