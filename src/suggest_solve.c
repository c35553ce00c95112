/* suggest_solve.c — the search of narvaro suggest on the model suggest.c builds (see
 * suggest.h and suggest_int.h): greedy plus swap (interchange) local search, GLPK's
 * branch and bound warm-started from it (the LP from the heuristic plan's basis), the
 * Lagrangian bound when GLPK gives none, the tie-break, and the alternatives. Values are
 * in the model's unit: people (covering), person-km saved (p-median) or sites (cover). */
#include "suggest_int.h"

#include <glpk.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---------------------------------------------------------------- heuristics */

/* The objective of the free part: people in covered sets (maximal covering), or the
 * number of open sites (set cover; INFINITY when a coverable set is left uncovered). */
double nv_suggest_evaluate(const nv_suggestion *g, const unsigned char *open, int *cnt)
{
    memset(cnt, 0, (g->nset ? g->nset : 1) * sizeof *cnt);
    int sites = 0;
    for (size_t j = 0; j < g->n_free; j++) {
        if (!open[j])
            continue;
        sites++;
        for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
            cnt[g->var_set[k]]++;
    }
    if (g->o.mode == NV_SUGGEST_COVER) {
        for (size_t s = 0; s < g->nset; s++)
            if (!cnt[s])
                return INFINITY;
        return sites;
    }
    double v = 0;
    for (size_t s = 0; s < g->nset; s++)
        if (cnt[s])
            v += g->set_w[s];
    return v;
}

static void open_var(const nv_suggestion *g, unsigned char *open, int *cnt, size_t j, int delta)
{
    open[j] = delta > 0;
    for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
        cnt[g->var_set[k]] += delta;
}

/* gain[j] for every closed j: people in sets no open site covers that j would cover. */
static void gains(const nv_suggestion *g, const unsigned char *open, const int *cnt, double *gain)
{
    for (size_t j = 0; j < g->n_free; j++)
        gain[j] = 0;
    for (size_t s = 0; s < g->nset; s++)
        if (!cnt[s])
            for (size_t k = g->set_off[s]; k < g->set_off[s + 1]; k++)
                gain[g->set_var[k]] += g->set_w[s];
    for (size_t j = 0; j < g->n_free; j++)
        if (open[j])
            gain[j] = -1;
}

/* A plan the search must not return: one that, site for site, reaches what an earlier
 * plan reaches (sites reaching exactly the same demand points count as one, so that an
 * alternative is a different plan for the people, not a neighbouring village); for set
 * cover also one that contains such a plan. */
static int forbidden(const nv_suggestion *g, const unsigned char *open)
{
    for (size_t i = 0; i < g->n_sols; i++) {
        const plan_sol *p = &g->sols[i];
        int in = 0;
        for (size_t j = 0; j < g->n_free; j++)
            in += open[j] && p->mark[j];
        if (in >= p->m)
            return 1;
    }
    return 0;
}

static const nv_suggestion *class_base;
static int cmp_var_sets(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    const nv_suggestion *g = class_base;
    size_t la = g->var_off[a + 1] - g->var_off[a], lb = g->var_off[b + 1] - g->var_off[b];
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = memcmp(&g->var_set[g->var_off[a]], &g->var_set[g->var_off[b]], la * sizeof(int));
    if (c)
        return c;
    return (a > b) - (a < b);
}

/* var_class: free sites with the same sets share the lowest number among them. */
int nv_suggest_build_classes(nv_suggestion *g)
{
    size_t n = g->n_free;
    int *order = malloc((n ? n : 1) * sizeof *order);
    g->var_class = malloc((n ? n : 1) * sizeof *g->var_class);
    if (!order || !g->var_class) {
        free(order);
        return -1;
    }
    for (size_t j = 0; j < n; j++)
        order[j] = (int)j;
    class_base = g;
    qsort(order, n, sizeof *order, cmp_var_sets);
    for (size_t k = 0; k < n; k++) {
        int j = order[k];
        int same = k > 0 &&
                   g->var_off[j + 1] - g->var_off[j] == g->var_off[order[k - 1] + 1] - g->var_off[order[k - 1]] &&
                   memcmp(&g->var_set[g->var_off[j]], &g->var_set[g->var_off[order[k - 1]]],
                          (g->var_off[j + 1] - g->var_off[j]) * sizeof(int)) == 0;
        g->var_class[j] = same ? g->var_class[order[k - 1]] : j;
    }
    free(order);
    return 0;
}

