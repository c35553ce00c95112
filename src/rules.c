/* rules.c — rules parsed into a small tree, type-checked against the table, evaluated per
 * row (see rules.h). The table reader is for narvaro's own CSV output (RFC 4180, UTF-8,
 * ',' and '\n'), which is all a rule is checked on. */
#include "rules.h"

#include "outdir.h"
#include "textin.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---------------------------------------------------------------- the table */

enum kind { K_NUM, K_STR, K_TIER, K_BOOL };
static const char *const kind_name[] = {"a number", "text", "a presence tier", "a condition"};

struct nv_rtable {
    char **cols;
    size_t n_cols;
    char **cells;        /* n_rows * n_cols */
    double *num;         /* parsed numbers, NAN where empty or not a number */
    size_t n_rows, cap_rows;
    enum kind *kinds;    /* per column */
    int key, name;
    char **tiers;        /* best first, then "none" */
    size_t n_tiers;      /* with "none" */
};

void nv_rtable_destroy(nv_rtable *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_cols; i++)
        free(t->cols[i]);
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free(t->cells[i]);
    for (size_t i = 0; i < t->n_tiers; i++)
        free(t->tiers[i]);
    free(t->cols);
    free(t->cells);
    free(t->num);
    free(t->kinds);
    free(t->tiers);
    free(t);
}

/* One CSV record from *p (advanced past it): fields as new strings. 0 at the end, -1
 * when out of memory. */
static int csv_record(const char **p, char ***fields, size_t *n)
{
    const char *s = *p;
    size_t cap = 0;
    *fields = NULL;
    *n = 0;
    if (!*s)
        return 0;
    for (;;) {
        size_t len = 0, fcap = 16;
        char *f = malloc(fcap);
        if (!f)
            return -1;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s)
                    break;
                if (*s == '"' && s[1] == '"') {
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                }
                if (len + 2 > fcap && !(f = realloc(f, fcap *= 2)))
                    return -1;
                f[len++] = *s++;
            }
        }
        while (*s && *s != ',' && *s != '\n' && *s != '\r') {
            if (len + 2 > fcap && !(f = realloc(f, fcap *= 2)))
                return -1;
            f[len++] = *s++;
        }
        f[len] = '\0';
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **g = realloc(*fields, cap * sizeof *g);
            if (!g) {
                free(f);
                return -1;
            }
            *fields = g;
        }
        (*fields)[(*n)++] = f;
        if (*s == ',') {
            s++;
            continue;
        }
        if (*s == '\r')
            s++;
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    return 1;
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

static char *slurp(const char *path, nv_error *err, nv_status *st)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *st = nv_error_set(err, NV_ERR_INPUT, path, 0, "cannot open: %s (is this the folder of a finished result?)",
                           strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 65536;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            char *b = realloc(buf, (cap *= 2) + 1);
            if (!b) {
                free(buf);
                buf = NULL;
            }
            buf = b;
        }
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        *st = nv_error_set(err, bad ? NV_ERR_INPUT : NV_ERR_FAIL, path, 0, bad ? "cannot read" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *st = NV_OK;
    return buf;
}

