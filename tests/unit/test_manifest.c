/* The manifest: SHA-256 as sha256sum computes it, and a digest that changes when an
 * input byte or an option changes, and not otherwise (not when the file moves). */
#include "manifest.h"
#include "nv_test.h"

#include <stdlib.h>
#include <unistd.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    fputs(text, f);
    fclose(f);
}

static char *digest_of(const char *plan, const char *option)
{
    nv_manifest *m = nv_manifest_create();
    nv_error e = {0};
    nv_manifest_add_value(m, "narvaro", "0.1.0");
    nv_manifest_add_value(m, "snap_km", option);
    NV_CHECK_INT(nv_manifest_add_file(m, "plan", plan, &e), NV_OK);
    char *d = strdup(nv_manifest_digest(m));
    nv_manifest_destroy(m);
    return d;
}

int main(void)
{
    char dir[] = "/tmp/nv-manifest-XXXXXX";
    NV_CHECK(mkdtemp(dir) != NULL);
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);

    write_file(a, "abc");
    char sum[65];
    long long bytes = 0;
    nv_error e = {0};
    NV_CHECK_INT(nv_sha256_file(a, sum, &bytes, &e), NV_OK);
    /* printf abc | sha256sum */
    NV_CHECK_STR(sum, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    NV_CHECK_INT(bytes, 3);

    write_file(a, "office_id,lat,lon\nA,59.5,17.9\n");
    char *d1 = digest_of(a, "2");
    char *d2 = digest_of(a, "2");
    NV_CHECK_STR(d1, d2);                           /* same inputs, same digest */
    write_file(b, "office_id,lat,lon\nA,59.5,17.9\n");
    char *moved = digest_of(b, "2");
    NV_CHECK_STR(moved, d1);                        /* a copy elsewhere is the same input */
    write_file(a, "office_id,lat,lon\nA,59.5,17.8\n");
    char *changed = digest_of(a, "2");
    NV_CHECK(strcmp(changed, d1) != 0);             /* one byte changed */
    char *option = digest_of(b, "3");
    NV_CHECK(strcmp(option, d1) != 0);              /* an option changed */
    NV_CHECK_INT(strlen(d1), 64);

    nv_manifest *m = nv_manifest_create();
    nv_manifest_add_value(m, "crs", "EPSG:3006");
    NV_CHECK_INT(nv_manifest_add_file(m, "plan", b, &e), NV_OK);
    NV_CHECK_INT(nv_manifest_add_file(m, "plan", "/nonexistent/plan.csv", &e), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "No such file");
    nv_manifest *c = nv_manifest_copy(m);
    NV_CHECK_STR(nv_manifest_digest(c), nv_manifest_digest(m));
    char *json = nv_manifest_json(m, 2);
    NV_CHECK_CONTAINS(json, "\"crs\": \"EPSG:3006\"");
    NV_CHECK_CONTAINS(json, "\"role\": \"plan\"");
    NV_CHECK_CONTAINS(json, "\"bytes\": 30");
    NV_CHECK_CONTAINS(json, nv_manifest_digest(m));
    free(json);
    nv_manifest_destroy(c);
    nv_manifest_destroy(m);
    nv_manifest_destroy(NULL);
    free(d1), free(d2), free(moved), free(changed), free(option);
    unlink(a);
    unlink(b);
    rmdir(dir);
    return nv_test_report("test_manifest");
}
