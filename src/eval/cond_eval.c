/* Condition evaluation: walks a parse tree from cond_parse.c against the values a probe
 * result offers through the lookup callback, and optionally writes a one-line explanation.
 * It is the only file of the module that includes jansson, which it uses to walk [BODY]
 * JSON paths. No I/O, no clock, no globals: everything lives in the per-call eval_t. */
#include "eval/cond.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/err.h"
#include "eval/cond_int.h"

/* A value during evaluation. For a JSON object or array found through a [BODY] path, json
 * is set and v is a STRING whose text (the compact JSON) is produced only when a comparison
 * needs it, so len([BODY].items) on a large array never serialises it. */
typedef struct val {
    tc_value_t v;
    const json_t *json; /* borrowed from eval_t.body, or NULL */
} val_t;

typedef struct eval {
    const tc_cond_t *c;
    tc_cond_lookup_fn lookup;
    void *ctx;
    tc_buf_t *explain; /* borrowed; NULL when no explanation is wanted */
    size_t shown;      /* bytes of the source already copied into explain */
    bool body_tried;   /* the body has been looked up and parsed, successfully or not */
    json_t *body;      /* owned; the parsed body, shared by every [BODY] path */
    char **dumps;      /* owned JSON texts of objects and arrays used as strings */
    size_t ndumps;
} eval_t;

static val_t missing(void)
{
    val_t r = {.v = {.type = TC_VALUE_MISSING}};
    return r;
}

static val_t boolean(bool b)
{
    val_t r = {.v = {.type = TC_VALUE_BOOL, .boolean = b}};
    return r;
}

static val_t number(double d)
{
    val_t r = {.v = {.type = TC_VALUE_NUMBER, .num = d}};
    return r;
}

/* Asks the caller for a value and normalises what comes back, so the rest of the file can
 * trust it: an unknown placeholder is missing, and a string always has a pointer. */
static void fetch(eval_t *e, const char *name, const char *key, tc_value_t *out)
{
    memset(out, 0, sizeof(*out));
    out->type = TC_VALUE_MISSING;
    if (e->lookup(e->ctx, name, key, out) != 0)
        out->type = TC_VALUE_MISSING;
    switch (out->type) {
    case TC_VALUE_STRING:
        if (!out->str) {
            out->str = "";
            out->len = 0;
        }
        break;
    case TC_VALUE_NUMBER:
    case TC_VALUE_BOOL:
    case TC_VALUE_MISSING:
        break;
    default:
        out->type = TC_VALUE_MISSING;
        break;
    }
}

/* The body is parsed at most once per evaluation, however many paths the condition uses. A
 * body that is not JSON leaves e->body NULL, and every path into it is missing. */
