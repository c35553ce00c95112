/* The one JSON escaper: quoting, control characters, truncation as snprintf, NULL. */
#include "json.h"
#include "nv_test.h"

#include <stdlib.h>
#include <string.h>

static void json_quote_escapes_quotes_backslashes_and_controls(void)
{
    char buf[64];
    size_t n = nv_json_quote(buf, sizeof buf, "a\"b\\c\n\x01 Växjö");
    NV_CHECK_STR(buf, "\"a\\\"b\\\\c\\u000a\\u0001 Växjö\"");
    NV_CHECK(n == strlen(buf));
    NV_CHECK(nv_json_quote(buf, sizeof buf, NULL) == 4);
    NV_CHECK_STR(buf, "null");
}

static void json_quote_measures_and_truncates_as_snprintf(void)
{
    char small[5];
    size_t need = nv_json_quote(NULL, 0, "Kiruna");
    NV_CHECK(need == 8);
    NV_CHECK(nv_json_quote(small, sizeof small, "Kiruna") == 8);
    NV_CHECK_STR(small, "\"Kir");
}

static void json_fputs_writes_the_same_text(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nv_json_fputs(f, "tab\there \"q\"");
    fputc(' ', f);
    nv_json_fputs(f, NULL);
    fclose(f);
    char want[64];
    nv_json_quote(want, sizeof want, "tab\there \"q\"");
    strcat(want, " null");
    NV_CHECK_STR(text, want);
    free(text);
}

static void json_script_strings_cannot_end_the_script_element(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    nv_json_fputs_script(f, "</script><!-- & \xe2\x80\xa8 Luleå");
    fclose(f);
    NV_CHECK_STR(text, "\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028 Luleå\"");
    free(text);
}

int main(void)
{
    json_quote_escapes_quotes_backslashes_and_controls();
    json_quote_measures_and_truncates_as_snprintf();
    json_fputs_writes_the_same_text();
    json_script_strings_cannot_end_the_script_element();
    return nv_test_report("test_json");
}