nv_status nv_rtable_read(const char *path, const char *key_column, const char *const *tiers, size_t n_tiers,
                         nv_rtable **out, nv_error *err)
{
    nv_status st;
    char **f = NULL;
    size_t nf = 0;
    *out = NULL;
    char *text = slurp(path, err, &st);
    if (!text)
        return st;
    nv_rtable *t = calloc(1, sizeof *t);
    if (!t)
        goto oom;
    const char *p = text;
    int rc = csv_record(&p, &t->cols, &t->n_cols);
    if (rc < 0)
        goto oom;
    if (rc == 0) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "is empty (not a finished result)");
        goto done;
    }
    t->key = t->name = -1;
    for (size_t c = 0; c < t->n_cols; c++) {
        if (strcmp(t->cols[c], key_column) == 0)
            t->key = (int)c;
        if (strcmp(t->cols[c], "namn") == 0)
            t->name = (int)c;
    }
    if (t->key < 0 || t->name < 0) {
        st = nv_error_set(err, NV_ERR_INPUT, path, 1, "has no %s or namn column (not a narvaro result table)",
                          key_column);
        goto done;
    }
    while ((rc = csv_record(&p, &f, &nf)) > 0) {
        if (nf == 1 && !f[0][0]) { /* a blank line */
            free_fields(f, nf);
            continue;
        }
        if (nf != t->n_cols) {
            st = nv_error_set(err, NV_ERR_INPUT, path, (long)t->n_rows + 2, "has %zu fields, the header %zu", nf,
                              t->n_cols);
            goto done;
        }
        if (t->n_rows == t->cap_rows) {
            size_t cap = t->cap_rows ? t->cap_rows * 2 : 512;
            char **c = realloc(t->cells, cap * t->n_cols * sizeof *c);
            if (!c)
                goto oom;
            t->cells = c;
            t->cap_rows = cap;
        }
        memcpy(t->cells + t->n_rows * t->n_cols, f, nf * sizeof *f);
        t->n_rows++;
        free(f);
        f = NULL;
        nf = 0;
    }
    if (rc < 0)
        goto oom;
    t->num = malloc((t->n_rows * t->n_cols + 1) * sizeof *t->num);
    t->kinds = calloc(t->n_cols, sizeof *t->kinds);
    t->tiers = calloc(n_tiers + 1, sizeof *t->tiers);
    if (!t->num || !t->kinds || !t->tiers)
        goto oom;
    for (size_t k = 0; k < n_tiers; k++)
        if (!(t->tiers[t->n_tiers++] = strdup(tiers[k])))
            goto oom;
    if (!(t->tiers[t->n_tiers++] = strdup("none")))
        goto oom;
    for (size_t c = 0; c < t->n_cols; c++) {
        int numeric = 1;
        for (size_t r = 0; r < t->n_rows; r++) {
            const char *v = t->cells[r * t->n_cols + c];
            double *d = &t->num[r * t->n_cols + c];
            *d = NAN;
            if (v[0] && !nv_text_parse_number(v, strlen(v), d)) {
                numeric = 0;
                *d = NAN;
            }
        }
        /* Codes are text even when they look like numbers: 0114 is not 114. */
        int code = strcmp(t->cols[c], "kommunkod") == 0 || strcmp(t->cols[c], "lanskod") == 0 ||
                   strstr(t->cols[c], "_id") != NULL;
        t->kinds[c] = strcmp(t->cols[c], "presence") == 0 ? K_TIER : numeric && !code ? K_NUM : K_STR;
    }
    *out = t;
    t = NULL;
    st = NV_OK;
    goto done;
oom:
    st = nv_error_set(err, NV_ERR_FAIL, path, 0, "out of memory");
done:
    free_fields(f, nf);
    nv_rtable_destroy(t);
    free(text);
    return st;
}

size_t nv_rtable_rows(const nv_rtable *t) { return t->n_rows; }
size_t nv_rtable_columns(const nv_rtable *t) { return t->n_cols; }
const char *nv_rtable_column(const nv_rtable *t, size_t c) { return c < t->n_cols ? t->cols[c] : NULL; }
const char *nv_rtable_cell(const nv_rtable *t, size_t row, size_t c) { return t->cells[row * t->n_cols + c]; }
const char *nv_rtable_key(const nv_rtable *t, size_t row) { return nv_rtable_cell(t, row, (size_t)t->key); }
const char *nv_rtable_name(const nv_rtable *t, size_t row) { return nv_rtable_cell(t, row, (size_t)t->name); }

/* Rank value of a tier word: the better, the greater ("none" is 0); -1 if no tier. */
static int tier_value(const nv_rtable *t, const char *w)
{
    for (size_t k = 0; k < t->n_tiers; k++)
        if (strcmp(t->tiers[k], w) == 0)
            return (int)(t->n_tiers - 1 - k);
    return -1;
}

/* ---------------------------------------------------------------- parsing */

enum op { O_NUM, O_STR, O_TIER, O_COL, O_NEG, O_ADD, O_SUB, O_MUL, O_DIV,
          O_LT, O_LE, O_EQ, O_NE, O_GE, O_GT, O_AND, O_OR, O_NOT };

struct node {
    enum op op;
    enum kind kind;
    int a, b;          /* children (indices), -1 */
    double num;        /* O_NUM */
    char *str;         /* O_STR */
    int tier;          /* O_TIER: rank value */
    size_t col;        /* O_COL */
    size_t pos;        /* character position, 1-based, for messages */
};

struct nv_rule {
    char *name, *text;
    struct node *n;
    size_t nn, cap;
    int root;
    size_t *cols;
    size_t n_cols;
};

void nv_rule_destroy(nv_rule *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nn; i++)
        free(r->n[i].str);
    free(r->n);
    free(r->cols);
    free(r->name);
    free(r->text);
    free(r);
}

const char *nv_rule_name(const nv_rule *r) { return r->name; }
const char *nv_rule_text(const nv_rule *r) { return r->text; }

size_t nv_rule_columns(const nv_rule *r, const size_t **cols)
{
    *cols = r->cols;
    return r->n_cols;
}

enum tok { T_END, T_NUM, T_STR, T_NAME, T_LP, T_RP, T_PLUS, T_MINUS, T_STAR, T_SLASH,
           T_LT, T_LE, T_EQ, T_NE, T_GE, T_GT, T_AND, T_OR, T_NOT, T_BAD };