static const json_t *body_json(eval_t *e)
{
    if (!e->body_tried) {
        tc_value_t v;
        json_error_t jerr;
        e->body_tried = true;
        fetch(e, "BODY", NULL, &v);
        if (v.type == TC_VALUE_STRING && v.len > 0)
            e->body = json_loadb(v.str, v.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    }
    return e->body;
}

static val_t from_json(const json_t *j)
{
    val_t r = missing();

    switch (json_typeof(j)) {
    case JSON_STRING:
        r.v.type = TC_VALUE_STRING;
        r.v.str = json_string_value(j);
        r.v.len = json_string_length(j);
        break;
    case JSON_INTEGER:
        r = number((double)json_integer_value(j));
        break;
    case JSON_REAL:
        r = number(json_real_value(j));
        break;
    case JSON_TRUE:
        r = boolean(true);
        break;
    case JSON_FALSE:
        r = boolean(false);
        break;
    case JSON_OBJECT:
    case JSON_ARRAY:
        r.v.type = TC_VALUE_STRING;
        r.json = j;
        break;
    case JSON_NULL:
        /* null counts as absent, so has([BODY].errors) is false for "errors": null. */
        break;
    }
    return r;
}

static val_t resolve(eval_t *e, const tc_cond_node_t *ph)
{
    val_t r = missing();

    if (ph->npath == 0) {
        fetch(e, ph->name, ph->key, &r.v);
        return r;
    }
    const json_t *j = body_json(e);
    for (size_t i = 0; j && i < ph->npath; i++) {
        const tc_cond_seg_t *seg = &ph->path[i];
        if (seg->key)
            j = json_is_object(j) ? json_object_get(j, seg->key) : NULL;
        else
            j = json_is_array(j) ? json_array_get(j, seg->index) : NULL;
    }
    return j ? from_json(j) : r;
}

/* Gives an object or array its compact JSON text, kept until the end of the evaluation. */
static void materialize(eval_t *e, val_t *r)
{
    if (!r->json || r->v.str)
        return;
    char *s = json_dumps(r->json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s) {
        r->v.str = "";
        r->v.len = 0;
        return;
    }
    e->dumps = tc_realloc(e->dumps, (e->ndumps + 1) * sizeof(*e->dumps));
    e->dumps[e->ndumps++] = s;
    r->v.str = s;
    r->v.len = strlen(s);
}

/* The text of a number, boolean or string, as used by string comparison, pat() and len(). */
static void text_of(const tc_value_t *v, char tmp[32], const char **s, size_t *len)
{
    switch (v->type) {
    case TC_VALUE_STRING:
        *s = v->str;
        *len = v->len;
        return;
    case TC_VALUE_NUMBER:
        *len = (size_t)snprintf(tmp, 32, "%.15g", v->num);
        *s = tmp;
        return;
    case TC_VALUE_BOOL:
        *s = v->boolean ? "true" : "false";
        *len = strlen(*s);
        return;
    case TC_VALUE_MISSING:
        break;
    }
    *s = "";
    *len = 0;
}

static bool as_number(const tc_value_t *v, double *out)
{
    if (v->type == TC_VALUE_NUMBER) {
        *out = v->num;
        return true;
    }
    return v->type == TC_VALUE_STRING && tc_cond__parse_number(v->str, v->len, out);
}

/* A value used as a condition on its own: a true boolean, or the string "true" for
 * placeholders that come as text (headers, SQL results). Everything else is false. */
static bool truthy(const tc_value_t *v)
{
    if (v->type == TC_VALUE_BOOL)
        return v->boolean;
    return v->type == TC_VALUE_STRING && v->str && v->len == 4 && memcmp(v->str, "true", 4) == 0;
}

static bool apply_op(tc_cond_op_t op, int cmp)
{
    switch (op) {
    case TC_COND_OP_EQ:
        return cmp == 0;
    case TC_COND_OP_NE:
        return cmp != 0;
    case TC_COND_OP_LT:
        return cmp < 0;
    case TC_COND_OP_LE:
        return cmp <= 0;
    case TC_COND_OP_GT:
        return cmp > 0;
    case TC_COND_OP_GE:
        return cmp >= 0;
    }
    return false;
}

/* Gatus semantics: numbers (or strings that are numbers) compare numerically, two booleans
 * compare for equality only, and anything else compares as text, byte by byte. A missing
 * side satisfies only !=. */
static bool compare(const tc_value_t *a, const tc_value_t *b, tc_cond_op_t op)
{
    double x;
    double y;

    if (a->type == TC_VALUE_MISSING || b->type == TC_VALUE_MISSING)
        return op == TC_COND_OP_NE;
    if (as_number(a, &x) && as_number(b, &y)) {
        /* Written out rather than through apply_op() so that NaN compares unequal. */
        switch (op) {
        case TC_COND_OP_EQ:
            return x == y;
        case TC_COND_OP_NE:
            return x != y;
        case TC_COND_OP_LT:
            return x < y;
        case TC_COND_OP_LE:
            return x <= y;
        case TC_COND_OP_GT:
            return x > y;
        case TC_COND_OP_GE:
            return x >= y;
        }
        return false;
    }
    if (a->type == TC_VALUE_BOOL && b->type == TC_VALUE_BOOL) {
        if (op == TC_COND_OP_EQ)
            return a->boolean == b->boolean;
        if (op == TC_COND_OP_NE)
            return a->boolean != b->boolean;
        return false;
    }

    char ta[32];
    char tb[32];
    const char *sa;
    const char *sb;
    size_t la;
    size_t lb;
    text_of(a, ta, &sa, &la);
    text_of(b, tb, &sb, &lb);
    size_t n = la < lb ? la : lb;
    int cmp = n ? memcmp(sa, sb, n) : 0;
    if (cmp == 0)
        cmp = (la > lb) - (la < lb);
    return apply_op(op, cmp);
}

/* '*' matches any run of bytes and '?' exactly one byte. The single-backtrack loop keeps
 * memory constant; its worst case is O(len(pattern) * len(text)). */
static bool glob_match(const char *p, size_t plen, const char *s, size_t slen)
{
    size_t pi = 0;
    size_t si = 0;
    size_t star = (size_t)-1;
    size_t mark = 0;

    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star = pi++;
            mark = si;
        } else if (pi < plen && (p[pi] == '?' || p[pi] == s[si])) {
            pi++;
            si++;
        } else if (star != (size_t)-1) {
            pi = star + 1;
            si = ++mark;
        } else {
            return false;
        }
    }
    while (pi < plen && p[pi] == '*')
        pi++;
    return pi == plen;
}