/* Greedy for maximal covering: add the best site P times, or (when most sites stay open)
 * start with all and drop the least useful. Ties: the lowest-numbered site. */
static void greedy_maxcov(const nv_suggestion *g, unsigned char *open, int *cnt, double *gain)
{
    size_t n = g->n_free, P = (size_t)g->p_open;
    memset(open, 0, n ? n : 1);
    if (P * 2 <= n) {
        nv_suggest_evaluate(g, open, cnt);
        for (size_t step = 0; step < P; step++) {
            gains(g, open, cnt, gain);
            size_t best = n;
            for (size_t j = 0; j < n; j++)
                if (!open[j] && (best == n || gain[j] > gain[best]))
                    best = j;
            if (best < n)
                open_var(g, open, cnt, best, +1);
        }
        return;
    }
    memset(open, 1, n);
    nv_suggest_evaluate(g, open, cnt);
    for (size_t step = 0; step < n - P; step++) {
        size_t best = n;
        double best_loss = INFINITY;
        for (size_t j = 0; j < n; j++) {
            if (!open[j])
                continue;
            double loss = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (cnt[g->var_set[k]] == 1)
                    loss += g->set_w[g->var_set[k]];
            if (loss < best_loss)
                best_loss = loss, best = j;
        }
        if (best < n)
            open_var(g, open, cnt, best, -1);
    }
}

/* Swap (interchange) local search: close one open site, open the best closed one, while
 * that gains people and the plan is not forbidden. Returns the value. */
static double swap_maxcov(const nv_suggestion *g, unsigned char *open, int *cnt, double *gain, double deadline)
{
    size_t n = g->n_free;
    int improved = 1;
    while (improved && nv_suggest_now_s() < deadline) {
        improved = 0;
        for (size_t j = 0; j < n; j++) {
            if (!open[j])
                continue;
            open_var(g, open, cnt, j, -1);
            gains(g, open, cnt, gain);
            double base = gain[j] < 0 ? 0 : gain[j];
            /* gain[j] is what j itself brings back. */
            double here = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (!cnt[g->var_set[k]])
                    here += g->set_w[g->var_set[k]];
            (void)base;
            size_t best = n;
            for (size_t i = 0; i < n; i++) {
                if (open[i] || i == j || !(gain[i] > here + 1e-9 * (1 + here)))
                    continue;
                if (best == n || gain[i] > gain[best]) {
                    open_var(g, open, cnt, i, +1);
                    int bad = forbidden(g, open);
                    open_var(g, open, cnt, i, -1);
                    if (!bad)
                        best = i;
                }
            }
            if (best < n) {
                open_var(g, open, cnt, best, +1);
                improved = 1;
            } else {
                open_var(g, open, cnt, j, +1);
            }
        }
    }
    return nv_suggest_evaluate(g, open, cnt);
}

/* Greedy for set cover: the site covering the most uncovered sets (then the most people,
 * then the lowest number) until every coverable set is covered; then sites that became
 * redundant are dropped, the highest-numbered first. */
static void greedy_cover(const nv_suggestion *g, unsigned char *open, int *cnt)
{
    size_t n = g->n_free;
    memset(open, 0, n ? n : 1);
    nv_suggest_evaluate(g, open, cnt);
    size_t uncovered = g->nset;
    while (uncovered) {
        size_t best = n;
        long best_c = -1;
        double best_w = -1;
        for (size_t j = 0; j < n; j++) {
            if (open[j])
                continue;
            long cc = 0;
            double w = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                if (!cnt[g->var_set[k]])
                    cc++, w += g->set_w[g->var_set[k]];
            if (cc > best_c || (cc == best_c && w > best_w))
                best = j, best_c = cc, best_w = w;
        }
        if (best == n || best_c <= 0)
            break;
        open_var(g, open, cnt, best, +1);
        uncovered -= (size_t)best_c;
    }
    for (size_t jj = n; jj-- > 0;) {
        if (!open[jj])
            continue;
        int needed = 0;
        for (size_t k = g->var_off[jj]; k < g->var_off[jj + 1] && !needed; k++)
            needed = cnt[g->var_set[k]] == 1;
        if (!needed)
            open_var(g, open, cnt, jj, -1);
    }
}

