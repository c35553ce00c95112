/* Comparing two plans' results: the five change classes, people moving beyond a radius,
 * the ranking of losses, and refusal of results on different boundaries. */
#include "compare.h"
#include "nv_test.h"

static nv_muni_result muni(const char *code, const char *presence, nv_presence_rank rank, int offices,
                           double km, double pop, double within10, double mean_km)
{
    nv_muni_result m;
    memset(&m, 0, sizeof m);
    m.kommunkod = code;
    m.namn = code;
    m.lanskod = "99";
    m.presence = presence;
    m.presence_rank = rank;
    m.offices = offices;
    m.nearest_office_km = km;
    m.pop.population = pop;
    m.pop.within[0] = within10;
    m.pop.mean_distance_km = mean_km;
    return m;
}

int main(void)
{
    nv_radii radii = {1, {10}};
    nv_muni_result before[5] = {
        muni("0001", "staffed", NV_PRESENCE_STAFFED, 1, 2.0, 1000, 1000, 2.0),
        muni("0002", "none", NV_PRESENCE_NONE, 0, 20.0, 500, 0, 20.0),
        muni("0003", "booked", NV_PRESENCE_BOOKED, 1, 1.0, 300, 300, 1.0),
        muni("0004", "none", NV_PRESENCE_NONE, 0, 30.0, 200, 0, 30.0),
        muni("0005", "none", NV_PRESENCE_NONE, 0, 8.0, 100, 100, 8.0),
    };
    nv_muni_result after[5] = {
        muni("0001", "none", NV_PRESENCE_NONE, 0, 15.0, 1000, 0, 15.0),      /* lost: 1000 beyond 10 km */
        muni("0002", "none", NV_PRESENCE_NONE, 0, 25.0, 500, 0, 25.0),       /* longer */
        muni("0003", "staffed", NV_PRESENCE_STAFFED, 2, 1.0, 300, 300, 1.0), /* upgraded: same class */
        muni("0004", "staffed", NV_PRESENCE_STAFFED, 1, 3.0, 200, 200, 3.0), /* gained */
        muni("0005", "none", NV_PRESENCE_NONE, 0, 8.0004, 100, 100, 8.0004), /* below a metre: unchanged */
    };
    nv_change ch[5];
    nv_compare_totals t;
    nv_error e = {0};
    NV_CHECK_INT(nv_compare_municipalities(before, after, 5, &radii, ch, &t, &e), NV_OK);
    NV_CHECK_STR(nv_change_class_name(ch[0].cls), "lost_presence");
    NV_CHECK_STR(nv_change_class_name(ch[1].cls), "longer");
    NV_CHECK_STR(nv_change_class_name(ch[2].cls), "unchanged");
    NV_CHECK_STR(nv_change_class_name(ch[3].cls), "gained_presence");
    NV_CHECK_STR(nv_change_class_name(ch[4].cls), "unchanged");
    NV_CHECK(ch[2].changed);  /* offices and presence type changed */
    NV_CHECK(!ch[4].changed);
    NV_CHECK_NEAR(ch[0].beyond_added[0], 1000, 0);
    NV_CHECK_NEAR(ch[3].within_added[0], 200, 0);
    NV_CHECK_NEAR(ch[0].person_km_added, 13000, 1e-9);
    NV_CHECK_INT(t.losing_presence, 1);
    NV_CHECK_INT(t.gaining_presence, 1);
    NV_CHECK_INT(t.longer, 1);
    NV_CHECK_INT(t.unchanged, 2);
    NV_CHECK_INT(t.changed, 4);
    NV_CHECK_NEAR(t.beyond_added[0], 1000, 0);
    NV_CHECK_NEAR(t.within_added[0], 200, 0);

    size_t order[5];
    size_t k = nv_compare_ranking(ch, 5, &radii, order);
    NV_CHECK_INT(k, 2); /* 0001 and 0002; 0005's 0.4 m is below the metre */
    NV_CHECK_STR(ch[order[0]].before->kommunkod, "0001"); /* 13000 person-km */
    NV_CHECK_STR(ch[order[1]].before->kommunkod, "0002"); /* 2500 */

    after[2].kommunkod = "0033";
    NV_CHECK_INT(nv_compare_municipalities(before, after, 5, &radii, ch, &t, &e), NV_ERR_INPUT);
    NV_CHECK_CONTAINS(e.message, "same municipalities");
    return nv_test_report("test_compare");
}