/* Copies the source up to @p upto into the explanation, with line breaks and tabs turned
 * into spaces so a multi-line YAML condition still explains on one line. */
static void copy_source(eval_t *e, size_t upto)
{
    const char *t = e->c->text;
    for (size_t i = e->shown; i < upto; i++) {
        char c = t[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        tc_buf_append(e->explain, &c, 1);
    }
    if (upto > e->shown)
        e->shown = upto;
}

/* Appends " (value)" after the operand ending at n->end. Strings are cut at
 * TC_COND_EXPLAIN_MAX bytes (on a UTF-8 boundary) and control bytes are escaped, so a
 * binary or huge body cannot break the one-line format. Append errors are ignored: an
 * explanation cut by its buffer's cap is still useful. */
static void note(eval_t *e, const tc_cond_node_t *n, const val_t *r)
{
    char tmp[32];
    const char *s;
    size_t len;

    if (!e->explain)
        return;
    copy_source(e, (size_t)n->end);
    if (r->v.type == TC_VALUE_MISSING) {
        tc_buf_puts(e->explain, " (missing)");
        return;
    }
    text_of(&r->v, tmp, &s, &len);
    if (r->v.type == TC_VALUE_STRING && len == 0) {
        tc_buf_puts(e->explain, " (\"\")");
        return;
    }
    bool cut = len > TC_COND_EXPLAIN_MAX;
    if (cut) {
        len = TC_COND_EXPLAIN_MAX;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    tc_buf_puts(e->explain, " (");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n')
            tc_buf_puts(e->explain, "\\n");
        else if (c == '\r')
            tc_buf_puts(e->explain, "\\r");
        else if (c == '\t')
            tc_buf_puts(e->explain, "\\t");
        else if (c < 0x20 || c == 0x7f)
            tc_buf_printf(e->explain, "\\x%02x", c);
        else
            tc_buf_append(e->explain, &s[i], 1);
    }
    tc_buf_puts(e->explain, cut ? "...)" : ")");
}

static val_t eval_node(eval_t *e, const tc_cond_node_t *n);
static void eval_done(eval_t *e);

static bool eval_matcher(eval_t *e, const val_t *a, const tc_cond_node_t *m, tc_cond_op_t op)
{
    char tmp[32];
    const char *s;
    size_t len;
    bool hit = false;

    (void)e;
    if (a->v.type == TC_VALUE_MISSING)
        return op == TC_COND_OP_NE;
    if (m->kind == TC_COND_NODE_PAT) {
        text_of(&a->v, tmp, &s, &len);
        hit = glob_match(m->lit.str, m->lit.len, s, len);
    } else {
        for (size_t i = 0; i < m->nkids && !hit; i++)
            hit = compare(&a->v, &m->kids[i]->lit, TC_COND_OP_EQ);
    }
    return op == TC_COND_OP_EQ ? hit : !hit;
}

static size_t len_of(const val_t *r, bool *ok)
{
    char tmp[32];
    const char *s;
    size_t len;

    *ok = true;
    if (r->json && json_is_array(r->json))
        return json_array_size(r->json);
    if (r->json && json_is_object(r->json))
        return json_object_size(r->json);
    if (r->v.type == TC_VALUE_MISSING) {
        *ok = false;
        return 0;
    }
    text_of(&r->v, tmp, &s, &len);
    return len;
}

/* Evaluates in source order. Without an explanation && and || short-circuit; with one, every
 * operand is evaluated so that each placeholder's value can be shown. */
static val_t eval_node(eval_t *e, const tc_cond_node_t *n)
{
    val_t r;
    val_t a;
    val_t b;
    bool acc;
    bool ok;

    switch (n->kind) {
    case TC_COND_NODE_OR:
    case TC_COND_NODE_AND:
        acc = n->kind == TC_COND_NODE_AND;
        for (size_t i = 0; i < n->nkids; i++) {
            if (!e->explain && acc != (n->kind == TC_COND_NODE_AND))
                break;
            a = eval_node(e, n->kids[i]);
            if (n->kind == TC_COND_NODE_AND)
                acc = truthy(&a.v) && acc;
            else
                acc = truthy(&a.v) || acc;
        }
        return boolean(acc);
    case TC_COND_NODE_NOT:
        a = eval_node(e, n->kids[0]);
        return boolean(!truthy(&a.v));
    case TC_COND_NODE_CMP:
        a = eval_node(e, n->kids[0]);
        if (n->kids[1]->kind == TC_COND_NODE_PAT || n->kids[1]->kind == TC_COND_NODE_ANY)
            return boolean(eval_matcher(e, &a, n->kids[1], n->op));
        b = eval_node(e, n->kids[1]);
        return boolean(compare(&a.v, &b.v, n->op));
    case TC_COND_NODE_PH:
        r = resolve(e, n);
        materialize(e, &r);
        note(e, n, &r);
        return r;
    case TC_COND_NODE_LIT:
        r = missing();
        r.v = n->lit;
        return r;
    case TC_COND_NODE_LEN:
        a = resolve(e, n->kids[0]);
        r = number((double)len_of(&a, &ok));
        if (!ok)
            r = missing();
        note(e, n, &r);
        return r;
    case TC_COND_NODE_HAS:
        a = resolve(e, n->kids[0]);
        r = boolean(a.v.type != TC_VALUE_MISSING);
        note(e, n, &r);
        return r;
    case TC_COND_NODE_PAT:
    case TC_COND_NODE_ANY:
        /* The parser only places these on the right of == and !=, handled above. */
        break;
    }
    return missing();
}

bool tc_cond_eval(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, tc_buf_t *explain)
{
    eval_t e = {.c = c, .lookup = lookup, .ctx = ctx, .explain = explain};

    val_t r = eval_node(&e, c->root);
    bool ok = truthy(&r.v);
    if (explain)
        copy_source(&e, strlen(c->text));

    eval_done(&e);
    return ok;
}

/* Frees what an evaluation allocated (the parsed body and the JSON texts). */
static void eval_done(eval_t *e)
{
    json_decref(e->body);
    for (size_t i = 0; i < e->ndumps; i++)
        free(e->dumps[i]);
    free(e->dumps);
}

static const char *op_text(tc_cond_op_t op, bool mirrored)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    static const tc_cond_op_t mirror[] = {TC_COND_OP_EQ, TC_COND_OP_NE, TC_COND_OP_GT,
                                          TC_COND_OP_GE, TC_COND_OP_LT, TC_COND_OP_LE};
    return ops[mirrored ? mirror[op] : op];
}

