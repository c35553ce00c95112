#include "manifest.h"

#include "json.h"

#include "textin.h"

#include <openssl/evp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *role;       /* file role, or the key of a value */
    char *path;       /* NULL for a value */
    char *value;      /* sha256 hex for a file, the value otherwise */
    long long bytes;
} entry;

struct nv_manifest {
    entry *e;
    size_t n, cap;
    char digest[65];
};

nv_manifest *nv_manifest_create(void)
{
    return calloc(1, sizeof(nv_manifest));
}

void nv_manifest_destroy(nv_manifest *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++) {
        free(m->e[i].role);
        free(m->e[i].path);
        free(m->e[i].value);
    }
    free(m->e);
    free(m);
}

static int push(nv_manifest *m, const char *role, const char *path, const char *value, long long bytes)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 16;
        entry *e = realloc(m->e, cap * sizeof *e);
        if (!e)
            return -1;
        m->e = e;
        m->cap = cap;
    }
    entry *e = &m->e[m->n];
    e->role = strdup(role ? role : "");
    e->path = path ? strdup(path) : NULL;
    e->value = strdup(value ? value : "");
    e->bytes = bytes;
    if (!e->role || !e->value || (path && !e->path)) {
        free(e->role);
        free(e->path);
        free(e->value);
        return -1;
    }
    m->n++;
    m->digest[0] = 0;
    return 0;
}

nv_manifest *nv_manifest_copy(const nv_manifest *m)
{
    nv_manifest *c = nv_manifest_create();
    for (size_t i = 0; c && i < m->n; i++)
        if (push(c, m->e[i].role, m->e[i].path, m->e[i].value, m->e[i].bytes) != 0) {
            nv_manifest_destroy(c);
            return NULL;
        }
    return c;
}

static void hex(const unsigned char *d, unsigned n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    out[2 * n] = 0;
}

nv_status nv_sha256_file(const char *path, char out[65], long long *bytes, nv_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot read it to record its checksum: %s", strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    nv_status st = NV_OK;
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    long long total = 0;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        st = nv_error_set(err, NV_ERR_FAIL, path, 0, "OpenSSL cannot start a SHA-256");
        goto done;
    }
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        EVP_DigestUpdate(ctx, buf, got);
        total += (long long)got;
    }
    if (ferror(f)) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot read it to record its checksum: %s", strerror(errno));
        goto done;
    }
    EVP_DigestFinal_ex(ctx, md, &md_len);
    hex(md, md_len, out);
    if (bytes)
        *bytes = total;
done:
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return st;
}

nv_status nv_manifest_add_file(nv_manifest *m, const char *role, const char *path, nv_error *err)
{
    char sum[65];
    long long bytes = 0;
    nv_status st = nv_sha256_file(path, sum, &bytes, err);
    if (st != NV_OK)
        return st;
    if (push(m, role, path, sum, bytes) != 0)
        return nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
    return NV_OK;
}

nv_status nv_manifest_add_hashed(nv_manifest *m, const char *role, const char *path, const char *sha256_hex,
                                 long long bytes)
{
    return push(m, role, path, sha256_hex, bytes) == 0 ? NV_OK : NV_ERR_FAIL;
}

nv_status nv_manifest_add_value(nv_manifest *m, const char *key, const char *value)
{
    return push(m, key, NULL, value, -1) == 0 ? NV_OK : NV_ERR_FAIL;
}

const char *nv_manifest_digest(nv_manifest *m)
{
    if (m->digest[0])
        return m->digest;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned md_len = 0;
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return "";
    }
    /* Each entry as role NUL path NUL value NUL: unambiguous whatever the strings hold.
     * File paths do not count, only their contents: a moved input is the same input. */
    for (size_t i = 0; i < m->n; i++) {
        const entry *e = &m->e[i];
        EVP_DigestUpdate(ctx, e->role, strlen(e->role) + 1);
        EVP_DigestUpdate(ctx, e->path ? "file" : "value", e->path ? 5 : 6);
        EVP_DigestUpdate(ctx, e->value, strlen(e->value) + 1);
    }
    EVP_DigestFinal_ex(ctx, md, &md_len);
    EVP_MD_CTX_free(ctx);
    hex(md, md_len, m->digest);
    return m->digest;
}

