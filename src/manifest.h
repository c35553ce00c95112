/* manifest.h — what a run depended on, so that a result can be trusted and a batch can
 * tell what needs to run again: narvaro's and the libraries' versions, the options, and
 * the SHA-256 (OpenSSL) of every input file. The manifest's own digest changes when any
 * of these changes, and not otherwise. */
#ifndef NV_MANIFEST_H
#define NV_MANIFEST_H

#include "error.h"

#include <stddef.h>

typedef struct nv_manifest nv_manifest;

nv_manifest *nv_manifest_create(void);          /* NULL when out of memory */
void nv_manifest_destroy(nv_manifest *m);        /* accepts NULL */

/* Records an input file: its role ("boundaries", "plan", "population", …), path, size
 * and SHA-256. NV_ERR_INPUT when it cannot be read. */
nv_status nv_manifest_add_file(nv_manifest *m, const char *role, const char *path, nv_error *err);

/* Records an input file whose SHA-256 (hex) and size are already known. */
nv_status nv_manifest_add_hashed(nv_manifest *m, const char *role, const char *path, const char *sha256_hex,
                                 long long bytes);

/* Records a value that is not a file (an option, a version, a PostGIS connection). */
nv_status nv_manifest_add_value(nv_manifest *m, const char *key, const char *value);

/* A copy of m (for one plan of a batch on top of the shared inputs). */
nv_manifest *nv_manifest_copy(const nv_manifest *m);

/* The digest over everything recorded, as 64 lower-case hex digits (static storage in
 * the manifest, valid until it changes). Entries count in the order they were added. */
const char *nv_manifest_digest(nv_manifest *m);

/* The manifest as a JSON object (no trailing newline), indented by indent spaces;
 * caller frees. NULL when out of memory. */
char *nv_manifest_json(nv_manifest *m, int indent);

/* SHA-256 of a file as hex into out[65]. NV_ERR_INPUT when it cannot be read. */
nv_status nv_sha256_file(const char *path, char out[65], long long *bytes, nv_error *err);

#endif
