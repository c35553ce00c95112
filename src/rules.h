/* rules.h — a stated standard, machine-checked: rules are expressions evaluated on every
 * row of a finished result's table (municipalities.csv or counties.csv).
 *
 * Grammar (keywords in any case):
 *     rule    := or
 *     or      := and { "or" and }
 *     and     := not { "and" not }
 *     not     := "not" not | compare
 *     compare := sum [ ( "<" | "<=" | "==" | "!=" | ">=" | ">" ) sum ]
 *     sum     := product { ( "+" | "-" ) product }
 *     product := unary { ( "*" | "/" ) unary }
 *     unary   := "-" unary | primary
 *     primary := NUMBER | STRING | NAME | "(" rule ")"
 * NUMBER is a decimal such as 30 or 2.5 (a '.' whatever the locale); STRING is quoted with
 * "..." or '...'; NAME is a column of the table or, when no column has that name, a
 * presence tier (staffed, booked, ..., none). A column whose every value is a number is
 * numeric, the column `presence` holds tiers, the others text. Tiers compare by rank,
 * the better tier greater: `presence >= booked` holds for staffed and booked. An empty
 * cell is no value: arithmetic with it has no value, and a comparison with it is false.
 * Types are checked when the rule is parsed: a rule must be a condition, `and`/`or`/`not`
 * take conditions, arithmetic takes numbers, and a comparison takes two of one kind.
 *
 * Errors (NV_ERR_INPUT) give the 1-based character position in the rule and, for an
 * unknown name, the known columns and tiers. Parsed rules are immutable. */
#ifndef NV_RULES_H
#define NV_RULES_H

#include "error.h"

#include <stddef.h>

/* A result table read from CSV (RFC 4180, as narvaro writes them), with its tiers. */
typedef struct nv_rtable nv_rtable;

/* Reads path; key_column (kommunkod or lanskod) and namn must be columns. tiers are the
 * run's tier words, best first, without "none" (which ranks below all). Free with
 * nv_rtable_destroy. */
nv_status nv_rtable_read(const char *path, const char *key_column, const char *const *tiers, size_t n_tiers,
                         nv_rtable **out, nv_error *err);
void nv_rtable_destroy(nv_rtable *t); /* accepts NULL */
size_t nv_rtable_rows(const nv_rtable *t);
size_t nv_rtable_columns(const nv_rtable *t);
const char *nv_rtable_column(const nv_rtable *t, size_t c);               /* borrowed */
const char *nv_rtable_cell(const nv_rtable *t, size_t row, size_t c);     /* borrowed, "" when empty */
const char *nv_rtable_key(const nv_rtable *t, size_t row);                /* the key column's value */
const char *nv_rtable_name(const nv_rtable *t, size_t row);               /* namn */

typedef struct nv_rule nv_rule;

/* Parses expr for table t. name may be NULL (then "rule N" is the caller's). On error,
 * err says "position P: what (hint)" and a second line shows the rule with a caret. */
nv_status nv_rule_parse(const char *name, const char *expr, const nv_rtable *t, nv_rule **out, nv_error *err);
void nv_rule_destroy(nv_rule *r); /* accepts NULL */
const char *nv_rule_name(const nv_rule *r);        /* NULL when none was given */
const char *nv_rule_text(const nv_rule *r);
/* The columns the rule names, in order of first mention (indices into t). */
size_t nv_rule_columns(const nv_rule *r, const size_t **cols);
/* 1 when the rule holds on the row, 0 when it fails. */
int nv_rule_holds(const nv_rule *r, const nv_rtable *t, size_t row);

/* Reads a rules file: one "name: expression" per line; blank lines and lines starting
 * with '#' are skipped. Calls add(name, expr, line, user) per rule; add returns NV_OK or
 * stops the reading with its status. */
nv_status nv_rules_read_file(const char *path,
                             nv_status (*add)(const char *name, const char *expr, long line, void *user),
                             void *user, nv_error *err);

/* The tier words of a finished result, best first, without "none": the keys of
 * "presence_tiers" in DIR/summary.json. *words is an array of strings, all freed with
 * nv_rules_free_tiers. */
nv_status nv_rules_read_tiers(const char *summary_json, char ***words, size_t *n, nv_error *err);
void nv_rules_free_tiers(char **words, size_t n);

/* narvaro check: rules on a finished result folder. */
typedef struct nv_check_options {
    const char *dir;                 /* the result folder (analyze's --out) */
    int county;                      /* 0: municipalities.csv, kommunkod; 1: counties.csv, lanskod */
    const char *out;                 /* violations.csv; NULL: DIR/violations.csv */
    const char *const *exprs;        /* --rule expressions, named "rule 1", "rule 2", ... */
    size_t n_exprs;
    const char *const *files;        /* --rules files, "name: expression" per line */
    size_t n_files;
} nv_check_options;

typedef struct nv_check_rule_result {
    char *name, *text;
    size_t failing;                  /* rows where the rule does not hold */
    char **keys, **names;            /* those rows' key (kommunkod or lanskod) and namn, failing each */
} nv_check_rule_result;

typedef struct nv_check_result {
    nv_check_rule_result *rules;     /* in the order given: --rule ones, then the files' */
    size_t n_rules;
    size_t rows;                     /* rows checked */
    char *violations;                /* the path written */
} nv_check_result;

/* Parses every rule (all before any is evaluated: a bad rule is NV_ERR_INPUT and nothing
 * is written), evaluates each on every row and writes the violations file: one row per
 * failing row and rule, columns rule,expression,KEY,namn, then every column the rules
 * name (empty for a rule that does not name it). Written beside and renamed into place.
 * res is filled (free with nv_check_result_free) on NV_OK. */
nv_status nv_rules_check(const nv_check_options *o, nv_check_result *res, nv_error *err);
void nv_check_result_free(nv_check_result *res);

/* The number of violations in DIR/municipalities.csv, as violations.csv would count them:
 * failing rows summed over the rules (batch --rule). */
nv_status nv_rules_count_violations(const char *dir, const char *const *exprs, size_t n_exprs, size_t *violations,
                                    nv_error *err);

#endif