/* The tie-break rule: while some open site can be exchanged for an earlier-numbered
 * closed one without making the plan worse (and without repeating an earlier plan), do
 * the exchange that moves the earliest possible site. Incremental: closing j uncovers
 * some sets, and i must bring back at least as many people (set cover: all of them). */
static void canonical(const nv_suggestion *g, unsigned char *open, int *cnt)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    nv_suggest_evaluate(g, open, cnt);
    int changed = 1;
    while (changed) {
        changed = 0;
        for (size_t i = 0; i < n && !changed; i++) {
            if (open[i])
                continue;
            for (size_t j = i + 1; j < n && !changed; j++) {
                if (!open[j])
                    continue;
                open_var(g, open, cnt, j, -1);
                double loss = 0, back = 0;
                long lost = 0, regained = 0;
                for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                    if (!cnt[g->var_set[k]])
                        loss += g->set_w[g->var_set[k]], lost++;
                for (size_t k = g->var_off[i]; k < g->var_off[i + 1]; k++)
                    if (!cnt[g->var_set[k]])
                        back += g->set_w[g->var_set[k]], regained++;
                /* Set cover: i must cover every set j alone covered (it may cover more). */
                int ok = cover ? regained >= lost : back >= loss - 1e-9 * (1 + loss);
                if (cover && ok) { /* the sets j uncovers must all be among those i covers */
                    open_var(g, open, cnt, i, +1);
                    for (size_t k = g->var_off[j]; k < g->var_off[j + 1] && ok; k++)
                        ok = cnt[g->var_set[k]] > 0;
                    open_var(g, open, cnt, i, -1);
                }
                if (ok) {
                    open_var(g, open, cnt, i, +1);
                    if (!forbidden(g, open)) {
                        changed = 1;
                        break;
                    }
                    open_var(g, open, cnt, i, -1);
                }
                open_var(g, open, cnt, j, +1);
            }
        }
    }
}

/* Set cover: whether every set that only j covered (cnt 0 with j closed) contains i. */
static int covers_all(const nv_suggestion *g, const int *cnt, size_t i, size_t j)
{
    for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++) {
        int q = g->var_set[k];
        if (cnt[q])
            continue;
        int in = 0;
        for (size_t m = g->set_off[q]; m < g->set_off[q + 1] && !in; m++)
            in = g->set_var[m] == (int)i;
        if (!in)
            return 0;
    }
    return 1;
}

/* The warm start of an alternative: the best single exchange (close j, open i) of the
 * plan before that no earlier plan forbids; the first such in the order j, then i, on
 * equal values. Incremental: closing j uncovers the sets only j covered (loss), and every
 * closed i would cover again the uncovered sets it belongs to (back[i]), so one pass over
 * the model per open site prices every exchange with it (set cover: i must cover all j
 * uncovers). open becomes that plan; returns its value, NAN when there is none. back
 * is scratch of n_free entries. */
static double best_exchange(const nv_suggestion *g, unsigned char *open, int *cnt, double *back)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    long *reach = malloc((n ? n : 1) * sizeof *reach);
    if (!reach)
        return NAN;
    double v0 = nv_suggest_evaluate(g, open, cnt), bestv = cover ? INFINITY : -INFINITY;
    size_t bj = n, bi = n;
    for (size_t j = 0; j < n; j++) {
        if (!open[j])
            continue;
        open_var(g, open, cnt, j, -1);
        double loss = 0;
        long lost = 0;
        for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
            if (!cnt[g->var_set[k]])
                loss += g->set_w[g->var_set[k]], lost++;
        for (size_t i = 0; i < n; i++)
            back[i] = 0, reach[i] = 0;
        for (size_t q = 0; q < g->nset; q++)
            if (!cnt[q])
                for (size_t k = g->set_off[q]; k < g->set_off[q + 1]; k++)
                    back[g->set_var[k]] += g->set_w[q], reach[g->set_var[k]]++;
        for (size_t i = 0; i < n; i++) {
            if (open[i] || i == j)
                continue;
            /* Set cover: the number of sites stays; feasible when i covers all j did. */
            double w = cover ? (isfinite(v0) && reach[i] >= lost && covers_all(g, cnt, i, j) ? v0 : INFINITY)
                             : v0 - loss + back[i];
            if (!(cover ? w < bestv : w > bestv))
                continue;
            open[i] = 1;
            int bad = forbidden(g, open);
            open[i] = 0;
            if (!bad)
                bestv = w, bj = j, bi = i;
        }
        open_var(g, open, cnt, j, +1);
    }
    free(reach);
    if (bj == n)
        return NAN;
    open[bj] = 0, open[bi] = 1;
    return nv_suggest_evaluate(g, open, cnt);
}

