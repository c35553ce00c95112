#include "error.h"
#include "nv_test.h"

int main(void)
{
    nv_error e = {0};
    char buf[256];
    NV_CHECK_INT(nv_error_set(&e, NV_ERR_INPUT, "plan.csv", 17, "latitude %.1f is outside -90..90", 191.2), NV_ERR_INPUT);
    nv_error_format(&e, buf, sizeof buf);
    NV_CHECK_STR(buf, "plan.csv:17: latitude 191.2 is outside -90..90");
    nv_error_set(&e, NV_ERR_INPUT, "plan.csv", 0, "empty file");
    nv_error_format(&e, buf, sizeof buf);
    NV_CHECK_STR(buf, "plan.csv: empty file");

    nv_diags *d = nv_diags_create();
    nv_diags_add(d, NV_WARNING, "a.csv", 3, "snapped %d m", 120);
    nv_diags_add(d, NV_PROBLEM, "a.csv", 4, "bad");
    NV_CHECK_INT(nv_diags_count(d), 2);
    NV_CHECK_INT(nv_diags_count_severity(d, NV_PROBLEM), 1);
    NV_CHECK_STR(nv_diags_get(d, 0)->message, "snapped 120 m");
    NV_CHECK(nv_diags_get(d, 2) == NULL);
    nv_diags_destroy(d);
    nv_diags_destroy(NULL);
    return nv_test_report("test_error");
}
