/* nv_test.h — a minimal assertion kit for the unit tests: each failed check prints
 * file:line and the values, the test keeps going, and main returns non-zero. */
#ifndef NV_TEST_H
#define NV_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int nv_test_failures;
extern int nv_test_checks;

#define NV_CHECK(cond) do { nv_test_checks++; if (!(cond)) { nv_test_failures++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define NV_CHECK_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); nv_test_checks++; \
    if (a_ != b_) { nv_test_failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
    __FILE__, __LINE__, #a, a_, #b, b_); } } while (0)
#define NV_CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); nv_test_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { nv_test_failures++; fprintf(stderr, \
    "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define NV_CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); nv_test_checks++; \
    if (!(fabs(a_ - b_) <= (tol))) { nv_test_failures++; fprintf(stderr, \
    "%s:%d: %s = %.9g, expected %.9g within %g\n", __FILE__, __LINE__, #a, a_, b_, (double)(tol)); } } while (0)
#define NV_CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); nv_test_checks++; \
    if (!h_ || !strstr(h_, n_)) { nv_test_failures++; fprintf(stderr, \
    "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); } } while (0)

/* Returns the exit status for main: prints a one-line tally. */
int nv_test_report(const char *name);

/* Path of a file under ../shared (NARVARO_DATA) or tests/data (NV_TEST_DATA); static buffer. */
const char *nv_test_shared(const char *rel);
const char *nv_test_data(const char *rel);

#endif