struct parser {
    const char *s;
    size_t at;            /* byte offset of the current token */
    size_t next;          /* byte offset after it */
    enum tok tok;
    char *text;           /* NAME or STR text (owned) */
    double num;
    const nv_rtable *t;
    nv_rule *r;
    nv_error *err;
    int failed;
    int oom;
};

/* 1-based character position of byte offset off. */
static size_t char_pos(const char *s, size_t off)
{
    size_t pos = 1;
    for (size_t i = 0; i < off && s[i]; i++)
        pos += ((unsigned char)s[i] & 0xC0) != 0x80;
    return pos;
}

static void fail_at(struct parser *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail_at(struct parser *p, size_t off, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = 1;
    char what[1400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t pos = char_pos(p->s, off);
    nv_error_set(p->err, NV_ERR_INPUT, NULL, 0, "position %zu: %s\n    %s\n    %*s^", pos, what, p->s,
                 (int)(pos - 1), "");
}

static int name_char(unsigned char c, int first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 || (!first && c >= '0' && c <= '9');
}

static void lex(struct parser *p)
{
    const char *s = p->s;
    size_t i = p->next;
    free(p->text);
    p->text = NULL;
    while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
        i++;
    p->at = i;
    char c = s[i];
    if (!c) {
        p->tok = T_END;
        p->next = i;
        return;
    }
    if ((c >= '0' && c <= '9') || (c == '.' && s[i + 1] >= '0' && s[i + 1] <= '9')) {
        size_t j = i;
        while ((s[j] >= '0' && s[j] <= '9') || s[j] == '.')
            j++;
        if (s[j] == 'e' || s[j] == 'E') {
            size_t k = j + 1;
            if (s[k] == '+' || s[k] == '-')
                k++;
            if (s[k] >= '0' && s[k] <= '9') {
                j = k;
                while (s[j] >= '0' && s[j] <= '9')
                    j++;
            }
        }
        if (!nv_text_parse_number(s + i, j - i, &p->num)) {
            p->tok = T_BAD;
            p->next = j;
            fail_at(p, i, "\"%.*s\" is not a number (write decimals with a point, e.g. 2.5)", (int)(j - i), s + i);
            return;
        }
        p->tok = T_NUM;
        p->next = j;
        return;
    }
    if (c == '"' || c == '\'') {
        size_t j = i + 1;
        while (s[j] && s[j] != c)
            j++;
        if (!s[j]) {
            p->tok = T_BAD;
            p->next = j;
            fail_at(p, i, "the string is never closed; end it with %c", c);
            return;
        }
        p->text = strndup(s + i + 1, j - i - 1);
        p->oom |= !p->text;
        p->tok = T_STR;
        p->next = j + 1;
        return;
    }
    if (name_char((unsigned char)c, 1)) {
        size_t j = i;
        while (name_char((unsigned char)s[j], 0))
            j++;
        p->text = strndup(s + i, j - i);
        p->oom |= !p->text;
        p->next = j;
        p->tok = T_NAME;
        if (p->text) {
            if (nv_text_ieq(p->text, "and"))
                p->tok = T_AND;
            else if (nv_text_ieq(p->text, "or"))
                p->tok = T_OR;
            else if (nv_text_ieq(p->text, "not"))
                p->tok = T_NOT;
        }
        return;
    }
    static const struct { const char *s; enum tok t; } ops[] = {
        {"<=", T_LE}, {">=", T_GE}, {"==", T_EQ}, {"!=", T_NE}, {"<>", T_NE}, {"<", T_LT}, {">", T_GT},
        {"(", T_LP}, {")", T_RP}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH},
    };
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        size_t len = strlen(ops[k].s);
        if (strncmp(s + i, ops[k].s, len) == 0) {
            p->tok = ops[k].t;
            p->next = i + len;
            return;
        }
    }
    p->tok = T_BAD;
    p->next = i + 1;
    if (c == '=')
        fail_at(p, i, "'=' alone is no operator; compare with ==");
    else if (c == '&' || c == '|')
        fail_at(p, i, "'%c' is no operator; write and, or", c);
    else
        fail_at(p, i, "unexpected character '%c'", c);
}

static int add_node(struct parser *p, enum op op, enum kind kind, int a, int b, size_t off)
{
    nv_rule *r = p->r;
    if (r->nn == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        struct node *n = realloc(r->n, cap * sizeof *n);
        if (!n) {
            p->oom = 1;
            return -1;
        }
        r->n = n;
        r->cap = cap;
    }
    struct node *n = &r->n[r->nn];
    memset(n, 0, sizeof *n);
    n->op = op;
    n->kind = kind;
    n->a = a;
    n->b = b;
    n->pos = off;
    return (int)r->nn++;
}

