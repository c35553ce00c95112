/* Shared CSV text helpers: the number parser's fast path must give exactly strtod's
 * double, and both paths must refuse what is not a plain decimal. */
#include "nv_test.h"
#include "textin.h"

#include <stdlib.h>

static int parses(const char *s, double *v)
{
    return nv_text_parse_number(s, strlen(s), v);
}

int main(void)
{
    double v = 0;
    NV_CHECK(parses("59.521324", &v) && v == strtod("59.521324", NULL));
    NV_CHECK(parses("59,521324", &v) && v == strtod("59.521324", NULL));
    NV_CHECK(parses("-17.5", &v) && v == -17.5);
    NV_CHECK(parses("+3", &v) && v == 3);
    NV_CHECK(parses("6580743.0083", &v) && v == strtod("6580743.0083", NULL));
    NV_CHECK(parses("1e3", &v) && v == 1000);             /* slow path */
    NV_CHECK(parses("1234567890.1234567", &v) && v == strtod("1234567890.1234567", NULL));
    NV_CHECK(parses(".5", &v) && v == 0.5);
    NV_CHECK(parses("5.", &v) && v == 5);
    NV_CHECK(!parses("", &v));
    NV_CHECK(!parses("-", &v));
    NV_CHECK(!parses("59.5x", &v));
    NV_CHECK(!parses("1.234,5", &v));
    NV_CHECK(!parses("1 000", &v));
    NV_CHECK(!parses("nan", &v));
    NV_CHECK(!parses("inf", &v));
    NV_CHECK(!parses("0x10", &v));
    /* Not NUL-terminated: only n bytes count. */
    NV_CHECK(nv_text_parse_number("12.5;99", 4, &v) && v == 12.5);

    /* Random decimals as a CSV would hold them: fast path equals strtod bit for bit. */
    unsigned s = 12345;
    int differ = 0;
    for (int i = 0; i < 200000; i++) {
        char buf[40];
        s = s * 1103515245u + 12345u;
        unsigned a = s >> 4;
        s = s * 1103515245u + 12345u;
        int decimals = (int)(s >> 28) % 8;
        snprintf(buf, sizeof buf, "%s%u.%0*u", (s & 1) ? "-" : "", a % 8000000u, decimals,
                 decimals ? (s >> 5) % (unsigned)(decimals == 1 ? 10 : decimals == 2 ? 100 : decimals == 3 ? 1000 : 10000) : 0u);
        double want = strtod(buf, NULL), got = NAN;
        differ += !parses(buf, &got) || got != want;
    }
    NV_CHECK_INT(differ, 0);

    NV_CHECK_INT(nv_text_detect_delimiter("a;b;c\n1,5;2;3\n", 14), ';');
    NV_CHECK_INT(nv_text_detect_delimiter("\n\"a;b\",c,d\n", 11), ',');
    NV_CHECK_INT(nv_text_detect_delimiter("a\tb\n", 4), '\t');
    /* Fed in pieces, a byte at a time, the detection finds what it finds whole: after blank
     * lines (whose TABs do not count), over a quoted line break, at the end of the text. */
    static const char *const pieces[] = {"a;b;c\n1,5;2;3\n", "\n\"a;b\",c,d\n", " \t\n\t \n\ta;b\n",
                                         "\"a\nb;c\";d,e\n1,2", "\t\t", "\r\n  \r", "x,\"y;\rz;\"\r"};
    for (size_t t = 0; t < sizeof pieces / sizeof *pieces; t++) {
        nv_text_delim_scan d = {0};
        size_t n = strlen(pieces[t]);
        for (size_t i = 0; i < n; i++)
            nv_text_delim_feed(&d, pieces[t] + i, 1);
        NV_CHECK_INT(nv_text_delim_result(&d), nv_text_detect_delimiter(pieces[t], n));
    }
    nv_text_encoding e;
    NV_CHECK(nv_text_encoding_from_name("windows-1252", &e) && e == NV_TEXT_CP1252);
    NV_CHECK(nv_text_encoding_from_name("utf8", &e) && e == NV_TEXT_UTF8);
    NV_CHECK(!nv_text_encoding_from_name("EBCDIC", &e));
    const unsigned char cp[] = {'F', 'o', 'l', 'k', 'm', 0xE4, 'n', 'g', 'd'};
    size_t len = 0;
    char *u = nv_text_cp1252_to_utf8(cp, sizeof cp, &len);
    NV_CHECK_STR(u, "Folkmängd");
    NV_CHECK_INT(nv_text_utf8_invalid_at(cp, sizeof cp), 5);
    nv_text_lower_utf8(u);
    NV_CHECK_STR(u, "folkmängd");
    free(u);
    char t[] = "  ÅÄÖ Län \r\n";
    nv_text_lower_utf8(nv_text_trim(t));
    NV_CHECK_STR(t, "åäö län");

    /* utf8_repair: valid text is left alone, stray bytes are read as Windows-1252. */
    int oom = 1;
    NV_CHECK(nv_text_utf8_repair("Södertälje", &oom) == NULL && oom == 0);
    char *fixed = nv_text_utf8_repair("plan-G\xf6teborg \xe2\x82\xac \x80.csv", &oom);
    NV_CHECK_STR(fixed, "plan-Göteborg € €.csv");
    free(fixed);
    fixed = nv_text_utf8_repair("\xc3", &oom); /* a sequence cut short */
    NV_CHECK_STR(fixed, "Ã");
    free(fixed);
    return nv_test_report("test_textin");
}