/* Appends s JSON-escaped and quoted. */
static void json_str(char **buf, size_t *len, size_t *cap, const char *s);

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    char *b = realloc(*buf, c);
    if (!b)
        return -1;
    *buf = b;
    *cap = c;
    return 0;
}

static void put(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t k = strlen(s);
    if (grow(buf, cap, *len + k + 1) != 0)
        return;
    memcpy(*buf + *len, s, k + 1);
    *len += k;
}

static void json_str(char **buf, size_t *len, size_t *cap, const char *s)
{
    int oom;
    char *fixed = nv_text_utf8_repair(s, &oom); /* a file name in another encoding */
    if (oom)
        return; /* the caller's buffer fails to grow the same way */
    size_t n = nv_json_quote(NULL, 0, fixed ? fixed : s);
    if (grow(buf, cap, *len + n + 1) == 0) {
        nv_json_quote(*buf + *len, n + 1, fixed ? fixed : s);
        *len += n;
    }
    free(fixed);
}

char *nv_manifest_json(nv_manifest *m, int indent)
{
    char *buf = NULL, pad[64], num[32];
    size_t len = 0, cap = 0;
    int i0 = indent < 0 ? 0 : indent > 40 ? 40 : indent;
    memset(pad, ' ', sizeof pad);
    if (grow(&buf, &cap, 1) != 0)
        return NULL;
    buf[0] = 0;
    pad[i0 + 2] = 0;
    put(&buf, &len, &cap, "{\n");
    put(&buf, &len, &cap, pad);
    put(&buf, &len, &cap, "\"digest\": ");
    json_str(&buf, &len, &cap, nv_manifest_digest(m));
    put(&buf, &len, &cap, ",\n");
    put(&buf, &len, &cap, pad);
    put(&buf, &len, &cap, "\"values\": {");
    int first = 1;
    for (size_t i = 0; i < m->n; i++) {
        if (m->e[i].path)
            continue;
        put(&buf, &len, &cap, first ? "\n" : ",\n");
        put(&buf, &len, &cap, pad);
        put(&buf, &len, &cap, "  ");
        json_str(&buf, &len, &cap, m->e[i].role);
        put(&buf, &len, &cap, ": ");
        json_str(&buf, &len, &cap, m->e[i].value);
        first = 0;
    }
    put(&buf, &len, &cap, first ? "},\n" : "\n");
    if (!first) {
        put(&buf, &len, &cap, pad);
        put(&buf, &len, &cap, "},\n");
    }
    put(&buf, &len, &cap, pad);
    put(&buf, &len, &cap, "\"files\": [");
    first = 1;
    for (size_t i = 0; i < m->n; i++) {
        if (!m->e[i].path)
            continue;
        put(&buf, &len, &cap, first ? "\n" : ",\n");
        put(&buf, &len, &cap, pad);
        put(&buf, &len, &cap, "  {\"role\": ");
        json_str(&buf, &len, &cap, m->e[i].role);
        put(&buf, &len, &cap, ", \"path\": ");
        json_str(&buf, &len, &cap, m->e[i].path);
        snprintf(num, sizeof num, ", \"bytes\": %lld", m->e[i].bytes);
        put(&buf, &len, &cap, num);
        put(&buf, &len, &cap, ", \"sha256\": ");
        json_str(&buf, &len, &cap, m->e[i].value);
        put(&buf, &len, &cap, "}");
        first = 0;
    }
    put(&buf, &len, &cap, first ? "]\n" : "\n");
    if (!first) {
        put(&buf, &len, &cap, pad);
        put(&buf, &len, &cap, "]\n");
    }
    pad[i0] = 0;
    put(&buf, &len, &cap, pad);
    put(&buf, &len, &cap, "}");
    return buf;
}