/* The placeholder node under @p n (itself, or the argument of len()/has()), or NULL. */
static const tc_cond_node_t *placeholder_of(const tc_cond_node_t *n)
{
    if (n->kind == TC_COND_NODE_PH)
        return n;
    if (n->kind == TC_COND_NODE_LEN || n->kind == TC_COND_NODE_HAS)
        return n->kids[0];
    return NULL;
}

/* Fill @p out from the placeholder side @p ph (whose value is evaluated from @p side). */
static void blame_side(eval_t *e, const tc_cond_node_t *side, const tc_cond_node_t *ph,
                       tc_cond_blame_t *out)
{
    out->name = ph->name;
    out->key = ph->key;
    out->path = ph->npath > 0 || side != ph;
    val_t v = eval_node(e, side);
    if (v.v.type == TC_VALUE_NUMBER || v.v.type == TC_VALUE_BOOL)
        out->actual = v.v;
}

static int blame_node(eval_t *e, const tc_cond_node_t *n, tc_cond_blame_t *out)
{
    const tc_cond_node_t *ph;
    switch (n->kind) {
    case TC_COND_NODE_AND:
        for (size_t i = 0; i < n->nkids; i++) {
            val_t v = eval_node(e, n->kids[i]);
            if (!truthy(&v.v))
                return blame_node(e, n->kids[i], out);
        }
        return TC_ENOENT;
    case TC_COND_NODE_CMP: {
        /* The placeholder on the left, or on the right of a literal ("200 == [STATUS]"). */
        bool mirrored = false;
        const tc_cond_node_t *side = n->kids[0], *other = n->kids[1];
        ph = placeholder_of(side);
        if (!ph && (ph = placeholder_of(n->kids[1])) != NULL) {
            mirrored = true;
            side = n->kids[1];
            other = n->kids[0];
        }
        if (!ph)
            return TC_ENOENT;
        blame_side(e, side, ph, out);
        out->op = op_text(n->op, mirrored);
        if (other->kind == TC_COND_NODE_LIT)
            out->expected = other->lit;
        return 0;
    }
    case TC_COND_NODE_NOT:
        if (!(ph = placeholder_of(n->kids[0])))
            return TC_ENOENT;
        blame_side(e, n->kids[0], ph, out);
        out->op = "==";
        out->expected.type = TC_VALUE_BOOL;
        out->expected.boolean = false;
        return 0;
    default:
        if (!(ph = placeholder_of(n)))
            return TC_ENOENT;
        blame_side(e, n, ph, out);
        out->op = "==";
        out->expected.type = TC_VALUE_BOOL;
        out->expected.boolean = true;
        return 0;
    }
}

int tc_cond_blame(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx,
                  tc_cond_blame_t *out)
{
    eval_t e = {.c = c, .lookup = lookup, .ctx = ctx};
    memset(out, 0, sizeof *out);
    val_t r = eval_node(&e, c->root);
    int rc = truthy(&r.v) ? TC_ENOENT : blame_node(&e, c->root, out);
    eval_done(&e);
    if (rc)
        memset(out, 0, sizeof *out);
    return rc;
}

int tc_cond_extract(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, tc_buf_t *out)
{
    eval_t e = {.c = c, .lookup = lookup, .ctx = ctx};
    char tmp[32];
    const char *s;
    size_t len;

    if (c->root->kind != TC_COND_NODE_PH)
        return TC_EINVAL;
    val_t r = resolve(&e, c->root);
    materialize(&e, &r);
    int rc = TC_ENOENT;
    if (r.v.type != TC_VALUE_MISSING) {
        text_of(&r.v, tmp, &s, &len);
        rc = tc_buf_append(out, s, len) == 0 ? 0 : TC_ETOOBIG;
    }
    eval_done(&e);
    return rc;
}
