/* test_rules.c — the rule parser and evaluator on a hand-made table of four rows. */
#include "rules.h"

#include "nv_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char table_path[256];

static nv_rtable *table(void)
{
    static const char *const tiers[] = {"staffed", "booked", "cooperation"};
    snprintf(table_path, sizeof table_path, "/tmp/nv-test-rules-%ld.csv", (long)getpid());
    FILE *f = fopen(table_path, "w");
    fputs("kommunkod,namn,presence,nearest_office_km,offices,note\n"
          "0114,Upplands Väsby,staffed,0.9,1,\n"
          "0115,\"Vallentuna, norra\",booked,9.8,1,ja\n"
          "0512,Ydre,cooperation,31.5,0,\"sa \"\"ja\"\"\"\n"
          "2584,Kiruna,none,,0,nej\n", f);
    fclose(f);
    nv_rtable *t = NULL;
    nv_error e = {0};
    NV_CHECK_INT(nv_rtable_read(table_path, "kommunkod", tiers, 3, &t, &e), NV_OK);
    return t;
}

/* Which of the four rows hold, as a string of 0/1; "E" when the rule does not parse. */
static const char *holds(const nv_rtable *t, const char *expr, nv_error *e)
{
    static char out[8];
    nv_rule *r = NULL;
    if (nv_rule_parse(NULL, expr, t, &r, e) != NV_OK)
        return "E";
    for (size_t i = 0; i < 4; i++)
        out[i] = nv_rule_holds(r, t, i) ? '1' : '0';
    out[4] = '\0';
    nv_rule_destroy(r);
    return out;
}

int main(void)
{
    nv_error e = {0};
    nv_rtable *t = table();
    if (!t)
        return nv_test_report("test_rules");
    NV_CHECK_INT(nv_rtable_rows(t), 4);
    NV_CHECK_STR(nv_rtable_name(t, 1), "Vallentuna, norra");
    NV_CHECK_STR(nv_rtable_cell(t, 2, 5), "sa \"ja\"");
    /* Tiers by rank, bare or quoted; "none" is the lowest. */
    NV_CHECK_STR(holds(t, "presence >= booked", &e), "1100");
    NV_CHECK_STR(holds(t, "presence > none", &e), "1110");
    NV_CHECK_STR(holds(t, "presence == \"none\"", &e), "0001");
    NV_CHECK_STR(holds(t, "presence < staffed and presence != none", &e), "0110");
    /* Numbers, an empty cell (no value: comparisons false), arithmetic, precedence. */
    NV_CHECK_STR(holds(t, "nearest_office_km <= 10", &e), "1100");
    NV_CHECK_STR(holds(t, "not (nearest_office_km <= 10)", &e), "0011");
    NV_CHECK_STR(holds(t, "nearest_office_km * 2 - 1 > 19", &e), "0010");
    NV_CHECK_STR(holds(t, "1 + 2 * 3 == 7 and -offices < 0", &e), "1100");
    NV_CHECK_STR(holds(t, "offices == 0 or presence == staffed and offices == 5", &e), "0011");
    NV_CHECK_STR(holds(t, "nearest_office_km / 0 > 1", &e), "0000");
    /* Text; codes stay text. */
    NV_CHECK_STR(holds(t, "note == 'ja' OR kommunkod == \"2584\"", &e), "0101");
    NV_CHECK_STR(holds(t, "note == \"\"", &e), "1000");
    /* Errors with their position. */
    NV_CHECK_STR(holds(t, "presence >= bookd", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 13: unknown name 'bookd'");
    NV_CHECK_CONTAINS(e.message, "the tiers are: staffed, booked, cooperation, none");
    NV_CHECK_STR(holds(t, "offices > 'x'", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 9: cannot compare a number with text");
    NV_CHECK_STR(holds(t, "offices and 1", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 1: 'and' needs a condition here, not a number");
    NV_CHECK_STR(holds(t, "offices > 1 offices", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 13: expected and, or, or the end");
    NV_CHECK_STR(holds(t, "note == \"open", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 9: the string is never closed");
    NV_CHECK_STR(holds(t, "", &e), "E");
    NV_CHECK_CONTAINS(e.message, "the rule is empty");
    NV_CHECK_STR(holds(t, "offices > 0 && offices < 2", &e), "E");
    NV_CHECK_CONTAINS(e.message, "position 13: '&' is no operator");
    nv_rtable_destroy(t);
    unlink(table_path);
    return nv_test_report("test_rules");
}