static const char *tok_text(const struct parser *p)
{
    static __thread char buf[64];
    if (p->tok == T_END)
        return "the end of the rule";
    snprintf(buf, sizeof buf, "'%.*s'", (int)(p->next - p->at > 40 ? 40 : p->next - p->at), p->s + p->at);
    return buf;
}

static int parse_or(struct parser *p);

static void known_names(const struct parser *p, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t c = 0; c < p->t->n_cols; c++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", c ? ", " : "", p->t->cols[c]);
    }
    size_t used = strlen(buf);
    snprintf(buf + used, size - used, "; the tiers are:");
    for (size_t k = 0; k < p->t->n_tiers; k++) {
        used = strlen(buf);
        snprintf(buf + used, size - used, "%s %s", k ? "," : "", p->t->tiers[k]);
    }
}

static int parse_primary(struct parser *p)
{
    size_t off = p->at;
    int n = -1;
    switch (p->tok) {
    case T_NUM:
        if ((n = add_node(p, O_NUM, K_NUM, -1, -1, off)) >= 0)
            p->r->n[n].num = p->num;
        lex(p);
        return n;
    case T_STR:
        if ((n = add_node(p, O_STR, K_STR, -1, -1, off)) >= 0) {
            p->r->n[n].str = p->text;
            p->text = NULL;
        }
        lex(p);
        return n;
    case T_NAME: {
        for (size_t c = 0; c < p->t->n_cols; c++)
            if (strcmp(p->t->cols[c], p->text) == 0) {
                if ((n = add_node(p, O_COL, p->t->kinds[c], -1, -1, off)) >= 0)
                    p->r->n[n].col = c;
                size_t k = 0;
                while (k < p->r->n_cols && p->r->cols[k] != c)
                    k++;
                if (k == p->r->n_cols) {
                    size_t *cols = realloc(p->r->cols, (p->r->n_cols + 1) * sizeof *cols);
                    if (!cols) {
                        p->oom = 1;
                        return -1;
                    }
                    p->r->cols = cols;
                    p->r->cols[p->r->n_cols++] = c;
                }
                lex(p);
                return n;
            }
        int tv = tier_value(p->t, p->text);
        if (tv >= 0) {
            if ((n = add_node(p, O_TIER, K_TIER, -1, -1, off)) >= 0)
                p->r->n[n].tier = tv;
            lex(p);
            return n;
        }
        char names[4096];
        known_names(p, names, sizeof names);
        fail_at(p, off, "unknown name '%s'; the columns are: %s", p->text, names);
        return -1;
    }
    case T_LP:
        lex(p);
        n = parse_or(p);
        if (p->failed)
            return -1;
        if (p->tok != T_RP) {
            fail_at(p, p->at, "expected ')' to close the '(' at position %zu, found %s", char_pos(p->s, off),
                    tok_text(p));
            return -1;
        }
        lex(p);
        return n;
    case T_BAD:
        return -1;
    default:
        fail_at(p, off, "expected a number, a \"string\", a column or '(', found %s", tok_text(p));
        return -1;
    }
}

static int need(struct parser *p, int n, enum kind k, const char *what)
{
    if (p->failed || n < 0)
        return 0;
    if (p->r->n[n].kind != k) {
        fail_at(p, p->r->n[n].pos, "%s needs %s here, not %s", what, kind_name[k], kind_name[p->r->n[n].kind]);
        return 0;
    }
    return 1;
}

static int parse_unary(struct parser *p)
{
    if (p->tok == T_MINUS) {
        size_t off = p->at;
        lex(p);
        int a = parse_unary(p);
        if (!need(p, a, K_NUM, "'-'"))
            return -1;
        return add_node(p, O_NEG, K_NUM, a, -1, off);
    }
    return parse_primary(p);
}

static int parse_product(struct parser *p)
{
    int a = parse_unary(p);
    while (!p->failed && (p->tok == T_STAR || p->tok == T_SLASH)) {
        enum op op = p->tok == T_STAR ? O_MUL : O_DIV;
        size_t off = p->at;
        lex(p);
        int b = parse_unary(p);
        if (!need(p, a, K_NUM, op == O_MUL ? "'*'" : "'/'") || !need(p, b, K_NUM, op == O_MUL ? "'*'" : "'/'"))
            return -1;
        a = add_node(p, op, K_NUM, a, b, off);
    }
    return a;
}

static int parse_sum(struct parser *p)
{
    int a = parse_product(p);
    while (!p->failed && (p->tok == T_PLUS || p->tok == T_MINUS)) {
        enum op op = p->tok == T_PLUS ? O_ADD : O_SUB;
        size_t off = p->at;
        lex(p);
        int b = parse_product(p);
        if (!need(p, a, K_NUM, op == O_ADD ? "'+'" : "'-'") || !need(p, b, K_NUM, op == O_ADD ? "'+'" : "'-'"))
            return -1;
        a = add_node(p, op, K_NUM, a, b, off);
    }
    return a;
}