/* ---------------------------------------------------------------- GLPK */

typedef struct glpk_ctx {
    nv_suggestion *g;
    const unsigned char *warm;
    double warm_value;
    int given;
    double bound;               /* of the best active node */
    int have_bound;
    int ncols;
    const int *col;             /* the column of y_s; 0 for a set folded into its one site */
    const char *stage;
    double last_progress;
} glpk_ctx;

static void glpk_callback(glp_tree *tree, void *info)
{
    glpk_ctx *c = info;
    nv_suggestion *g = c->g;
    if (glp_ios_reason(tree) == GLP_IHEUR && !c->given && c->warm) {
        c->given = 1;
        double *x = calloc((size_t)c->ncols + 1, sizeof *x);
        if (x) {
            int *cnt = calloc(g->nset ? g->nset : 1, sizeof *cnt);
            for (size_t j = 0; j < g->n_free; j++)
                x[j + 1] = c->warm[j];
            if (cnt && g->o.mode != NV_SUGGEST_COVER) {
                nv_suggest_evaluate(g, c->warm, cnt);
                for (size_t s = 0; s < g->nset; s++)
                    if (c->col[s])
                        x[c->col[s]] = cnt[s] ? 1 : 0;
            }
            glp_ios_heur_sol(tree, x);
            free(cnt);
            free(x);
        }
    }
    int p = glp_ios_best_node(tree);
    if (p) {
        c->bound = glp_ios_node_bound(tree, p);
        c->have_bound = 1;
    }
    double t = nv_suggest_now_s();
    if (g->o.progress && t - c->last_progress > 0.2) {
        c->last_progress = t;
        glp_prob *lp = glp_ios_get_prob(tree);
        double best = glp_mip_status(lp) == GLP_FEAS || glp_mip_status(lp) == GLP_OPT ? glp_mip_obj_val(lp) : NAN;
        double off = g->o.mode == NV_SUGGEST_COVER ? 0 : g->model_const;
        nv_suggest_progress_at(g, c->stage, best + off, c->have_bound ? c->bound + off : NAN);
    }
}

/* The starting basis of the LP: the vertex of the warm plan. From GLPK's default (all
 * rows' auxiliary variables basic, every column at zero) the primal simplex needs about
 * one pivot per row to bring the coverage variables in, seconds on the national
 * instance; from the heuristic plan, which is usually optimal or nearly so, it needs a
 * few hundred. Every row gets exactly one basic variable with a unit column, so the
 * basis is the identity and always valid:
 *   maximal covering, set s covered by at most one open site: y_s basic (= 0 or 1), its
 *   row at its bound; covered by several: the row basic, y_s at its upper bound 1;
 *   set cover, the cardinality row and the cuts: the row basic;
 *   sites: open at their upper bound, closed at their lower (fixed ones: GLP_NS).
 * The vertex may be infeasible for a cut row (an alternative's warm plan always satisfies
 * them); the simplex's phase one repairs that. -1 when out of memory. */
static int warm_basis(const nv_suggestion *g, glp_prob *P, const unsigned char *warm, const int *col)
{
    int cover = g->o.mode == NV_SUGGEST_COVER;
    int *cnt = calloc(g->nset ? g->nset : 1, sizeof *cnt);
    if (!cnt)
        return -1;
    nv_suggest_evaluate(g, warm, cnt);
    int nrows = glp_get_num_rows(P);
    for (int i = 1; i <= nrows; i++)
        glp_set_row_stat(P, i, GLP_BS);
    for (size_t j = 0; j < g->n_free; j++) {
        int c = (int)j + 1;
        glp_set_col_stat(P, c, glp_get_col_type(P, c) == GLP_FX ? GLP_NS : warm[j] ? GLP_NU : GLP_NL);
    }
    int row = 0;
    for (size_t s = 0; s < g->nset; s++) {
        if (g->set_off[s + 1] - g->set_off[s] <= 1)
            continue;
        row++;
        if (cover)
            continue;
        if (cnt[s] <= 1) {
            glp_set_col_stat(P, col[s], GLP_BS);
            glp_set_row_stat(P, row, GLP_NU);
        } else {
            glp_set_col_stat(P, col[s], GLP_NU);
        }
    }
    free(cnt);
    return 0;
}

