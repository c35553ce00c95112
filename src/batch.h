/* batch.h — every office plan in a folder evaluated on one session: one result folder
 * per plan (OUT/<plan>/, written whole or not at all), and OUT/plans.csv with one row per
 * plan. A plan whose result on disk carries the same manifest digest (same inputs,
 * options and versions) is skipped unless forced; a bad plan is reported and skipped
 * while the others run. Several plans run at once with jobs > 1. */
#ifndef NV_BATCH_H
#define NV_BATCH_H

#include "error.h"
#include "plan.h"

typedef struct nv_batch_options {
    const char *plans_dir;   /* every *.csv in it, and every subfolder of *.csv files (one plan
                              * of several files, named after the folder), in name order */
    const char *const *rules;/* narvaro check rules: plans.csv gets each plan's violations */
    size_t n_rules;
    const char *out_dir;     /* created if missing */
    int jobs;                /* plans at once; 0: one per core */
    int force;               /* 1: run plans whose result is current too */
    /* Called after each plan (done of total), from one thread at a time; may be NULL. */
    void (*progress)(size_t done, size_t total, void *user);
    void *user;
} nv_batch_options;

typedef struct nv_batch_totals {
    size_t plans, done, skipped, failed;
    size_t pg_written, pg_already;   /* with the session's PostGIS database: runs written there,
                                      * and runs found there already (not written again) */
} nv_batch_totals;

/* Runs the batch. Each failed plan's problems go to diags (in plan order), with the
 * plan's file and line. Returns NV_OK when every plan is done or skipped, NV_ERR_INPUT
 * when some plan was bad input (the others are still written), NV_ERR_FAIL otherwise. */
nv_status nv_batch_run(nv_session *s, const nv_batch_options *o, nv_batch_totals *totals, nv_diags *diags,
                       nv_error *err);

#endif