/* A string compared with a tier becomes that tier, or is an error. */
static int as_tier(struct parser *p, int n)
{
    struct node *x = &p->r->n[n];
    if (x->op != O_STR)
        return 1;
    int tv = tier_value(p->t, x->str);
    if (tv < 0) {
        char names[4096];
        known_names(p, names, sizeof names);
        fail_at(p, x->pos, "\"%s\" is not a presence tier; the columns are: %s", x->str, names);
        return 0;
    }
    free(x->str);
    x->str = NULL;
    x->op = O_TIER;
    x->kind = K_TIER;
    x->tier = tv;
    return 1;
}

static int parse_compare(struct parser *p)
{
    int a = parse_sum(p);
    static const enum op ops[] = {[T_LT] = O_LT, [T_LE] = O_LE, [T_EQ] = O_EQ,
                                  [T_NE] = O_NE, [T_GE] = O_GE, [T_GT] = O_GT};
    if (p->failed || p->tok < T_LT || p->tok > T_GT)
        return a;
    enum op op = ops[p->tok];
    size_t off = p->at;
    lex(p);
    int b = parse_sum(p);
    if (p->failed || a < 0 || b < 0)
        return -1;
    struct node *x = &p->r->n[a], *y = &p->r->n[b];
    if (x->kind == K_TIER && y->kind == K_STR && !as_tier(p, b))
        return -1;
    if (y->kind == K_TIER && x->kind == K_STR && !as_tier(p, a))
        return -1;
    x = &p->r->n[a], y = &p->r->n[b];
    if (x->kind == K_BOOL || y->kind == K_BOOL) {
        fail_at(p, x->kind == K_BOOL ? x->pos : y->pos, "a condition cannot be compared; use and, or, not");
        return -1;
    }
    if (x->kind != y->kind) {
        fail_at(p, off, "cannot compare %s with %s", kind_name[x->kind], kind_name[y->kind]);
        return -1;
    }
    return add_node(p, op, K_BOOL, a, b, off);
}

static int parse_not(struct parser *p)
{
    if (p->tok == T_NOT) {
        size_t off = p->at;
        lex(p);
        int a = parse_not(p);
        if (!need(p, a, K_BOOL, "'not'"))
            return -1;
        return add_node(p, O_NOT, K_BOOL, a, -1, off);
    }
    return parse_compare(p);
}

static int parse_and(struct parser *p)
{
    int a = parse_not(p);
    while (!p->failed && p->tok == T_AND) {
        size_t off = p->at;
        lex(p);
        int b = parse_not(p);
        if (!need(p, a, K_BOOL, "'and'") || !need(p, b, K_BOOL, "'and'"))
            return -1;
        a = add_node(p, O_AND, K_BOOL, a, b, off);
    }
    return a;
}

static int parse_or(struct parser *p)
{
    int a = parse_and(p);
    while (!p->failed && p->tok == T_OR) {
        size_t off = p->at;
        lex(p);
        int b = parse_and(p);
        if (!need(p, a, K_BOOL, "'or'") || !need(p, b, K_BOOL, "'or'"))
            return -1;
        a = add_node(p, O_OR, K_BOOL, a, b, off);
    }
    return a;
}

nv_status nv_rule_parse(const char *name, const char *expr, const nv_rtable *t, nv_rule **out, nv_error *err)
{
    struct parser p = {.s = expr, .t = t, .err = err};
    nv_rule *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r || !(r->text = strdup(expr)) || (name && !(r->name = strdup(name)))) {
        nv_rule_destroy(r);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    p.r = r;
    lex(&p);
    if (p.tok == T_END && !p.failed)
        fail_at(&p, 0, "the rule is empty; write a condition such as presence != \"none\"");
    int root = p.failed ? -1 : parse_or(&p);
    if (!p.failed && p.tok != T_END)
        fail_at(&p, p.at, "expected and, or, or the end of the rule, found %s", tok_text(&p));
    if (!p.failed && root >= 0 && r->n[root].kind != K_BOOL)
        fail_at(&p, r->n[root].pos, "the rule is %s, not a condition; compare it, e.g. ... <= 30",
                kind_name[r->n[root].kind]);
    free(p.text);
    if (p.oom) {
        nv_rule_destroy(r);
        return nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
    }
    if (p.failed || root < 0) {
        nv_rule_destroy(r);
        return NV_ERR_INPUT;
    }
    r->root = root;
    *out = r;
    return NV_OK;
}

/* ---------------------------------------------------------------- evaluation */