/* Solves the model with GLPK within time_s seconds, the earlier solutions cut off.
 * warm (feasible, value warm_value) is handed to branch and bound as its first incumbent.
 * out gets the best plan found (warm when GLPK finds none better); returns 0 when GLPK
 * ran (*proven: optimal), -1 when it failed (out untouched). *lp and *bound get the LP
 * relaxation's bound and the proven one (NAN when unknown). */
static int glpk_solve(nv_suggestion *g, const unsigned char *warm, double warm_value, double time_s,
                      const char *stage, unsigned char *out, double *out_value, int *proven, double *lp, double *bound)
{
    int cover = g->o.mode == NV_SUGGEST_COVER;
    size_t nv = g->n_free, ns = g->nset;
    /* A set with one site is covered exactly when that site is open: its people go into
     * the site's objective coefficient (maximal covering) or the site is forced open
     * (set cover), and it needs no row. Most demand far from the offices is of this kind. */
    int *col = calloc(ns ? ns : 1, sizeof *col);
    double *cx = calloc(nv ? nv : 1, sizeof *cx);
    unsigned char *forced = calloc(nv ? nv : 1, 1);
    if (!col || !cx || !forced) {
        free(col), free(cx), free(forced);
        return -1;
    }
    int ny = 0, nrows_sets = 0;
    for (size_t s = 0; s < ns; s++) {
        size_t len = g->set_off[s + 1] - g->set_off[s];
        if (len == 1) {
            int j = g->set_var[g->set_off[s]];
            if (cover)
                forced[j] = 1;
            else
                cx[j] += g->set_w[s];
            continue;
        }
        nrows_sets++;
        if (!cover)
            col[s] = (int)nv + ++ny;
    }
    int ncols = (int)nv + ny;
    size_t nz = 0;
    for (size_t s = 0; s < ns; s++)
        if (g->set_off[s + 1] - g->set_off[s] > 1)
            nz += g->set_off[s + 1] - g->set_off[s] + (cover ? 0 : 1);
    nz += nv;                                   /* the cardinality row */
    for (size_t i = 0; i < g->n_sols; i++)
        nz += nv;                               /* cuts: at most nv each */
    int *ia = malloc((nz + 1) * sizeof *ia), *ja = malloc((nz + 1) * sizeof *ja);
    double *ar = malloc((nz + 1) * sizeof *ar);
    *proven = 0;
    *lp = *bound = NAN;
    if (!ia || !ja || !ar) {
        free(ia), free(ja), free(ar), free(col), free(cx), free(forced);
        return -1;
    }
    glp_term_out(GLP_OFF);
    glp_prob *P = glp_create_prob();
    glp_set_obj_dir(P, cover ? GLP_MIN : GLP_MAX);
    glp_add_cols(P, ncols);
    for (size_t j = 0; j < nv; j++) {
        glp_set_col_kind(P, (int)j + 1, GLP_BV);
        glp_set_obj_coef(P, (int)j + 1, cover ? 1.0 : cx[j]);
        if (forced[j])
            glp_set_col_bnds(P, (int)j + 1, GLP_FX, 1.0, 1.0);
    }
    for (size_t s = 0; !cover && s < ns; s++) {
        if (!col[s])
            continue;
        glp_set_col_bnds(P, col[s], GLP_DB, 0.0, 1.0);
        glp_set_obj_coef(P, col[s], g->set_w[s]);
    }
    int nrows = nrows_sets + (cover ? 0 : 1) + (int)g->n_sols;
    if (nrows > 0)
        glp_add_rows(P, nrows);
    size_t k = 0;
    int row = 0;
    for (size_t s = 0; s < ns; s++) {
        if (g->set_off[s + 1] - g->set_off[s] <= 1)
            continue;
        row++;
        if (cover) {
            glp_set_row_bnds(P, row, GLP_LO, 1.0, 0.0);
        } else {
            glp_set_row_bnds(P, row, GLP_UP, 0.0, 0.0);
            k++, ia[k] = row, ja[k] = col[s], ar[k] = 1.0;
        }
        for (size_t q = g->set_off[s]; q < g->set_off[s + 1]; q++)
            k++, ia[k] = row, ja[k] = g->set_var[q] + 1, ar[k] = cover ? 1.0 : -1.0;
    }
    if (!cover) {
        row++;
        glp_set_row_bnds(P, row, GLP_FX, g->p_open, g->p_open);
        for (size_t j = 0; j < nv; j++)
            k++, ia[k] = row, ja[k] = (int)j + 1, ar[k] = 1.0;
    }
    for (size_t i = 0; i < g->n_sols; i++) {
        row++;
        for (size_t j = 0; j < nv; j++)
            if (g->sols[i].mark[j])
                k++, ia[k] = row, ja[k] = (int)j + 1, ar[k] = 1.0;
        glp_set_row_bnds(P, row, GLP_UP, 0.0, g->sols[i].m - 1);
    }
    free(cx), free(forced);
    glp_load_matrix(P, (int)k, ia, ja, ar);
    free(ia), free(ja), free(ar);
    if (warm && warm_basis(g, P, warm, col) != 0) {
        glp_delete_prob(P);
        free(col);
        return -1;
    }

    int rc = -1;
    double t0 = nv_suggest_now_s();
    glp_smcp sp;
    glp_init_smcp(&sp);
    sp.msg_lev = GLP_MSG_OFF;
    sp.tm_lim = (int)fmax(1, time_s * 1000);
    if (glp_simplex(P, &sp) == 0 && glp_get_status(P) == GLP_OPT) {
        double off = cover ? 0 : g->model_const;
        *lp = glp_get_obj_val(P) + off;
        *bound = *lp;
        glpk_ctx c = {g, warm, warm_value, 0, NAN, 0, ncols, col, stage, 0};
        glp_iocp ip;
        glp_init_iocp(&ip);
        ip.msg_lev = GLP_MSG_OFF;
        ip.cb_func = glpk_callback;
        ip.cb_info = &c;
        ip.presolve = GLP_OFF;
        ip.mip_gap = 0.0;
        double left = time_s - (nv_suggest_now_s() - t0);
        ip.tm_lim = (int)fmax(1, left * 1000);
        int ret = glp_intopt(P, &ip);
        int ms = glp_mip_status(P);
        if ((ret == 0 || ret == GLP_ETMLIM || ret == GLP_ESTOP) && (ms == GLP_OPT || ms == GLP_FEAS)) {
            for (size_t j = 0; j < nv; j++)
                out[j] = glp_mip_col_val(P, (int)j + 1) > 0.5;
            int *cnt = calloc(ns ? ns : 1, sizeof *cnt);
            double v = cnt ? nv_suggest_evaluate(g, out, cnt) : NAN;
            free(cnt);
            if (warm && !(cover ? v < warm_value : v > warm_value) && !(v == warm_value)) {
                memcpy(out, warm, nv);
                v = warm_value;
            }
            *out_value = v;
            *proven = ret == 0 && ms == GLP_OPT;
            if (*proven)
                *bound = v + off;
            else if (c.have_bound)
                *bound = cover ? fmax(*lp, c.bound + off) : fmin(*lp, c.bound + off);
            rc = 0;
        } else if (ret == 0 && ms == GLP_NOFEAS) {
            rc = -2; /* no plan differs from the earlier ones */
        } else if (warm) {
            memcpy(out, warm, nv);
            *out_value = warm_value;
            if (c.have_bound)
                *bound = cover ? fmax(*lp, c.bound + off) : fmin(*lp, c.bound + off);
            rc = 0;
        }
    } else if (glp_get_status(P) == GLP_NOFEAS) {
        rc = -2;
    }
    glp_delete_prob(P);
    free(col);
    return rc;
}

