/* Condition parser: turns text such as `[STATUS] == 200 && len([BODY].items) > 0` into the
 * tree of cond_int.h, and checks the placeholders it names. It is a scannerless
 * recursive-descent parser, because the Gatus syntax has context-dependent words (a bare
 * `application/json`, a `pat(*ok*)` glob, a `[HEADER].Content-Type` key) that a separate
 * tokenizer would have to special-case anyway. Evaluation lives in cond_eval.c. */
#include "eval/cond.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "eval/cond_int.h"

typedef struct parser {
    const char *s; /* the expression; s[len] is NUL */
    size_t len;
    size_t pos;    /* next byte to read */
    int depth;     /* current nesting of '(' and '!' */
    bool failed;
    int err_col;
    char *err;
    size_t errlen;
} parser_t;

static tc_cond_node_t *parse_or(parser_t *p);
static tc_cond_node_t *parse_unary(parser_t *p);

static void fail(parser_t *p, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Only the first error is kept: it is the innermost one, and callers unwinding after it
 * must not overwrite it with a vaguer message. */
static void fail(parser_t *p, size_t col, const char *fmt, ...)
{
    if (p->failed)
        return;
    p->failed = true;
    p->err_col = (int)col;
    if (p->err && p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
}

static tc_cond_node_t *node_new(tc_cond_kind_t kind, size_t start)
{
    tc_cond_node_t *n = tc_calloc(1, sizeof(*n));
    n->kind = kind;
    n->start = (int)start;
    n->end = (int)start;
    return n;
}

static void node_add(tc_cond_node_t *n, tc_cond_node_t *kid)
{
    n->kids = tc_realloc(n->kids, (n->nkids + 1) * sizeof(*n->kids));
    n->kids[n->nkids++] = kid;
    n->end = kid->end;
}

static void node_free(tc_cond_node_t *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    for (size_t i = 0; i < n->npath; i++)
        free(n->path[i].key);
    free(n->path);
    free(n->name);
    free(n->key);
    free(n->litbuf);
    free(n);
}

bool tc_cond__parse_number(const char *s, size_t len, double *out)
{
    char tmp[64];
    size_t i = 0;

    if (i < len && s[i] == '-')
        i++;
    size_t digits = i;
    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    if (i == digits)
        return false;
    if (i < len && s[i] == '.') {
        size_t frac = ++i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == frac)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t exp = i;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
        if (i == exp)
            return false;
    }
    /* Longer digit strings are identifiers (order numbers, snowflake IDs) more often than
     * quantities, and comparing them as strings keeps every digit significant. */
    if (i != len || len >= sizeof(tmp))
        return false;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    double v = strtod(tmp, NULL);
    if (!isfinite(v))
        return false;
    *out = v;
    return true;
}

/* A duration literal such as 500ms, 10s, 30m, 48h or 7d, as a number of milliseconds. */
static bool parse_duration(const char *s, size_t len, double *out)
{
    double unit;
    size_t nlen;
    double v;

    if (len >= 2 && s[len - 2] == 'm' && s[len - 1] == 's') {
        unit = 1;
        nlen = len - 2;
    } else if (len >= 1 && s[len - 1] == 's') {
        unit = 1000;
        nlen = len - 1;
    } else if (len >= 1 && s[len - 1] == 'm') {
        unit = 60.0 * 1000;
        nlen = len - 1;
    } else if (len >= 1 && s[len - 1] == 'h') {
        unit = 3600.0 * 1000;
        nlen = len - 1;
    } else if (len >= 1 && s[len - 1] == 'd') {
        unit = 86400.0 * 1000;
        nlen = len - 1;
    } else {
        return false;
    }
    if (!tc_cond__parse_number(s, nlen, &v) || !isfinite(v * unit))
        return false;
    *out = v * unit;
    return true;
}

static int peek(const parser_t *p, size_t off)
{
    return p->pos + off < p->len ? (unsigned char)p->s[p->pos + off] : 0;
}

static bool at_eof(const parser_t *p)
{
    return p->pos >= p->len;
}

static bool at2(const parser_t *p, const char *two)
{
    return peek(p, 0) == two[0] && peek(p, 1) == two[1];
}

static void skip_ws(parser_t *p)
{
    while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

/* Bare words (UP, 127.0.0.1, application/json, header keys) run until a blank, a bracket,
 * a comma, a quote or an operator. A lone '=', '&' or '|' stays part of the word so that
 * values like `a=b` need no quotes; only the doubled operators end it. */
static bool is_word_end(const parser_t *p, size_t i)
{
    if (i >= p->len)
        return true;
    char c = p->s[i];
    char next = i + 1 < p->len ? p->s[i + 1] : '\0';
    if (isspace((unsigned char)c) || strchr("(),\"<>", c))
        return true;
    if ((c == '=' || c == '!') && next == '=')
        return true;
    return (c == '&' && next == '&') || (c == '|' && next == '|');
}

/* @return the length of the comparison operator at the current position, or 0. */
static size_t peek_relop(const parser_t *p, tc_cond_op_t *op)
{
    if (at2(p, "==")) {
        *op = TC_COND_OP_EQ;
        return 2;
    }
    if (at2(p, "!=")) {
        *op = TC_COND_OP_NE;
        return 2;
    }
    if (at2(p, "<=")) {
        *op = TC_COND_OP_LE;
        return 2;
    }
    if (at2(p, ">=")) {
        *op = TC_COND_OP_GE;
        return 2;
    }
    if (peek(p, 0) == '<') {
        *op = TC_COND_OP_LT;
        return 1;
    }
    if (peek(p, 0) == '>') {
        *op = TC_COND_OP_GT;
        return 1;
    }
    return 0;
}

/* Where a condition may stop: the end, a closing parenthesis or a boolean operator. */
static bool at_cond_end(const parser_t *p)
{
    return at_eof(p) || peek(p, 0) == ')' || at2(p, "&&") || at2(p, "||");
}

/* Writes a printable excerpt of s[start, end) into buf for error messages. */
static const char *excerpt(const parser_t *p, size_t start, size_t end, char *buf, size_t n)
{
    size_t max = n - 4; /* room for "..." and the NUL */
    size_t k = 0;
    for (size_t i = start; i < end && k < max; i++) {
        unsigned char c = (unsigned char)p->s[i];
        buf[k++] = (char)(isprint(c) || c >= 0x80 ? c : ' ');
    }
    if (end - start > max) {
        memcpy(buf + k, "...", 3);
        k += 3;
    }
    buf[k] = '\0';
    return buf;
}

/* A short description of what starts at the current position, for "found X" messages. */
static const char *describe_here(const parser_t *p, char *buf, size_t n)
{
    if (at_eof(p))
        return "the end of the expression";
    size_t end = p->pos + 1;
    if (at2(p, "==") || at2(p, "!=") || at2(p, "<=") || at2(p, ">=") || at2(p, "&&") ||
        at2(p, "||"))
        end = p->pos + 2;
    else if (!strchr("(),\"<>", p->s[p->pos]))
        while (!is_word_end(p, end))
            end++;
    char tmp[48];
    snprintf(buf, n, "'%s'", excerpt(p, p->pos, end, tmp, sizeof(tmp)));
    return buf;
}

/* Nodes that may stand alone as a condition or follow '!': they can yield a boolean. A bare
 * number, string or len() cannot, so `[STATUS]` alone is allowed (it may be a boolean
 * placeholder) but `200` or `UP` alone is rejected as an obvious mistake. */
static bool boolean_capable(const tc_cond_node_t *n)
{
    switch (n->kind) {
    case TC_COND_NODE_LIT:
        return n->lit.type == TC_VALUE_BOOL;
    case TC_COND_NODE_LEN:
    case TC_COND_NODE_PAT:
    case TC_COND_NODE_ANY:
        return false;
    default:
        return true;
    }
}

static void set_literal(tc_cond_node_t *n, const char *w, size_t len)
{
    double v;

    if (len == 4 && memcmp(w, "true", 4) == 0) {
        n->lit.type = TC_VALUE_BOOL;
        n->lit.boolean = true;
    } else if (len == 5 && memcmp(w, "false", 5) == 0) {
        n->lit.type = TC_VALUE_BOOL;
        n->lit.boolean = false;
    } else if (tc_cond__parse_number(w, len, &v)) {
        n->lit.type = TC_VALUE_NUMBER;
        n->lit.num = v;
    } else if (parse_duration(w, len, &v)) {
        n->lit.type = TC_VALUE_NUMBER;
        n->lit.num = v;
        n->duration = true;
    } else {
        n->litbuf = tc_strndup(w, len);
        n->lit.type = TC_VALUE_STRING;
        n->lit.str = n->litbuf;
        n->lit.len = len;
    }
}

/* "...", with \" and \\ as the only escapes, so that Windows-style backslashes in a value
 * are an error rather than silently changing meaning. */
static tc_cond_node_t *parse_string(parser_t *p)
{
    size_t start = p->pos;
    char *out = tc_malloc(p->len - p->pos + 1);
    size_t n = 0;

    p->pos++;
    while (p->pos < p->len && p->s[p->pos] != '"') {
        char c = p->s[p->pos];
        if (c == '\\' && p->pos + 1 < p->len) {
            char e = p->s[p->pos + 1];
            if (e != '"' && e != '\\') {
                if (isprint((unsigned char)e))
                    fail(p, p->pos, "unknown escape '\\%c' in string; use \\\" or \\\\", e);
                else
                    fail(p, p->pos, "unknown escape in string; use \\\" or \\\\");
                free(out);
                return NULL;
            }
            out[n++] = e;
            p->pos += 2;
            continue;
        }
        out[n++] = c;
        p->pos++;
    }
    if (at_eof(p)) {
        fail(p, start, "unterminated string");
        free(out);
        return NULL;
    }
    p->pos++;
    out[n] = '\0';

    tc_cond_node_t *node = node_new(TC_COND_NODE_LIT, start);
    node->litbuf = out;
    node->quoted = true;
    node->lit.type = TC_VALUE_STRING;
    node->lit.str = out;
    node->lit.len = n;
    node->end = (int)p->pos;
    return node;
}

static void add_seg(tc_cond_node_t *n, char *key, size_t index)
{
    n->path = tc_realloc(n->path, (n->npath + 1) * sizeof(*n->path));
    n->path[n->npath].key = key;
    n->path[n->npath].index = index;
    n->npath++;
}

/* The JSON path after [BODY]: any sequence of `.member` and `[index]`. */
static bool parse_path(parser_t *p, tc_cond_node_t *n)
{
    for (;;) {
        if (peek(p, 0) == '.') {
            size_t ks = ++p->pos;
            while (!is_word_end(p, p->pos) && p->s[p->pos] != '.' && p->s[p->pos] != '[')
                p->pos++;
            if (p->pos == ks) {
                fail(p, ks, "expected a key after '.'");
                return false;
            }
            add_seg(n, tc_strndup(p->s + ks, p->pos - ks), 0);
        } else if (peek(p, 0) == '[') {
            size_t ds = ++p->pos;
            while (isdigit(peek(p, 0)))
                p->pos++;
            if (p->pos == ds) {
                fail(p, ds, "expected an array index");
                return false;
            }
            if (p->pos - ds > 9) {
                fail(p, ds, "array index too large");
                return false;
            }
            if (peek(p, 0) != ']') {
                fail(p, p->pos, "expected ']'");
                return false;
            }
            add_seg(n, NULL, strtoul(p->s + ds, NULL, 10));
            p->pos++;
        } else {
            return true;
        }
    }
}

/* [NAME], then a JSON path for [BODY] or a .key for any other placeholder. */
static tc_cond_node_t *parse_placeholder(parser_t *p)
{
    size_t start = p->pos;
    size_t ns = ++p->pos;

    /* Upper-case letters and '_', and digits after the first ([RESPONSE_TIME_P95]). */
    while (isupper(peek(p, 0)) || peek(p, 0) == '_' || (p->pos > ns && isdigit(peek(p, 0))))
        p->pos++;
    if (peek(p, 0) != ']' || p->pos == ns) {
        if (at_eof(p))
            fail(p, start, "unterminated placeholder, expected ']'");
        else if (p->pos == ns && peek(p, 0) == ']')
            fail(p, start, "empty placeholder name");
        else if (islower(peek(p, 0)))
            fail(p, p->pos, "placeholder names are upper case, e.g. [STATUS]");
        else
            fail(p, p->pos, "unexpected character in placeholder name");
        return NULL;
    }

    tc_cond_node_t *n = node_new(TC_COND_NODE_PH, start);
    n->name = tc_strndup(p->s + ns, p->pos - ns);
    p->pos++;
    if (strcmp(n->name, "BODY") == 0) {
        if (!parse_path(p, n)) {
            node_free(n);
            return NULL;
        }
    } else if (peek(p, 0) == '.') {
        size_t ks = ++p->pos;
        while (!is_word_end(p, p->pos))
            p->pos++;
        if (p->pos == ks) {
            fail(p, ks, "expected a key after '.'");
            node_free(n);
            return NULL;
        }
        n->key = tc_strndup(p->s + ks, p->pos - ks);
    } else if (peek(p, 0) == '[') {
        fail(p, p->pos, "only [BODY] takes a JSON path");
        node_free(n);
        return NULL;
    }
    n->end = (int)p->pos;
    return n;
}

/* len(PLACEHOLDER) and has(PLACEHOLDER); the position is just past the '('. */
static tc_cond_node_t *parse_func(parser_t *p, tc_cond_kind_t kind, size_t start,
                                  const char *fname)
{
    skip_ws(p);
    if (peek(p, 0) != '[') {
        fail(p, p->pos, "%s() takes a placeholder, e.g. %s([BODY].items)", fname, fname);
        return NULL;
    }
    tc_cond_node_t *arg = parse_placeholder(p);
    if (!arg)
        return NULL;
    skip_ws(p);
    if (peek(p, 0) != ')') {
        fail(p, p->pos, "expected ')'");
        node_free(arg);
        return NULL;
    }
    p->pos++;
    tc_cond_node_t *n = node_new(kind, start);
    node_add(n, arg);
    n->end = (int)p->pos;
    return n;
}

/* One argument of pat() or any(): a quoted string, or raw text up to ',' or ')' with the
 * surrounding blanks trimmed, so that globs like *ok* and values like 10.0.0.1 need no
 * quotes. */
static tc_cond_node_t *parse_raw_arg(parser_t *p, bool stop_at_comma, const char *fname)
{
    skip_ws(p);
    if (peek(p, 0) == '"')
        return parse_string(p);

    size_t as = p->pos;
    while (!at_eof(p) && p->s[p->pos] != ')' && !(stop_at_comma && p->s[p->pos] == ','))
        p->pos++;
    if (at_eof(p)) {
        fail(p, p->pos, "expected ')'");
        return NULL;
    }
    size_t ae = p->pos;
    while (ae > as && isspace((unsigned char)p->s[ae - 1]))
        ae--;
    if (ae == as) {
        fail(p, as, "empty argument to %s()", fname);
        return NULL;
    }
    tc_cond_node_t *n = node_new(TC_COND_NODE_LIT, as);
    set_literal(n, p->s + as, ae - as);
    n->end = (int)ae;
    return n;
}

/* pat(GLOB) or any(V1, V2, ...) on the right of == or !=; the position is at the name. */
static tc_cond_node_t *parse_matcher(parser_t *p, bool is_pat)
{
    size_t start = p->pos;
    const char *fname = is_pat ? "pat" : "any";
    tc_cond_node_t *n = node_new(is_pat ? TC_COND_NODE_PAT : TC_COND_NODE_ANY, start);

    p->pos += 4; /* "pat(" or "any(" */
    for (;;) {
        tc_cond_node_t *arg = parse_raw_arg(p, !is_pat, fname);
        if (!arg)
            goto fail;
        if (is_pat) {
            /* The glob is always text: pat(200) matches the string "200". */
            if (arg->lit.type != TC_VALUE_STRING) {
                arg->litbuf = tc_strndup(p->s + arg->start, (size_t)(arg->end - arg->start));
                arg->lit.type = TC_VALUE_STRING;
                arg->lit.str = arg->litbuf;
                arg->lit.len = (size_t)(arg->end - arg->start);
            }
            n->lit = arg->lit;
            n->litbuf = arg->litbuf;
            arg->litbuf = NULL;
            node_free(arg);
        } else {
            node_add(n, arg);
        }
        skip_ws(p);
        if (!is_pat && peek(p, 0) == ',') {
            p->pos++;
            continue;
        }
        if (peek(p, 0) == ')')
            break;
        fail(p, p->pos, is_pat ? "expected ')'" : "expected ',' or ')'");
        goto fail;
    }
    p->pos++;
    n->end = (int)p->pos;
    return n;

fail:
    node_free(n);
    return NULL;
}

/* A function name is a word directly followed by '('. @return its length, or 0. */
static size_t func_name_len(const parser_t *p)
{
    size_t end = p->pos;
    while (!is_word_end(p, end))
        end++;
    return end > p->pos && end < p->len && p->s[end] == '(' ? end - p->pos : 0;
}

static bool is_matcher_here(const parser_t *p, bool *is_pat)
{
    if (func_name_len(p) != 3)
        return false;
    *is_pat = strncmp(p->s + p->pos, "pat", 3) == 0;
    return *is_pat || strncmp(p->s + p->pos, "any", 3) == 0;
}

static tc_cond_node_t *parse_primary(parser_t *p)
{
    char what[64];
    size_t start = p->pos;
    int c = peek(p, 0);

    if (at_eof(p)) {
        fail(p, p->pos, "expected a value at the end of the expression");
        return NULL;
    }
    if (c == '(') {
        if (++p->depth > TC_COND_MAX_DEPTH) {
            fail(p, start, "nesting deeper than %d levels", TC_COND_MAX_DEPTH);
            return NULL;
        }
        p->pos++;
        tc_cond_node_t *inner = parse_or(p);
        if (!inner)
            return NULL;
        skip_ws(p);
        if (peek(p, 0) != ')') {
            fail(p, p->pos, "expected ')'");
            node_free(inner);
            return NULL;
        }
        p->pos++;
        p->depth--;
        return inner;
    }
    if (c == '[')
        return parse_placeholder(p);
    if (c == '"')
        return parse_string(p);
    if (strchr("),<>", c) || at2(p, "==") || at2(p, "!=") || at2(p, "&&") || at2(p, "||")) {
        fail(p, p->pos, "expected a value, found %s", describe_here(p, what, sizeof(what)));
        return NULL;
    }

    size_t flen = func_name_len(p);
    if (flen) {
        const char *f = p->s + p->pos;
        if (flen == 3 && strncmp(f, "len", 3) == 0) {
            p->pos += 4;
            return parse_func(p, TC_COND_NODE_LEN, start, "len");
        }
        if (flen == 3 && strncmp(f, "has", 3) == 0) {
            p->pos += 4;
            return parse_func(p, TC_COND_NODE_HAS, start, "has");
        }
        if (flen == 3 && (strncmp(f, "pat", 3) == 0 || strncmp(f, "any", 3) == 0)) {
            fail(p, start, "%.3s() is only allowed on the right of == or !=", f);
            return NULL;
        }
        fail(p, start, "unknown function '%s'",
             excerpt(p, start, start + flen, what, sizeof(what)));
        return NULL;
    }

    while (!is_word_end(p, p->pos))
        p->pos++;
    if (p->pos == start) {
        fail(p, start, "expected a value, found %s", describe_here(p, what, sizeof(what)));
        return NULL;
    }
    tc_cond_node_t *n = node_new(TC_COND_NODE_LIT, start);
    set_literal(n, p->s + start, p->pos - start);
    n->end = (int)p->pos;
    return n;
}

/* '!' binds tighter than comparisons, as in C: `!has([BODY].x)`, `!([STATUS] == 200)`. */
static tc_cond_node_t *parse_unary(parser_t *p)
{
    skip_ws(p);
    if (peek(p, 0) != '!' || peek(p, 1) == '=')
        return parse_primary(p);

    size_t start = p->pos;
    if (++p->depth > TC_COND_MAX_DEPTH) {
        fail(p, start, "nesting deeper than %d levels", TC_COND_MAX_DEPTH);
        return NULL;
    }
    p->pos++;
    skip_ws(p);
    if (at_eof(p)) {
        fail(p, p->pos, "expected a value after '!'");
        return NULL;
    }
    tc_cond_node_t *kid = parse_unary(p);
    if (!kid)
        return NULL;
    p->depth--;
    if (!boolean_capable(kid)) {
        fail(p, (size_t)kid->start, "'!' needs a condition, e.g. ![CONNECTED] or !(...)");
        node_free(kid);
        return NULL;
    }
    tc_cond_node_t *n = node_new(TC_COND_NODE_NOT, start);
    node_add(n, kid);
    return n;
}

static const char *op_text(tc_cond_op_t op)
{
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
    return names[op];
}

/* A comparison, or a lone operand that can be a boolean ([CONNECTED], has(...)). */
static tc_cond_node_t *parse_cmp(parser_t *p)
{
    char what[64];
    tc_cond_op_t op;
    tc_cond_node_t *lhs = parse_unary(p);
    tc_cond_node_t *rhs = NULL;
    bool is_pat;

    if (!lhs)
        return NULL;
    skip_ws(p);
    size_t oplen = peek_relop(p, &op);
    if (!oplen) {
        if (at_cond_end(p) && boolean_capable(lhs))
            return lhs;
        excerpt(p, (size_t)lhs->start, (size_t)lhs->end, what, sizeof(what));
        if (peek(p, 0) == '=')
            fail(p, p->pos, "expected an operator after %s ('=' compares as '==')", what);
        else
            fail(p, p->pos, "expected an operator after %s", what);
        goto fail;
    }

    p->pos += oplen;
    skip_ws(p);
    if (at_eof(p)) {
        fail(p, p->pos, "expected a value after '%s'", op_text(op));
        goto fail;
    }
    if (is_matcher_here(p, &is_pat)) {
        if (op != TC_COND_OP_EQ && op != TC_COND_OP_NE) {
            fail(p, p->pos, "%s() can only follow == or !=", is_pat ? "pat" : "any");
            goto fail;
        }
        rhs = parse_matcher(p, is_pat);
    } else {
        rhs = parse_unary(p);
    }
    if (!rhs)
        goto fail;

    /* `![STATUS] == 200` means `(![STATUS]) == 200`, which is never what was meant. */
    if ((lhs->kind == TC_COND_NODE_NOT && !boolean_capable(rhs)) ||
        (rhs->kind == TC_COND_NODE_NOT && !boolean_capable(lhs))) {
        size_t col = (size_t)(lhs->kind == TC_COND_NODE_NOT ? lhs->start : rhs->start);
        fail(p, col, "'!' binds tighter than '%s'; write !(a %s b) to negate a comparison",
             op_text(op), op_text(op));
        goto fail;
    }

    tc_cond_node_t *n = node_new(TC_COND_NODE_CMP, (size_t)lhs->start);
    n->op = op;
    node_add(n, lhs);
    node_add(n, rhs);
    lhs = NULL;
    rhs = NULL;

    skip_ws(p);
    if (!at_cond_end(p)) {
        if (peek_relop(p, &op))
            fail(p, p->pos, "comparisons cannot be chained; join them with && or ||");
        else
            fail(p, p->pos, "expected '&&' or '||' after %s",
                 excerpt(p, (size_t)n->kids[1]->start, (size_t)n->kids[1]->end, what,
                         sizeof(what)));
        node_free(n);
        return NULL;
    }
    return n;

fail:
    node_free(lhs);
    node_free(rhs);
    return NULL;
}

/* AND and OR chains become one n-ary node each, so evaluating `a && b && ... && z` does not
 * recurse once per operand. */
static tc_cond_node_t *parse_chain(parser_t *p, const char *opname, tc_cond_kind_t kind,
                                   tc_cond_node_t *(*sub)(parser_t *))
{
    tc_cond_node_t *first = sub(p);
    if (!first)
        return NULL;
    skip_ws(p);
    if (!at2(p, opname))
        return first;

    tc_cond_node_t *n = node_new(kind, (size_t)first->start);
    node_add(n, first);
    while (at2(p, opname)) {
        p->pos += 2;
        skip_ws(p);
        if (at_eof(p)) {
            fail(p, p->pos, "expected a condition after '%s'", opname);
            node_free(n);
            return NULL;
        }
        tc_cond_node_t *kid = sub(p);
        if (!kid) {
            node_free(n);
            return NULL;
        }
        node_add(n, kid);
        skip_ws(p);
    }
    return n;
}

static tc_cond_node_t *parse_and(parser_t *p)
{
    return parse_chain(p, "&&", TC_COND_NODE_AND, parse_cmp);
}

static tc_cond_node_t *parse_or(parser_t *p)
{
    return parse_chain(p, "||", TC_COND_NODE_OR, parse_and);
}

int tc_cond_parse(const char *text, tc_cond_t **out, int *err_col, char *err, size_t errlen)
{
    parser_t p = {.s = text, .err = err, .errlen = errlen};
    tc_cond_node_t *root = NULL;
    char what[64];

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    p.len = strnlen(text, TC_COND_MAX_LEN + 1);
    if (p.len > TC_COND_MAX_LEN) {
        fail(&p, TC_COND_MAX_LEN, "expression longer than %d bytes", TC_COND_MAX_LEN);
        goto fail;
    }
    skip_ws(&p);
    if (at_eof(&p)) {
        fail(&p, 0, "empty expression");
        goto fail;
    }
    root = parse_or(&p);
    if (!root)
        goto fail;
    skip_ws(&p);
    if (!at_eof(&p)) {
        if (peek(&p, 0) == ')')
            fail(&p, p.pos, "unexpected ')'");
        else
            fail(&p, p.pos, "unexpected %s", describe_here(&p, what, sizeof(what)));
        goto fail;
    }

    tc_cond_t *c = tc_calloc(1, sizeof(*c));
    c->text = tc_strndup(text, p.len);
    c->root = root;
    *out = c;
    return 0;

fail:
    node_free(root);
    if (err_col)
        *err_col = p.err_col;
    return TC_EINVAL;
}

static const tc_cond_node_t *find_unknown(const tc_cond_node_t *n, tc_cond_lookup_fn lookup,
                                          void *ctx)
{
    if (n->kind == TC_COND_NODE_PH) {
        tc_value_t v = {.type = TC_VALUE_MISSING};
        return lookup(ctx, n->name, n->key, &v) == 0 ? NULL : n;
    }
    for (size_t i = 0; i < n->nkids; i++) {
        const tc_cond_node_t *bad = find_unknown(n->kids[i], lookup, ctx);
        if (bad)
            return bad;
    }
    return NULL;
}

/* Type checking. Placeholders whose values always have one type are listed here, so that a
 * typo such as `[STATUS] == 2OO` or `[RESPONSE_TIME] < 5x`, which would compare as text and
 * never (or always) hold, is refused when the config loads. Which placeholders exist is the
 * probe kind's business (the lookup); what a well-known name holds is the language's, as in
 * Gatus, so every kind that offers [STATUS] must fill it with a number. Keyed and pathed
 * placeholders ([BODY].x, [HEADER].X, [RESULT].col, [CONTEXT].x) hold whatever the response
 * holds and are not typed; [STEP_TIME].name is a duration whatever the step's name. */
typedef enum {
    TYPE_ANY,      /* text, or a number or boolean read from text: no static check */
    TYPE_NUMBER,   /* a plain number: a status code, a count */
    TYPE_DURATION, /* milliseconds: a bare number or a duration such as 500ms or 48h */
    TYPE_BOOL,     /* true or false */
} type_t;

static const struct {
    const char *name;
    type_t type;
} typed_placeholders[] = {
    {"STATUS", TYPE_NUMBER},
    {"ROWS", TYPE_NUMBER},
    {"RESPONSE_TIME", TYPE_DURATION},
    {"RESPONSE_TIME_P50", TYPE_DURATION},
    {"RESPONSE_TIME_P95", TYPE_DURATION},
    {"RESPONSE_TIME_P99", TYPE_DURATION},
    {"CERTIFICATE_EXPIRATION", TYPE_DURATION},
    {"CONNECT_TIME", TYPE_DURATION},
    {"QUERY_TIME", TYPE_DURATION},
    {"STEP_TIME", TYPE_DURATION},
    {"FIRST_MESSAGE_TIME", TYPE_DURATION},
    {"CONNECTED", TYPE_BOOL},
    {"READ_ONLY", TYPE_BOOL},
    {"IN_RECOVERY", TYPE_BOOL},
};

static type_t type_of(const tc_cond_node_t *n)
{
    switch (n->kind) {
    case TC_COND_NODE_PH:
        if (strcmp(n->name, "BODY") == 0)
            return TYPE_ANY;
        for (size_t i = 0; i < sizeof typed_placeholders / sizeof typed_placeholders[0]; i++)
            if (strcmp(n->name, typed_placeholders[i].name) == 0)
                return typed_placeholders[i].type;
        return TYPE_ANY;
    case TC_COND_NODE_LEN:
        return TYPE_NUMBER;
    case TC_COND_NODE_HAS:
        return TYPE_BOOL;
    default:
        return TYPE_ANY;
    }
}

/* Copy the source text of @p n into @p buf for a message, cut at @p n bytes on a UTF-8
 * boundary (the config layer escapes what it prints). */
static const char *node_text(const tc_cond_t *c, const tc_cond_node_t *n, char *buf, size_t size)
{
    size_t len = (size_t)(n->end - n->start);
    const char *more = "";
    if (len > size - 4) {
        len = size - 4;
        while (len > 0 && ((unsigned char)c->text[n->start + (int)len] & 0xc0) == 0x80)
            len--;
        more = "...";
    }
    snprintf(buf, size, "%.*s%s", (int)len, c->text + n->start, more);
    return buf;
}

/* A bare word that was meant as a number or a duration: a digit first (after an optional
 * '-'), then only letters, digits and dots, and not a valid number or duration: 5x, 2OO,
 * 1h30m, 5mins, 1.2.3. Such a word compares as text. */
static bool malformed_number(const tc_cond_node_t *lit, const char *src)
{
    if (lit->kind != TC_COND_NODE_LIT || lit->quoted || lit->lit.type != TC_VALUE_STRING)
        return false;
    const char *w = src + lit->start;
    size_t len = (size_t)(lit->end - lit->start), i = 0;
    if (i < len && w[i] == '-')
        i++;
    if (i >= len || !isdigit((unsigned char)w[i]))
        return false;
    for (; i < len; i++)
        if (!isalnum((unsigned char)w[i]) && w[i] != '.')
            return false;
    return true;
}

typedef struct type_error {
    const tc_cond_node_t *at;
    char msg[160];
} type_error_t;

/* Literal @p lit compared with a value of type @p t (shown as @p what). */
static bool check_literal(const tc_cond_t *c, type_t t, const char *what,
                          const tc_cond_node_t *lit, type_error_t *e)
{
    char tok[48];
    double v;
    if (lit->kind != TC_COND_NODE_LIT)
        return true;
    node_text(c, lit, tok, sizeof tok);
    if (t == TYPE_NUMBER || t == TYPE_DURATION) {
        if (lit->lit.type == TC_VALUE_NUMBER && lit->duration && t == TYPE_NUMBER)
            snprintf(e->msg, sizeof e->msg, "%s is a duration but %s is a plain number", tok,
                     what);
        else if (lit->lit.type == TC_VALUE_NUMBER ||
                 (lit->lit.type == TC_VALUE_STRING &&
                  tc_cond__parse_number(lit->lit.str, lit->lit.len, &v)))
            return true;
        else if (t == TYPE_DURATION)
            snprintf(e->msg, sizeof e->msg,
                     "%s is not a number or a duration such as 500ms, 30s or 48h", tok);
        else
            snprintf(e->msg, sizeof e->msg, "%s is not a number", tok);
    } else if (t == TYPE_BOOL) {
        if (lit->lit.type == TC_VALUE_BOOL ||
            (lit->lit.type == TC_VALUE_STRING &&
             ((lit->lit.len == 4 && memcmp(lit->lit.str, "true", 4) == 0) ||
              (lit->lit.len == 5 && memcmp(lit->lit.str, "false", 5) == 0))))
            return true;
        snprintf(e->msg, sizeof e->msg, "%s is not true or false (%s is a boolean)", tok, what);
    } else {
        return true;
    }
    e->at = lit;
    return false;
}

static bool check_cmp(const tc_cond_t *c, const tc_cond_node_t *n, type_error_t *e)
{
    char what[48];
    bool ordering = n->op != TC_COND_OP_EQ && n->op != TC_COND_OP_NE;
    for (int side = 0; side < 2; side++) {
        const tc_cond_node_t *typed = n->kids[side], *other = n->kids[1 - side];
        type_t t = type_of(typed);
        node_text(c, typed, what, sizeof what);
        if (t == TYPE_BOOL && ordering) {
            snprintf(e->msg, sizeof e->msg, "%s is true or false and cannot be compared with %s",
                     what, op_text(n->op));
            e->at = typed;
            return false;
        }
        if (t == TYPE_ANY) {
            /* Untyped values may be text, so only an ordering with a would-be number is
             * surely a mistake: `[BODY].count > 5x` orders text. */
            if (ordering && malformed_number(other, c->text)) {
                char tok[48];
                snprintf(e->msg, sizeof e->msg,
                         "%s is not a number or a duration (write \"%s\" to compare text)",
                         node_text(c, other, tok, sizeof tok), tok);
                e->at = other;
                return false;
            }
            continue;
        }
        if (other->kind == TC_COND_NODE_ANY) {
            for (size_t i = 0; i < other->nkids; i++)
                if (!check_literal(c, t, what, other->kids[i], e))
                    return false;
        } else if (!check_literal(c, t, what, other, e)) {
            return false;
        }
    }
    return true;
}

/* A number standing where a condition is expected (`[STATUS]` alone, `![RESPONSE_TIME]`)
 * is never true: the truth of a bare operand is a true boolean or the text "true". */
static bool check_truth(const tc_cond_t *c, const tc_cond_node_t *n, type_error_t *e)
{
    type_t t = type_of(n);
    if (n->kind != TC_COND_NODE_PH || (t != TYPE_NUMBER && t != TYPE_DURATION))
        return true;
    char what[48];
    node_text(c, n, what, sizeof what);
    snprintf(e->msg, sizeof e->msg, "%s is a number, not a condition; compare it, e.g. %s %s",
             what, what, t == TYPE_NUMBER ? "== 200" : "< 500");
    e->at = n;
    return false;
}

/* Walks the tree; @p as_condition is true where a truth value is expected. */
static bool check_types(const tc_cond_t *c, const tc_cond_node_t *n, bool as_condition,
                        type_error_t *e)
{
    if (as_condition && !check_truth(c, n, e))
        return false;
    if (n->kind == TC_COND_NODE_CMP && !check_cmp(c, n, e))
        return false;
    bool kids_as_condition = n->kind == TC_COND_NODE_AND || n->kind == TC_COND_NODE_OR ||
                             n->kind == TC_COND_NODE_NOT;
    for (size_t i = 0; i < n->nkids; i++)
        if (!check_types(c, n->kids[i], kids_as_condition, e))
            return false;
    return true;
}

int tc_cond_check(const tc_cond_t *c, tc_cond_lookup_fn lookup, void *ctx, int *err_col,
                  char *err, size_t errlen)
{
    const tc_cond_node_t *bad = find_unknown(c->root, lookup, ctx);
    if (bad) {
        if (err_col)
            *err_col = bad->start;
        if (err && errlen)
            snprintf(err, errlen, "unknown placeholder [%s]", bad->name);
        return TC_EINVAL;
    }
    type_error_t e = {NULL, ""};
    if (check_types(c, c->root, true, &e))
        return 0;
    if (err_col)
        *err_col = e.at->start;
    if (err && errlen)
        snprintf(err, errlen, "%s", e.msg);
    return TC_EINVAL;
}

const char *tc_cond_text(const tc_cond_t *c)
{
    return c->text;
}

void tc_cond_free(tc_cond_t *c)
{
    if (!c)
        return;
    node_free(c->root);
    free(c->text);
    free(c);
}