struct value {
    int null;
    double num;       /* K_NUM, K_TIER (rank value), K_BOOL (0/1) */
    const char *str;  /* K_STR */
};

static struct value eval(const nv_rule *r, const nv_rtable *t, size_t row, int i)
{
    const struct node *n = &r->n[i];
    struct value v = {0, 0, NULL}, a, b;
    switch (n->op) {
    case O_NUM: v.num = n->num; return v;
    case O_STR: v.str = n->str; return v;
    case O_TIER: v.num = n->tier; return v;
    case O_COL: {
        const char *cell = t->cells[row * t->n_cols + n->col];
        if (n->kind == K_STR) {
            v.str = cell;
            return v;
        }
        if (!cell[0]) {
            v.null = 1;
            return v;
        }
        if (n->kind == K_TIER) {
            int tv = tier_value(t, cell);
            v.null = tv < 0;
            v.num = tv;
            return v;
        }
        v.num = t->num[row * t->n_cols + n->col];
        v.null = isnan(v.num);
        return v;
    }
    case O_NEG:
        v = eval(r, t, row, n->a);
        v.num = -v.num;
        return v;
    case O_NOT:
        v = eval(r, t, row, n->a);
        v.num = !v.num;
        return v;
    case O_AND:
        v = eval(r, t, row, n->a);
        if (v.num)
            v = eval(r, t, row, n->b);
        return v;
    case O_OR:
        v = eval(r, t, row, n->a);
        if (!v.num)
            v = eval(r, t, row, n->b);
        return v;
    default:
        break;
    }
    a = eval(r, t, row, n->a);
    b = eval(r, t, row, n->b);
    if (n->kind == K_NUM) {
        v.null = a.null || b.null;
        v.num = n->op == O_ADD ? a.num + b.num : n->op == O_SUB ? a.num - b.num : n->op == O_MUL ? a.num * b.num
                                                                              : a.num / b.num;
        v.null |= !isfinite(v.num);
        return v;
    }
    /* A comparison: false when a side has no value. */
    if (a.null || b.null)
        return v;
    int c;
    if (r->n[n->a].kind == K_STR)
        c = strcmp(a.str, b.str);
    else
        c = (a.num > b.num) - (a.num < b.num);
    switch (n->op) {
    case O_LT: v.num = c < 0; break;
    case O_LE: v.num = c <= 0; break;
    case O_EQ: v.num = c == 0; break;
    case O_NE: v.num = c != 0; break;
    case O_GE: v.num = c >= 0; break;
    default: v.num = c > 0; break;
    }
    return v;
}

int nv_rule_holds(const nv_rule *r, const nv_rtable *t, size_t row)
{
    return eval(r, t, row, r->root).num != 0;
}

/* ---------------------------------------------------------------- files */

nv_status nv_rules_read_file(const char *path,
                             nv_status (*add)(const char *name, const char *expr, long line, void *user),
                             void *user, nv_error *err)
{
    nv_status st;
    char *text = slurp(path, err, &st);
    if (!text)
        return st;
    long line = 0;
    size_t n_rules = 0;
    for (char *s = text, *next; s && *s && st == NV_OK; s = next) {
        line++;
        next = strchr(s, '\n');
        if (next)
            *next++ = '\0';
        size_t len = strlen(s);
        if (len && s[len - 1] == '\r')
            s[len - 1] = '\0';
        nv_text_trim(s);
        if (!s[0] || s[0] == '#')
            continue;
        char *colon = strchr(s, ':');
        if (!colon || colon == s) {
            st = nv_error_set(err, NV_ERR_INPUT, path, line,
                              "expected \"name: expression\", e.g. office_within_30km: nearest_office_km <= 30");
            break;
        }
        *colon = '\0';
        char *name = nv_text_trim(s), *expr = nv_text_trim(colon + 1);
        n_rules++;
        st = add(name, expr, line, user);
    }
    if (st == NV_OK && n_rules == 0)
        st = nv_error_set(err, NV_ERR_INPUT, path, 0, "has no rules (one \"name: expression\" per line)");
    free(text);
    return st;
}

nv_status nv_rules_read_tiers(const char *summary_json, char ***words, size_t *n, nv_error *err)
{
    nv_status st;
    *words = NULL;
    *n = 0;
    char *text = slurp(summary_json, err, &st);
    if (!text)
        return st;
    const char *p = strstr(text, "\"presence_tiers\": {");
    char **w = NULL;
    if (p) {
        p += strlen("\"presence_tiers\": {");
        const char *end = strchr(p, '}');
        w = calloc(64, sizeof *w);
        while (w && end && *n < 64 && (p = strchr(p, '"')) && p < end) {
            const char *q = strchr(p + 1, '"');
            if (!q)
                break;
            if (!(q - p - 1 == 4 && strncmp(p + 1, "none", 4) == 0))
                w[(*n)++] = strndup(p + 1, (size_t)(q - p - 1));
            p = strchr(q, ',');
            if (!p || p > end)
                break;
        }
    }
    free(text);
    if (!w) {
        /* An older result: the tiers of its time. */
        static const char *const old[] = {"staffed", "booked"};
        w = calloc(2, sizeof *w);
        for (size_t k = 0; w && k < 2; k++)
            w[(*n)++] = strdup(old[k]);
    }
    if (!w)
        return nv_error_set(err, NV_ERR_FAIL, summary_json, 0, "out of memory");
    *words = w;
    return NV_OK;
}