/* ---------------------------------------------------------------- the search */

static const double *score_base;
static int cmp_score_desc(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    if (score_base[a] != score_base[b])
        return score_base[a] > score_base[b] ? -1 : 1;
    return (a > b) - (a < b);
}

/* A bound for covering models (coverage and p-median) when GLPK gave none (its simplex
 * ran out of time on a model too large): the Lagrangian relaxation of the rows
 * y_s <= sum of x_j over s. For multipliers 0 <= l_s <= w_s,
 *     L(l) = sum over s of (w_s - l_s) + the K largest of (sum of l_s over the sets of j)
 * is at least the optimum, whatever l; subgradient steps (Polyak's, towards the value of
 * the plan found, lower) make it smaller. A fixed number of iterations, so the bound
 * does not depend on the machine's speed unless the time cap stops it first. The model's
 * value plus model_const, as glpk_solve's bounds; NAN when out of memory. */
static double lagrangian_bound(const nv_suggestion *g, double lower, double deadline)
{
    size_t ns = g->nset, n = g->n_free, K = (size_t)g->p_open;
    double *lam = malloc((ns ? ns : 1) * sizeof *lam), *sc = malloc((n ? n : 1) * sizeof *sc);
    int *order = malloc((n ? n : 1) * sizeof *order);
    unsigned char *x = malloc(n ? n : 1);
    double best = INFINITY;
    if (!lam || !sc || !order || !x || K > n) {
        free(lam), free(sc), free(order), free(x);
        return NAN;
    }
    for (size_t r = 0; r < ns; r++)
        lam[r] = g->set_w[r];
    double theta = 2, prev = INFINITY;
    int stall = 0;
    for (int it = 0; it < 400 && (it % 16 || nv_suggest_now_s() < deadline); it++) {
        for (size_t j = 0; j < n; j++) {
            double v = 0;
            for (size_t k = g->var_off[j]; k < g->var_off[j + 1]; k++)
                v += lam[g->var_set[k]];
            sc[j] = v;
            order[j] = (int)j;
            x[j] = 0;
        }
        score_base = sc;
        qsort(order, n, sizeof *order, cmp_score_desc);
        double L = 0;
        for (size_t k = 0; k < K; k++)
            L += sc[order[k]], x[order[k]] = 1;
        double norm = 0;
        for (size_t r = 0; r < ns; r++) {
            L += g->set_w[r] - lam[r];
            int open = 0;
            for (size_t k = g->set_off[r]; k < g->set_off[r + 1]; k++)
                open += x[g->set_var[k]];
            double gr = open - (g->set_w[r] > lam[r] ? 1 : 0);
            norm += gr * gr;
        }
        best = fmin(best, L);
        if (norm == 0 || !(L - lower > 1e-9 * fabs(L)))
            break; /* the relaxation's answer is feasible, or the bound meets the plan */
        if (L < prev - 1e-12 * fabs(prev))
            stall = 0;
        else if (++stall >= 8)
            theta /= 2, stall = 0;
        prev = fmin(prev, L);
        double t = theta * (L - lower) / norm;
        for (size_t r = 0; r < ns; r++) {
            int open = 0;
            for (size_t k = g->set_off[r]; k < g->set_off[r + 1]; k++)
                open += x[g->set_var[k]];
            double gr = open - (g->set_w[r] > lam[r] ? 1 : 0);
            lam[r] = fmin(g->set_w[r], fmax(0, lam[r] - t * gr));
        }
    }
    free(lam), free(sc), free(order), free(x);
    return best + g->model_const;
}

