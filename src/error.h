/* error.h — status codes, the error record, and the list of diagnostics.
 *
 * Fallible functions return nv_status (NV_OK = 0) and fill an optional nv_error with
 * the input path, the line or feature, what is wrong and what to do about it. Nothing
 * in the library prints: warnings and row-level problems go into an nv_diags list that
 * the command line decides how to show. */
#ifndef NV_ERROR_H
#define NV_ERROR_H

#include <stddef.h>

/* The values are the process exit statuses the CLI uses. */
typedef enum nv_status {
    NV_OK = 0,
    NV_ERR_FAIL = 1,  /* anything that is not the input's fault: I/O, memory, a library */
    NV_ERR_INPUT = 2  /* bad input: a file, a row, a field, an option */
} nv_status;

/* One error: `path:line: message`. line 0 means "no line" (a whole file or option);
 * a feature of a vector source uses the line for its feature number. */
typedef struct nv_error {
    nv_status code;
    long line;
    char path[1024];
    char message[2048];
} nv_error;

/* Sets *err (if err is not NULL) and returns code. message is printf-style. */
nv_status nv_error_set(nv_error *err, nv_status code, const char *path, long line,
                       const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Formats an error as the CLI shows it: "path:line: message", "path: message" or
 * "message". Writes at most size bytes including the NUL. */
void nv_error_format(const nv_error *err, char *buf, size_t size);

typedef enum nv_severity { NV_WARNING = 1, NV_PROBLEM = 2 } nv_severity;

/* One diagnostic: a warning (the run goes on) or a problem (it makes the run fail with
 * NV_ERR_INPUT). Strings are owned by the list. */
typedef struct nv_diag {
    nv_severity severity;
    long line;
    char *path;
    char *message;
} nv_diag;

typedef struct nv_diags nv_diags;

nv_diags *nv_diags_create(void);
void nv_diags_destroy(nv_diags *d); /* accepts NULL */

/* Appends a diagnostic; d may be NULL (then it is dropped). Out of memory is ignored:
 * diagnostics are best effort, errors travel through nv_status. */
void nv_diags_add(nv_diags *d, nv_severity sev, const char *path, long line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

size_t nv_diags_count(const nv_diags *d);
size_t nv_diags_count_severity(const nv_diags *d, nv_severity sev);
/* Borrowed; valid until the list is destroyed. */
const nv_diag *nv_diags_get(const nv_diags *d, size_t i);

/* What the run is doing, in a few words ("reading the population"): for the one message
 * narvaro can still give when memory runs out inside a library. what must be a static
 * string. Thread-safe; the last setter wins. */
void nv_activity_set(const char *what);
const char *nv_activity(void); /* "starting" before any nv_activity_set */

/* 1 when the process cannot get bytes more of address space (mapped, never touched: it
 * costs no real memory): to tell a library's failure for want of memory from one caused
 * by the input, or to refuse work that a library could not finish without aborting. */
int nv_memory_short(size_t bytes);

/* Bytes of memory the process can still use, about: the least of the system's available
 * memory (MemAvailable), the room left under the address-space limit (ulimit -v) and
 * under the cgroup's limit (memory.max). SIZE_MAX when none of them can be read. For
 * refusing up front work whose memory is known in advance. */
size_t nv_memory_available(void);

/* Makes the libraries' fatal failures call report(what) instead of aborting: out of memory
 * in C++ code (GEOS, PROJ: std::bad_alloc; fatal.cc) and GDAL's CE_Fatal errors (an
 * allocation that failed in CPLMalloc; nv_boundaries_on_fatal). report must not return
 * (the CLI prints and exits 1). For the command line only: a library has no business
 * ending the process. */
#ifdef __cplusplus
extern "C"
#endif
void nv_fatal_install_new_handler(void (*report)(const char *what));

#endif