void nv_rules_free_tiers(char **words, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

/* ---------------------------------------------------------------- narvaro check */

struct rule_list {
    nv_rule **r;
    size_t n, cap;
    const nv_rtable *t;
    const char *path;        /* the rules file being read */
    nv_error *err;
};

static nv_status list_add(struct rule_list *l, const char *name, const char *expr, const char *path, long line)
{
    nv_error e = {0};
    nv_rule *r = NULL;
    nv_status st = nv_rule_parse(name, expr, l->t, &r, &e);
    if (st != NV_OK) {
        if (st == NV_ERR_INPUT && path)
            return nv_error_set(l->err, st, path, line, "rule %s: %s", name, e.message);
        if (st == NV_ERR_INPUT)
            return nv_error_set(l->err, st, NULL, 0, "--rule '%s': %s", expr, e.message);
        if (l->err)
            *l->err = e;
        return st;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        nv_rule **g = realloc(l->r, cap * sizeof *g);
        if (!g) {
            nv_rule_destroy(r);
            return nv_error_set(l->err, NV_ERR_FAIL, NULL, 0, "out of memory");
        }
        l->r = g;
        l->cap = cap;
    }
    l->r[l->n++] = r;
    return NV_OK;
}

static nv_status file_rule(const char *name, const char *expr, long line, void *user)
{
    struct rule_list *l = user;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(nv_rule_name(l->r[i]), name) == 0)
            return nv_error_set(l->err, NV_ERR_INPUT, l->path, line, "rule %s is named twice; give each rule its own name",
                                name);
    return list_add(l, name, expr, l->path, line);
}

static void list_free(struct rule_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        nv_rule_destroy(l->r[i]);
    free(l->r);
}

/* Loads DIR's table with the run's tiers and parses the rules. */
static nv_status load_rules(const char *dir, int county, const char *const *exprs, size_t n_exprs,
                            const char *const *files, size_t n_files, nv_rtable **t, struct rule_list *l,
                            nv_error *err)
{
    char path[4200];
    char **tiers = NULL;
    size_t n_tiers = 0;
    snprintf(path, sizeof path, "%s/summary.json", dir);
    nv_status st = nv_rules_read_tiers(path, &tiers, &n_tiers, err);
    if (st != NV_OK)
        return st;
    snprintf(path, sizeof path, "%s/%s", dir, county ? "counties.csv" : "municipalities.csv");
    st = nv_rtable_read(path, county ? "lanskod" : "kommunkod", (const char *const *)tiers, n_tiers, t, err);
    nv_rules_free_tiers(tiers, n_tiers);
    if (st != NV_OK)
        return st;
    l->t = *t;
    l->err = err;
    for (size_t i = 0; i < n_exprs && st == NV_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "rule %zu", i + 1);
        st = list_add(l, name, exprs[i], NULL, 0);
    }
    for (size_t i = 0; i < n_files && st == NV_OK; i++) {
        l->path = files[i];
        st = nv_rules_read_file(files[i], file_rule, l, err);
    }
    if (st == NV_OK && l->n == 0)
        st = nv_error_set(err, NV_ERR_INPUT, NULL, 0, "no rules: give one with --rule EXPR or a file with --rules FILE");
    return st;
}