/* The model's value when every row is covered: a bound nothing can beat. */
static double all_sets_weight(const nv_suggestion *g)
{
    double v = g->model_const;
    for (size_t q = 0; q < g->nset; q++)
        v += g->set_w[q];
    return v;
}

nv_status nv_suggest_solve(nv_suggestion *g, nv_error *err)
{
    size_t n = g->n_free;
    int cover = g->o.mode == NV_SUGGEST_COVER;
    double limit = g->o.time_limit_s > 0 ? g->o.time_limit_s : 30;
    double deadline = g->t0 + limit;
    size_t want = 1 + (size_t)(g->o.alternatives > 0 ? g->o.alternatives : 0);
    unsigned char *open = malloc(n ? n : 1), *best = malloc(n ? n : 1);
    int *cnt = malloc((g->nset ? g->nset : 1) * sizeof *cnt);
    double *gain = malloc((n ? n : 1) * sizeof *gain);
    nv_status st = NV_OK;
    g->sols = calloc(want, sizeof *g->sols);
    if (!open || !best || !cnt || !gain || !g->sols) {
        st = nv_suggest_oom(err);
        goto done;
    }
    double off = cover ? 0 : g->model_const;
    for (size_t a = 0; a < want; a++) {
        const char *stage = a == 0 ? "solving" : "alternatives";
        double v;
        /* The warm start: greedy plus swap for the first plan, the best single exchange
         * of the plan before for the alternatives. */
        nv_suggest_progress_at(g, a == 0 ? "greedy" : stage, NAN, NAN);
        if (a == 0) {
            if (cover)
                greedy_cover(g, open, cnt);
            else
                greedy_maxcov(g, open, cnt, gain);
            v = cover ? nv_suggest_evaluate(g, open, cnt) : swap_maxcov(g, open, cnt, gain, fmin(deadline, nv_suggest_now_s() + limit / 4));
        } else {
            memcpy(open, g->sols[a - 1].open, n);
            v = best_exchange(g, open, cnt, gain);
        }
        int have_warm = !isnan(v) && isfinite(v);
        double left = deadline - nv_suggest_now_s();
        if (a > 0)
            left = left / (double)(want - a);
        int proven = 0;
        double lp = NAN, bound = NAN, got = NAN;
        int rc = -1;
        if (left > 0.05 && n > 0)
            rc = glpk_solve(g, have_warm ? open : NULL, v, left, stage, best, &got, &proven, &lp, &bound);
        if (rc == -2)
            break; /* every plan has been listed */
        if (rc != 0) {
            if (!have_warm)
                break;
            memcpy(best, open, n);
            got = v;
            proven = 0;
            if (a == 0)
                g->sum.method = "greedy+swap";
        } else if (a == 0) {
            g->sum.method = "glpk";
        }
        canonical(g, best, cnt);
        got = nv_suggest_evaluate(g, best, cnt);
        if (a == 0 && !cover && isnan(bound)) /* GLPK gave no bound: the Lagrangian's */
            bound = fmin(lagrangian_bound(g, got, fmax(deadline, nv_suggest_now_s() + 1) + limit / 10),
                         g->pmedian ? all_sets_weight(g)
                                    : g->w_const + (g->sum.total_population - g->w_const - g->w_unreach));
        plan_sol *ps = &g->sols[g->n_sols];
        if (!(ps->open = malloc(n ? n : 1)) || !(ps->mark = calloc(n ? n : 1, 1))) {
            free(ps->open);
            st = nv_suggest_oom(err);
            goto done;
        }
        memcpy(ps->open, best, n ? n : 1);
        ps->m = 0;
        for (size_t j = 0; j < n; j++)
            ps->m += best[j];
        for (size_t i = 0; i < n; i++) /* the classes of its sites, then their members */
            if (best[i])
                ps->mark[g->var_class[i]] = 2;
        for (size_t j = 0; j < n; j++)
            ps->mark[j] = ps->mark[g->var_class[j]] != 0;
        ps->value = got;
        ps->proven = proven;
        g->n_sols++;
        if (a == 0) {
            nv_suggest_summary *sm = &g->sum;
            sm->best = got + off;
            sm->lp_bound = lp;
            sm->bound = isnan(bound) ? (cover ? 0 : g->pmedian ? all_sets_weight(g)
                                                : g->w_const + (g->sum.total_population - g->w_const - g->w_unreach))
                                     : bound;
            if (cover && !isnan(sm->bound))
                sm->bound = ceil(sm->bound - 1e-6);
            sm->optimal = proven || (cover ? sm->best <= sm->bound : sm->best >= sm->bound - 1e-9 * fabs(sm->bound));
            if (sm->optimal)
                sm->bound = sm->best;
            sm->gap = sm->optimal ? 0 : cover ? (sm->best - sm->bound) / fabs(sm->best)
                                              : (sm->bound - sm->best) / fabs(sm->bound);
            nv_suggest_progress_at(g, "solved", sm->best, sm->bound);
        }
    }
    if (g->n_sols == 0)
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "the search found no plan (GLPK failed and no heuristic plan)");
done:
    free(open);
    free(best);
    free(cnt);
    free(gain);
    return st;
}