static void put_csv(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

nv_status nv_rules_check(const nv_check_options *o, nv_check_result *res, nv_error *err)
{
    nv_rtable *t = NULL;
    struct rule_list l = {0};
    nv_outfile of = {NULL, NULL};
    size_t *cols = NULL, n_cols = 0;
    FILE *f = NULL;
    memset(res, 0, sizeof *res);
    nv_status st = load_rules(o->dir, o->county, o->exprs, o->n_exprs, o->files, o->n_files, &t, &l, err);
    if (st != NV_OK)
        goto done;
    if (o->out)
        res->violations = strdup(o->out);
    else if (asprintf(&res->violations, "%s/violations.csv", o->dir) < 0)
        res->violations = NULL;
    res->rules = calloc(l.n, sizeof *res->rules);
    cols = malloc((t->n_cols + 1) * sizeof *cols);
    if (!res->violations || !res->rules || !cols) {
        st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
        goto done;
    }
    /* The columns every rule names, in order of first mention (key and name are always there). */
    for (size_t i = 0; i < l.n; i++) {
        const size_t *c;
        size_t k = nv_rule_columns(l.r[i], &c);
        for (size_t j = 0; j < k; j++) {
            size_t m = 0;
            while (m < n_cols && cols[m] != c[j])
                m++;
            if (m == n_cols && c[j] != (size_t)t->key && c[j] != (size_t)t->name)
                cols[n_cols++] = c[j];
        }
    }
    /* Written whole or not at all: a failed check leaves an earlier violations.csv as it was. */
    if ((st = nv_outfile_begin(&of, res->violations, err)) != NV_OK)
        goto done;
    if (!(f = fopen(of.write_path, "w"))) {
        st = nv_error_set(err, NV_ERR_FAIL, res->violations, 0, "cannot create: %s", strerror(errno));
        goto done;
    }
    fputs("rule,expression", f);
    put_csv(f, t->cols[t->key], 0);
    put_csv(f, "namn", 0);
    for (size_t m = 0; m < n_cols; m++)
        put_csv(f, t->cols[cols[m]], 0);
    fputc('\n', f);
    res->n_rules = l.n;
    res->rows = t->n_rows;
    for (size_t i = 0; i < l.n; i++) {
        nv_check_rule_result *rr = &res->rules[i];
        rr->name = strdup(nv_rule_name(l.r[i]));
        rr->text = strdup(nv_rule_text(l.r[i]));
        rr->keys = calloc(t->n_rows + 1, sizeof *rr->keys);
        rr->names = calloc(t->n_rows + 1, sizeof *rr->names);
        if (!rr->name || !rr->text || !rr->keys || !rr->names) {
            st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
            goto done;
        }
        const size_t *c;
        size_t k = nv_rule_columns(l.r[i], &c);
        for (size_t row = 0; row < t->n_rows; row++) {
            if (nv_rule_holds(l.r[i], t, row))
                continue;
            if (!(rr->keys[rr->failing] = strdup(nv_rtable_key(t, row))) ||
                !(rr->names[rr->failing] = strdup(nv_rtable_name(t, row)))) {
                st = nv_error_set(err, NV_ERR_FAIL, NULL, 0, "out of memory");
                goto done;
            }
            rr->failing++;
            put_csv(f, rr->name, 1);
            put_csv(f, rr->text, 0);
            put_csv(f, nv_rtable_key(t, row), 0);
            put_csv(f, nv_rtable_name(t, row), 0);
            for (size_t m = 0; m < n_cols; m++) {
                int named = 0;
                for (size_t j = 0; j < k; j++)
                    named |= c[j] == cols[m];
                put_csv(f, named ? nv_rtable_cell(t, row, cols[m]) : "", 0);
            }
            fputc('\n', f);
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        f = NULL;
        st = nv_error_set(err, NV_ERR_FAIL, res->violations, 0, "cannot write: %s", strerror(errno ? errno : EIO));
        goto done;
    }
    f = NULL;
    st = nv_outfile_commit(&of, err);
done:
    if (f)
        fclose(f);
    nv_outfile_abort(&of, err); /* nothing left to do after a commit */
    if (st != NV_OK)
        nv_check_result_free(res);
    free(cols);
    list_free(&l);
    nv_rtable_destroy(t);
    return st;
}

void nv_check_result_free(nv_check_result *res)
{
    for (size_t i = 0; res->rules && i < res->n_rules; i++) {
        free(res->rules[i].name);
        free(res->rules[i].text);
        /* The lists end at the first NULL: a failure half-way leaves no gap. */
        for (size_t k = 0; res->rules[i].keys && res->rules[i].keys[k]; k++)
            free(res->rules[i].keys[k]);
        for (size_t k = 0; res->rules[i].names && res->rules[i].names[k]; k++)
            free(res->rules[i].names[k]);
        free(res->rules[i].keys);
        free(res->rules[i].names);
    }
    free(res->rules);
    free(res->violations);
    memset(res, 0, sizeof *res);
}

nv_status nv_rules_count_violations(const char *dir, const char *const *exprs, size_t n_exprs, size_t *violations,
                                    nv_error *err)
{
    nv_rtable *t = NULL;
    struct rule_list l = {0};
    *violations = 0;
    nv_status st = load_rules(dir, 0, exprs, n_exprs, NULL, 0, &t, &l, err);
    for (size_t row = 0; st == NV_OK && row < t->n_rows; row++)
        for (size_t i = 0; i < l.n; i++)
            *violations += !nv_rule_holds(l.r[i], t, row);
    list_free(&l);
    nv_rtable_destroy(t);
    return st;
}
