/* Unit tests for the condition language (src/eval/cond_parse.c and cond_eval.c): every
 * operator and function, [BODY] JSON paths, durations, missing values, boolean operators,
 * parse errors with their columns, placeholder checks and explanations. Cases are tables;
 * a fake probe result answers the lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/err.h"
#include "eval/cond.h"

/* A fake probe result. NULL strings and has_* == false make the placeholder missing. */
typedef struct fixture {
    bool has_status;
    double status;
    bool has_rt;
    double response_time; /* ms */
    const char *body;
    const char *headers[4][2];
    bool has_connected;
    bool connected;
    bool has_cert;
    double cert_ms;
    const char *ip;
    const char *rcode;
    int body_lookups; /* counts "BODY" lookups, to check the per-eval cache */
} fixture_t;

enum { FX_UP, FX_DOWN, FX_EMPTY, FX_ARRAY, FX_TEXT, FX_COUNT };

static const char up_body[] =
    "{\"status\":\"UP\",\"data\":[{\"id\":1,\"name\":\"a\"},{\"id\":2}],\"items\":[],"
    "\"count\":\"42\",\"ok\":true,\"errors\":null,\"nested\":{\"a\":{\"b\":[10,[20,30]]}},"
    "\"msg\":\"all ok here\",\"pi\":3.5,\"quote\":\"say \\\"hi\\\" \\\\ bye\","
    "\"uni\":\"caf\\u00e9\"}";

static fixture_t fixtures[FX_COUNT] = {
    [FX_UP] = {true, 200, true, 120, up_body,
               {{"Content-Type", "application/json"}, {"X-Count", "7"}, {"X-Empty", ""}},
               true, true, true, 30.0 * 86400 * 1000, "127.0.0.1", "NOERROR", 0},
    [FX_DOWN] = {true, 503, true, 1500, "Service Unavailable", {{"Content-Type", "text/plain"}},
                 true, false, true, 3600.0 * 1000, "10.1.2.3", "NXDOMAIN", 0},
    [FX_EMPTY] = {false, 0, false, 0, NULL, {{NULL, NULL}}, false, false, false, 0, NULL, NULL,
                  0},
    [FX_ARRAY] = {true, 200, true, 5, "[1, {\"a\": \"x\"}]", {{NULL, NULL}}, true, true, false, 0,
                  NULL, NULL, 0},
    [FX_TEXT] = {true, 200, true, 5, "line one\nline\ttwo ok", {{NULL, NULL}}, true, true,
                 false, 0, NULL, NULL, 0},
};

static void set_string(tc_value_t *out, const char *s)
{
    if (!s)
        return;
    out->type = TC_VALUE_STRING;
    out->str = s;
    out->len = strlen(s);
}

static void set_number(tc_value_t *out, bool has, double d)
{
    if (!has)
        return;
    out->type = TC_VALUE_NUMBER;
    out->num = d;
}

static int lookup(void *ctx, const char *name, const char *key, tc_value_t *out)
{
    fixture_t *f = ctx;

    out->type = TC_VALUE_MISSING;
    if (strcmp(name, "STATUS") == 0) {
        set_number(out, f->has_status, f->status);
    } else if (strcmp(name, "RESPONSE_TIME") == 0) {
        set_number(out, f->has_rt, f->response_time);
    } else if (strcmp(name, "CERTIFICATE_EXPIRATION") == 0) {
        set_number(out, f->has_cert, f->cert_ms);
    } else if (strcmp(name, "BODY") == 0) {
        f->body_lookups++;
        set_string(out, f->body);
    } else if (strcmp(name, "IP") == 0) {
        set_string(out, f->ip);
    } else if (strcmp(name, "DNS_RCODE") == 0) {
        set_string(out, f->rcode);
    } else if (strcmp(name, "CONNECTED") == 0) {
        if (f->has_connected) {
            out->type = TC_VALUE_BOOL;
            out->boolean = f->connected;
        }
    } else if (strcmp(name, "HEADER") == 0) {
        for (size_t i = 0; key && i < 4 && f->headers[i][0]; i++)
            if (strcasecmp(f->headers[i][0], key) == 0)
                set_string(out, f->headers[i][1]);
    } else {
        return -1;
    }
    return 0;
}

static tc_cond_t *must_parse(const char *text)
{
    tc_cond_t *c = NULL;
    int col = -1;
    char err[256];
    if (tc_cond_parse(text, &c, &col, err, sizeof(err)) != 0)
        fail_msg("parse of '%s' failed at column %d: %s", text, col, err);
    return c;
}

typedef struct eval_case {
    const char *text;
    int fx;
    bool want;
} eval_case_t;

static const eval_case_t eval_cases[] = {
    /* Every comparison operator, numbers both ways round. */
    {"[STATUS] == 200", FX_UP, true},
    {"[STATUS] == 200", FX_DOWN, false},
    {"[STATUS] != 200", FX_DOWN, true},
    {"[STATUS] != 200", FX_UP, false},
    {"[STATUS] < 300", FX_UP, true},
    {"[STATUS] < 300", FX_DOWN, false},
    {"[STATUS] <= 200", FX_UP, true},
    {"[STATUS] <= 199", FX_UP, false},
    {"[STATUS] > 199", FX_UP, true},
    {"[STATUS] > 200", FX_UP, false},
    {"[STATUS] >= 200", FX_UP, true},
    {"[STATUS] >= 201", FX_UP, false},
    {"200 == [STATUS]", FX_UP, true},
    {"[STATUS] == 200.0", FX_UP, true},
    {"[STATUS] > -1", FX_UP, true},
    {"[STATUS] == 2e2", FX_UP, true},
    {"[RESPONSE_TIME] < 500", FX_UP, true},
    {"[RESPONSE_TIME] < 500", FX_DOWN, false},
    {"[STATUS]==200", FX_UP, true},
    {"10 < 9", FX_UP, false},
    /* Strings that are numbers compare numerically ("42" > 5, not "42" < "5"). */
    {"[BODY].count == 42", FX_UP, true},
    {"[BODY].count > 5", FX_UP, true},
    {"[HEADER].X-Count >= 7", FX_UP, true},
    {"\"10\" > \"9\"", FX_UP, true},
    {"[BODY].pi > 3.25", FX_UP, true},
    {"[BODY].pi == 3.5", FX_UP, true},
    /* Strings: bare, quoted, case-sensitive, ordered byte-wise. */
    {"[BODY].status == UP", FX_UP, true},
    {"[BODY].status == \"UP\"", FX_UP, true},
    {"[BODY].status == up", FX_UP, false},
    {"[BODY].status != DOWN", FX_UP, true},
    {"[BODY].status < V", FX_UP, true},
    {"[BODY].status >= UO", FX_UP, true},
    {"[BODY].msg == \"all ok here\"", FX_UP, true},
    {"[BODY].quote == \"say \\\"hi\\\" \\\\ bye\"", FX_UP, true},
    {"[BODY].uni == café", FX_UP, true},
    {"[BODY].status == \"\"", FX_UP, false},
    {"[HEADER].X-Empty == \"\"", FX_UP, true},
    {"[STATUS] == UP", FX_UP, false},
    {"[IP] == 127.0.0.1", FX_UP, true},
    {"[IP] == 127.0.0.1", FX_DOWN, false},
    {"[DNS_RCODE] == NOERROR", FX_UP, true},
    {"[DNS_RCODE] == NOERROR", FX_DOWN, false},
    {"[DNS_RCODE] == NXDOMAIN", FX_DOWN, true},
    {"[HEADER].Content-Type == application/json", FX_UP, true},
    {"[HEADER].content-type == application/json", FX_UP, true},
    {"[HEADER].Content-Type == application/json", FX_DOWN, false},
    {"[HEADER].X == a=b", FX_UP, false},
    /* Booleans. */
    {"[CONNECTED] == true", FX_UP, true},
    {"[CONNECTED] == true", FX_DOWN, false},
    {"[CONNECTED] == false", FX_DOWN, true},
    {"[CONNECTED] != true", FX_DOWN, true},
    {"[CONNECTED] == \"true\"", FX_UP, true},
    {"[CONNECTED] < true", FX_UP, false},
    {"[CONNECTED] == 1", FX_UP, false},
    {"[CONNECTED]", FX_UP, true},
    {"[CONNECTED]", FX_DOWN, false},
    {"[BODY].ok == true", FX_UP, true},
    {"[BODY].ok", FX_UP, true},
    {"[BODY].status", FX_UP, false},
    {"true", FX_UP, true},
    {"false", FX_UP, false},
    /* Durations are milliseconds. */
    {"[CERTIFICATE_EXPIRATION] > 48h", FX_UP, true},
    {"[CERTIFICATE_EXPIRATION] > 48h", FX_DOWN, false},
    {"[CERTIFICATE_EXPIRATION] > 7d", FX_UP, true},
    {"[CERTIFICATE_EXPIRATION] < 31d", FX_UP, true},
    {"[CERTIFICATE_EXPIRATION] == 30d", FX_UP, true},
    {"[CERTIFICATE_EXPIRATION] > 59m", FX_DOWN, true},
    {"[CERTIFICATE_EXPIRATION] > 61m", FX_DOWN, false},
    {"[RESPONSE_TIME] < 1s", FX_UP, true},
    {"[RESPONSE_TIME] < 500ms", FX_UP, true},
    {"[RESPONSE_TIME] < 1.5s", FX_DOWN, false},
    {"[RESPONSE_TIME] <= 1.5s", FX_DOWN, true},
    {"10s == 10000", FX_UP, true},
    {"-1s == -1000", FX_UP, true},
    /* [BODY] JSON paths: nested, arrays, out of range, wrong type. */
    {"[BODY].data[0].id == 1", FX_UP, true},
    {"[BODY].data[1].id == 2", FX_UP, true},
    {"[BODY].data[2].id == 3", FX_UP, false},
    {"[BODY].data[1].name == a", FX_UP, false},
    {"[BODY].data[0].name == a", FX_UP, true},
    {"[BODY].nested.a.b[1][0] == 20", FX_UP, true},
    {"[BODY].nested.a.b[1][1] >= 30", FX_UP, true},
    {"[BODY].status.x == 1", FX_UP, false},
    {"[BODY].data.id == 1", FX_UP, false},
    {"[BODY][0] == 1", FX_UP, false},
    {"[BODY][0] == 1", FX_ARRAY, true},
    {"[BODY][1].a == x", FX_ARRAY, true},
    {"[BODY].nested.a == pat(*[10,[20,30]]*)", FX_UP, true},
    {"[BODY].items == \"[]\"", FX_UP, true},
    /* Missing keys and null: only != holds. */
    {"[BODY].nope == 1", FX_UP, false},
    {"[BODY].nope != 1", FX_UP, true},
    {"[BODY].nope < 1", FX_UP, false},
    {"[BODY].errors == null", FX_UP, false},
    {"[BODY].data[1].name != a", FX_UP, true},
    /* A body that is not JSON: paths are missing, the raw body still compares. */
    {"[BODY].status == UP", FX_DOWN, false},
    {"has([BODY].status)", FX_DOWN, false},
    {"[BODY] == \"Service Unavailable\"", FX_DOWN, true},
    {"[BODY] == Service", FX_DOWN, false},
    /* Everything missing. */
    {"[STATUS] == 200", FX_EMPTY, false},
    {"[STATUS] != 200", FX_EMPTY, true},
    {"[STATUS] < 300", FX_EMPTY, false},
    {"[STATUS] >= 300", FX_EMPTY, false},
    {"[BODY].status == UP", FX_EMPTY, false},
    {"[BODY] == pat(*)", FX_EMPTY, false},
    {"[BODY] != pat(*)", FX_EMPTY, true},
    {"[STATUS] == any(200)", FX_EMPTY, false},
    {"[STATUS] != any(200)", FX_EMPTY, true},
    {"has([BODY].x)", FX_EMPTY, false},
    {"has([BODY])", FX_EMPTY, false},
    {"[CONNECTED]", FX_EMPTY, false},
    {"![CONNECTED]", FX_EMPTY, true},
    {"[HEADER].Content-Type == application/json", FX_EMPTY, false},
    {"[HEADER].Content-Type != application/json", FX_EMPTY, true},
    {"len([BODY]) == 0", FX_EMPTY, false},
    /* len() */
    {"len([BODY].items) > 0", FX_UP, false},
    {"len([BODY].items) == 0", FX_UP, true},
    {"len([BODY].data) == 2", FX_UP, true},
    {"len([BODY].nested) == 1", FX_UP, true},
    {"len([BODY].status) == 2", FX_UP, true},
    {"len([BODY].count) == 2", FX_UP, true},
    {"len([BODY].pi) == 3", FX_UP, true},
    {"len([BODY].nope) == 0", FX_UP, false},
    {"len([BODY].nope) != 0", FX_UP, true},
    {"len([BODY]) > 10", FX_UP, true},
    {"len([BODY]) == 19", FX_DOWN, true},
    {"len([BODY]) == 15", FX_ARRAY, true},
    {"len([BODY][1]) == 1", FX_ARRAY, true},
    {"len([HEADER].Content-Type) == 16", FX_UP, true},
    {"len( [BODY].data ) == 2", FX_UP, true},
    /* has() */
    {"has([BODY].errors) == false", FX_UP, true},
    {"has([BODY].errors)", FX_UP, false},
    {"has([BODY].status)", FX_UP, true},
    {"has([BODY].items)", FX_UP, true},
    {"has([BODY].data[1].id)", FX_UP, true},
    {"has([BODY].data[5])", FX_UP, false},
    {"has([IP])", FX_UP, true},
    {"!has([BODY].errors)", FX_UP, true},
    {"has([BODY].items) && len([BODY].items) == 0", FX_UP, true},
    /* pat() */
    {"[BODY] == pat(*ok*)", FX_UP, true},
    {"[BODY] == pat(*ok*)", FX_DOWN, false},
    {"[BODY] != pat(*ok*)", FX_DOWN, true},
    {"[BODY] == pat(Service*)", FX_DOWN, true},
    {"[BODY] == pat(*Unavailable)", FX_DOWN, true},
    {"[BODY] == pat(Service)", FX_DOWN, false},
    {"[IP] == pat(10.*)", FX_DOWN, true},
    {"[IP] == pat(10.*)", FX_UP, false},
    {"[IP] == pat(127.0.0.?)", FX_UP, true},
    {"[IP] == pat(127.0.0.?\?)", FX_UP, false},
    {"[STATUS] == pat(2*)", FX_UP, true},
    {"[STATUS] == pat(\"5*\")", FX_DOWN, true},
    {"[BODY].status == pat(U?)", FX_UP, true},
    {"[BODY].status == pat(*)", FX_UP, true},
    {"[BODY].status == pat(**U**P**)", FX_UP, true},
    {"[BODY].status == pat( U* )", FX_UP, true},
    {"[BODY].nope == pat(*)", FX_UP, false},
    {"[BODY].nope != pat(*)", FX_UP, true},
    {"[BODY] == pat(*line?two*)", FX_TEXT, true},
    {"[BODY] == pat(\"*ok, or (not)*\")", FX_UP, false},
    {"[CONNECTED] == pat(tr*)", FX_UP, true},
    /* any() */
    {"[STATUS] == any(200, 204)", FX_UP, true},
    {"[STATUS] == any(200, 204)", FX_DOWN, false},
    {"[STATUS] != any(200, 204)", FX_DOWN, true},
    {"[STATUS] != any(200, 204)", FX_UP, false},
    {"[STATUS] == any(500,503)", FX_DOWN, true},
    {"[STATUS] == any( 201 , 200 )", FX_UP, true},
    {"[BODY].status == any(DOWN, UP)", FX_UP, true},
    {"[BODY].status == any(\"DOWN\", \"UP\")", FX_UP, true},
    {"[DNS_RCODE] == any(NOERROR, NXDOMAIN)", FX_DOWN, true},
    {"[CONNECTED] == any(false, true)", FX_UP, true},
    {"[RESPONSE_TIME] == any(1s, 1.5s)", FX_DOWN, true},
    /* &&, ||, !, parentheses and precedence (! > comparison > && > ||). */
    {"[STATUS] == 200 && [CONNECTED]", FX_UP, true},
    {"[STATUS] == 200 && [CONNECTED]", FX_DOWN, false},
    {"[STATUS] == 503 || [CONNECTED]", FX_DOWN, true},
    {"[STATUS] == 200 || [STATUS] == 503", FX_DOWN, true},
    {"[STATUS] == 500 || [STATUS] == 200 && [CONNECTED]", FX_DOWN, false},
    {"[STATUS] == 500 || [STATUS] == 200 && [CONNECTED]", FX_UP, true},
    {"true || false && false", FX_UP, true},
    {"(true || false) && false", FX_UP, false},
    {"false && false || true", FX_UP, true},
    {"false && (false || true)", FX_UP, false},
    {"!false && false", FX_UP, false},
    {"!(false && false)", FX_UP, true},
    {"!true || true", FX_UP, true},
    {"!!true", FX_UP, true},
    {"! ! ! true", FX_UP, false},
    {"![CONNECTED]", FX_DOWN, true},
    {"![CONNECTED] == true", FX_DOWN, true},
    {"!([STATUS] == 200)", FX_DOWN, true},
    {"!([STATUS] == 200) && [RESPONSE_TIME] > 1s", FX_DOWN, true},
    {"((([STATUS] == 200)))", FX_UP, true},
    {"([STATUS]) == 200", FX_UP, true},
    {"([STATUS] == 200) == true", FX_UP, true},
    {"[STATUS]==200&&[CONNECTED]||false", FX_UP, true},
    {"[CONNECTED] == ![CONNECTED]", FX_UP, false},
    {"[STATUS] == 200 && [CONNECTED] && [IP] == 127.0.0.1 && [DNS_RCODE] == NOERROR", FX_UP,
     true},
    {"[STATUS] == 200 && [CONNECTED] && [IP] == 127.0.0.1 && [DNS_RCODE] == NOERROR", FX_DOWN,
     false},
    {"[BODY].ok && !has([BODY].errors)", FX_UP, true},
    {"[RESPONSE_TIME] < 500\n  && [CONNECTED]", FX_UP, true},
};

static void test_eval(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(eval_cases) / sizeof(eval_cases[0]); i++) {
        const eval_case_t *tc = &eval_cases[i];
        tc_cond_t *c = must_parse(tc->text);
        bool got = tc_cond_eval(c, lookup, &fixtures[tc->fx], NULL);
        tc_buf_t b;
        tc_buf_init(&b, 0);
        bool got_explained = tc_cond_eval(c, lookup, &fixtures[tc->fx], &b);
        if (got != tc->want || got_explained != tc->want)
            fail_msg("case %zu '%s' on fixture %d: got %d/%d, want %d (%s)", i, tc->text, tc->fx,
                     got, got_explained, tc->want, b.data ? b.data : "");
        tc_buf_free(&b);
        tc_cond_free(c);
    }
}

typedef struct error_case {
    const char *text;
    int col;
    const char *msg; /* a prefix of the expected message */
} error_case_t;

static const error_case_t error_cases[] = {
    {"", 0, "empty expression"},
    {"   ", 0, "empty expression"},
    {"[STATUS] 200", 9, "expected an operator after [STATUS]"},
    {"200", 3, "expected an operator after 200"},
    {"UP", 2, "expected an operator after UP"},
    {"len([BODY].items)", 17, "expected an operator after len([BODY].items)"},
    {"[STATUS] = 200", 9, "expected an operator after [STATUS] ('=' compares as '==')"},
    {"foo(1) == 2", 0, "unknown function 'foo'"},
    {"[STATUS] == foo(1)", 12, "unknown function 'foo'"},
    {"[BODY].status == \"UP", 17, "unterminated string"},
    {"[BODY] == \"a\\qb\"", 12, "unknown escape '\\q' in string"},
    {"[BODY] == \"a\\", 10, "unterminated string"},
    {"([STATUS] == 200", 16, "expected ')'"},
    {"(", 1, "expected a value at the end of the expression"},
    {"()", 1, "expected a value, found ')'"},
    {"[STATUS] == 200)", 15, "unexpected ')'"},
    {"[STATUS] ==", 11, "expected a value after '=='"},
    {"[STATUS] >= ", 12, "expected a value after '>='"},
    {"[STATUS] == ,", 12, "expected a value, found ','"},
    {"[STATUS] == 200 &&", 18, "expected a condition after '&&'"},
    {"[STATUS] == 200 || ", 19, "expected a condition after '||'"},
    {"|| true", 0, "expected a value, found '||'"},
    {"== 200", 0, "expected a value, found '=='"},
    {"[STATUS] == 200 [CONNECTED]", 16, "expected '&&' or '||' after 200"},
    {"[STATUS] == 200 & [CONNECTED]", 16, "expected '&&' or '||' after 200"},
    {"[STATUS] == 200 == 200", 16, "comparisons cannot be chained"},
    {"[STATUS", 0, "unterminated placeholder"},
    {"[status] == 200", 1, "placeholder names are upper case"},
    {"[] == 1", 0, "empty placeholder name"},
    {"[ST-ATUS] == 1", 3, "unexpected character in placeholder name"},
    {"[9LIVES] == 1", 1, "unexpected character in placeholder name"},
    {"[BODY]. == 1", 7, "expected a key after '.'"},
    {"[BODY].a. == 1", 9, "expected a key after '.'"},
    {"[BODY].a[x] == 1", 9, "expected an array index"},
    {"[BODY].a[-1] == 1", 9, "expected an array index"},
    {"[BODY].a[1 == 1", 10, "expected ']'"},
    {"[BODY].a[1234567890] == 1", 9, "array index too large"},
    {"[HEADER]. == 1", 9, "expected a key after '.'"},
    {"[STATUS][0] == 1", 8, "only [BODY] takes a JSON path"},
    {"pat(*ok*) == [BODY]", 0, "pat() is only allowed on the right of == or !="},
    {"[STATUS] == 200 && any(1) == 1", 19, "any() is only allowed on the right of == or !="},
    {"[STATUS] < any(1,2)", 11, "any() can only follow == or !="},
    {"[BODY] >= pat(*)", 10, "pat() can only follow == or !="},
    {"[STATUS] == any(1,)", 18, "empty argument to any()"},
    {"[STATUS] == any()", 16, "empty argument to any()"},
    {"[STATUS] == any(1 2", 19, "expected ')'"},
    {"[STATUS] == any(\"1\" 2)", 20, "expected ',' or ')'"},
    {"[BODY] == pat()", 14, "empty argument to pat()"},
    {"[BODY] == pat(*ok*", 18, "expected ')'"},
    {"[BODY] == pat(\"*ok*\" x)", 21, "expected ')'"},
    {"[BODY] == pat(\"*ok*", 14, "unterminated string"},
    {"len(200) > 1", 4, "len() takes a placeholder"},
    {"has() == true", 4, "has() takes a placeholder"},
    {"len([BODY].items > 1", 17, "expected ')'"},
    {"has([BODY].x", 12, "expected ')'"},
    {"!200", 1, "'!' needs a condition"},
    {"!len([BODY])", 1, "'!' needs a condition"},
    {"!", 1, "expected a value after '!'"},
    {"![STATUS] == 200", 0, "'!' binds tighter than '=='"},
    {"200 != ![CONNECTED]", 7, "'!' binds tighter than '!='"},
};

static void check_error(const char *text, int want_col, const char *want_msg)
{
    tc_cond_t *c = (tc_cond_t *)0x1;
    int col = -1;
    char err[256] = "";
    int rc = tc_cond_parse(text, &c, &col, err, sizeof(err));
    if (rc != TC_EINVAL || c != NULL)
        fail_msg("'%s' should not parse (rc %d)", text, rc);
    if (col != want_col || strncmp(err, want_msg, strlen(want_msg)) != 0)
        fail_msg("'%s': got column %d \"%s\", want column %d \"%s\"", text, col, err, want_col,
                 want_msg);
}

static void test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
        check_error(error_cases[i].text, error_cases[i].col, error_cases[i].msg);
}

/* Builds the string made of @p n copies of @p open, @p middle and @p n copies of @p close. */
static char *nest(const char *open, int n, const char *middle, const char *close)
{
    size_t len = (strlen(open) + strlen(close)) * (size_t)n + strlen(middle) + 1;
    char *s = calloc(1, len);
    for (int i = 0; i < n; i++)
        strcat(s, open);
    strcat(s, middle);
    for (int i = 0; i < n; i++)
        strcat(s, close);
    return s;
}

static void test_limits(void **state)
{
    (void)state;
    char *s = nest("(", 64, "true", ")");
    tc_cond_t *c = must_parse(s);
    assert_true(tc_cond_eval(c, lookup, &fixtures[FX_UP], NULL));
    tc_cond_free(c);
    free(s);

    s = nest("(", 65, "true", ")");
    check_error(s, 64, "nesting deeper than 64 levels");
    free(s);

    s = nest("!", 64, "true", "");
    c = must_parse(s);
    assert_true(tc_cond_eval(c, lookup, &fixtures[FX_UP], NULL));
    tc_cond_free(c);
    free(s);

    s = nest("!", 65, "true", "");
    check_error(s, 64, "nesting deeper than 64 levels");
    free(s);

    /* Exactly at the cap is fine; one byte more is not. */
    s = calloc(1, 4098);
    memset(s, ' ', 4096);
    memcpy(s, "true", 4);
    c = must_parse(s);
    tc_cond_free(c);
    s[4096] = ' ';
    check_error(s, 4096, "expression longer than 4096 bytes");
    free(s);

    /* A long && chain is one n-ary node, not a deep tree. */
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "true");
    for (int i = 0; i < 400; i++)
        tc_buf_puts(&b, "&&true");
    c = must_parse(b.data);
    assert_true(tc_cond_eval(c, lookup, &fixtures[FX_UP], NULL));
    tc_cond_free(c);
    tc_buf_free(&b);
}

typedef struct check_case {
    const char *text;
    int col; /* -1: every placeholder is known */
    const char *msg;
} check_case_t;

static const check_case_t check_cases[] = {
    {"[STATUS] == 200 && [HEADER].X == 1 && [BODY].a[0] == 1 && [CONNECTED]", -1, NULL},
    {"[FOO] == 1", 0, "unknown placeholder [FOO]"},
    {"[STATUS] == 200 && [RESULT].x == 1", 19, "unknown placeholder [RESULT]"},
    {"len([NOPE].x) > 0", 4, "unknown placeholder [NOPE]"},
    {"[STATUS] == [WHAT]", 12, "unknown placeholder [WHAT]"},
    {"!([STATUS] == 1 || has([CONTEXT].token))", 23, "unknown placeholder [CONTEXT]"},
};

static void test_check(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
        const check_case_t *tc = &check_cases[i];
        tc_cond_t *c = must_parse(tc->text);
        int col = -1;
        char err[128] = "";
        int rc = tc_cond_check(c, lookup, &fixtures[FX_EMPTY], &col, err, sizeof(err));
        if (tc->col < 0) {
            if (rc != 0)
                fail_msg("'%s': unexpected %s at %d", tc->text, err, col);
        } else if (rc != TC_EINVAL || col != tc->col || strcmp(err, tc->msg) != 0) {
            fail_msg("'%s': got rc %d column %d \"%s\", want column %d \"%s\"", tc->text, rc,
                     col, err, tc->col, tc->msg);
        }
        tc_cond_free(c);
    }
}

/* Type checks (tc_cond_check() after the placeholders are known): a typed placeholder
 * compared with a value of another type, or an ordering with a would-be number, would
 * compare as text and never (or always) hold, so it is refused at load. */
static int any_name(void *ctx, const char *name, const char *key, tc_value_t *out)
{
    (void)ctx;
    (void)name;
    (void)key;
    out->type = TC_VALUE_MISSING;
    return 0;
}

static const check_case_t type_cases[] = {
    /* Valid: every example of CONDITIONS.md, README.md and PROBES.md, and the corners. */
    {"[STATUS] == any(200, 204)", -1, NULL},
    {"[RESPONSE_TIME] < 500", -1, NULL},
    {"[BODY].status == UP", -1, NULL},
    {"[BODY].data[0].id == 1", -1, NULL},
    {"len([BODY].items) > 0 && has([BODY].errors) == false", -1, NULL},
    {"[HEADER].Content-Type == pat(application/json*)", -1, NULL},
    {"[CERTIFICATE_EXPIRATION] > 7d", -1, NULL},
    {"[CONNECTED] && ([IP] == pat(10.*) || [IP] == 127.0.0.1)", -1, NULL},
    {"!([DNS_RCODE] == NXDOMAIN)", -1, NULL},
    {"[RESULT].n < 10 && [READ_ONLY] == false && [IN_RECOVERY] == false", -1, NULL},
    {"[QUERY_TIME] < 200 && [CONNECT_TIME] < 500 && [ROWS] == 1", -1, NULL},
    {"[STEP_TIME].read < 500 && [STEP_TIME].x < 2s", -1, NULL},
    {"[IP] == any(192.0.2.10, 192.0.2.11)", -1, NULL},
    {"[STATUS] == pat(2*) && [STATUS] == \"200\" && 200 == [STATUS]", -1, NULL},
    {"[RESPONSE_TIME] < 1.5s && [RESPONSE_TIME] <= 250ms && [CERTIFICATE_EXPIRATION] > 0", -1,
     NULL},
    {"[CONNECTED] == true && [CONNECTED] != \"false\" && ![CONNECTED] == false", -1, NULL},
    {"([STATUS] == 200) == true && has([BODY].x) != false", -1, NULL},
    {"[BODY].updated > 2024-01-01 && [BODY].v >= \"1.2.3\" && [BODY].name > m", -1, NULL},
    {"[HEADER].X-Count > 5 && [BODY] == 2OO && [BODY].a != 5x", -1, NULL},
    {"len([BODY]) < 1e3", -1, NULL},
    {"[RESPONSE_TIME_P50] < 100 && [RESPONSE_TIME_P95] < 800ms && [RESPONSE_TIME_P99] < 2s", -1,
     NULL},
    /* Typed placeholders with a value of another type. */
    {"[STATUS] == 2OO", 12, "2OO is not a number"},
    {"[STATUS] != \"2OO\"", 12, "\"2OO\" is not a number"},
    {"[STATUS] == UP", 12, "UP is not a number"},
    {"[STATUS] == true", 12, "true is not a number"},
    {"[STATUS] == any(200, 2O4)", 21, "2O4 is not a number"},
    {"[STATUS] < 2s", 11, "2s is a duration but [STATUS] is a plain number"},
    {"5s > [ROWS]", 0, "5s is a duration but [ROWS] is a plain number"},
    {"len([BODY].items) > many", 20, "many is not a number"},
    {"[RESPONSE_TIME] < 5x", 18,
     "5x is not a number or a duration such as 500ms, 30s or 48h"},
    {"[RESPONSE_TIME_P95] < 8OO", 22,
     "8OO is not a number or a duration such as 500ms, 30s or 48h"},
    {"[RESPONSE_TIME] < 1h30m", 18,
     "1h30m is not a number or a duration such as 500ms, 30s or 48h"},
    {"[CERTIFICATE_EXPIRATION] > 48 h", 30, "expected '&&' or '||' after 48"},
    {"[STATUS] == 200 && ([QUERY_TIME] < 5mins || [CONNECTED])", 35,
     "5mins is not a number or a duration such as 500ms, 30s or 48h"},
    {"[CONNECTED] == yes", 15, "yes is not true or false ([CONNECTED] is a boolean)"},
    {"[READ_ONLY] == 0", 15, "0 is not true or false ([READ_ONLY] is a boolean)"},
    {"has([BODY].x) == any(true, 1)", 27, "1 is not true or false (has([BODY].x) is a boolean)"},
    {"[CONNECTED] > false", 0, "[CONNECTED] is true or false and cannot be compared with >"},
    /* A number where a condition is expected is never true. */
    {"[STATUS]", 0, "[STATUS] is a number, not a condition; compare it, e.g. [STATUS] == 200"},
    {"[CONNECTED] && ![RESPONSE_TIME]", 16,
     "[RESPONSE_TIME] is a number, not a condition; compare it, e.g. [RESPONSE_TIME] < 500"},
    /* Untyped values may be text; only an ordering with a would-be number is refused. */
    {"[BODY].count > 5x", 15, "5x is not a number or a duration (write \"5x\" to compare text)"},
    {"[HEADER].X-Version >= 1.2.3", 22,
     "1.2.3 is not a number or a duration (write \"1.2.3\" to compare text)"},
    {"-1x < [RESULT].n", 0, "-1x is not a number or a duration (write \"-1x\" to compare text)"},
};

static void test_types(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++) {
        const check_case_t *tc = &type_cases[i];
        tc_cond_t *c = NULL;
        int col = -1;
        char err[200] = "";
        int rc = tc_cond_parse(tc->text, &c, &col, err, sizeof(err));
        if (rc == 0)
            rc = tc_cond_check(c, any_name, NULL, &col, err, sizeof(err));
        if (tc->col < 0 && rc != 0) {
            print_message("'%s': unexpected \"%s\" at %d\n", tc->text, err, col);
            failed++;
        } else if (tc->col >= 0 && (rc != TC_EINVAL || col != tc->col || strcmp(err, tc->msg))) {
            print_message("'%s': got rc %d column %d \"%s\", want column %d \"%s\"\n", tc->text,
                          rc, col, err, tc->col, tc->msg);
            failed++;
        }
        tc_cond_free(c);
    }
    assert_int_equal(failed, 0);
}

typedef struct explain_case {
    const char *text;
    int fx;
    const char *want;
} explain_case_t;

static const explain_case_t explain_cases[] = {
    {"[STATUS] == 200", FX_DOWN, "[STATUS] (503) == 200"},
    {"len([BODY].items) > 0", FX_UP, "len([BODY].items) (0) > 0"},
    {"[BODY].status == UP", FX_UP, "[BODY].status (UP) == UP"},
    {"[BODY].status == UP", FX_DOWN, "[BODY].status (missing) == UP"},
    {"[STATUS] == 200 && [BODY].status == UP", FX_DOWN,
     "[STATUS] (503) == 200 && [BODY].status (missing) == UP"},
    {"[STATUS] == 500 || [STATUS] == 200", FX_UP, "[STATUS] (200) == 500 || [STATUS] (200) == 200"},
    {"[BODY] == pat(*ok*)", FX_DOWN, "[BODY] (Service Unavailable) == pat(*ok*)"},
    {"[BODY] == pat(*ok*)", FX_TEXT, "[BODY] (line one\\nline\\ttwo ok) == pat(*ok*)"},
    {"has([BODY].errors) == false", FX_UP, "has([BODY].errors) (false) == false"},
    {"has([BODY].status)", FX_UP, "has([BODY].status) (true)"},
    {"[CERTIFICATE_EXPIRATION] > 48h", FX_DOWN, "[CERTIFICATE_EXPIRATION] (3600000) > 48h"},
    {"!([CONNECTED])", FX_DOWN, "!([CONNECTED] (false))"},
    {"[RESPONSE_TIME] < 500\n  && [CONNECTED]", FX_DOWN,
     "[RESPONSE_TIME] (1500) < 500   && [CONNECTED] (false)"},
    {"[BODY].nested.a == 1", FX_UP, "[BODY].nested.a ({\"b\":[10,[20,30]]}) == 1"},
    {"[STATUS] == any(200, 204)", FX_UP, "[STATUS] (200) == any(200, 204)"},
    {"[BODY].pi > 3", FX_UP, "[BODY].pi (3.5) > 3"},
    {"[HEADER].Content-Type == application/json", FX_UP,
     "[HEADER].Content-Type (application/json) == application/json"},
    {"[HEADER].X-Empty == a", FX_UP, "[HEADER].X-Empty (\"\") == a"},
    {"[STATUS] == [RESPONSE_TIME]", FX_UP, "[STATUS] (200) == [RESPONSE_TIME] (120)"},
    {"[BODY].ok", FX_UP, "[BODY].ok (true)"},
    {"true", FX_UP, "true"},
    {"  [STATUS]   ==   200  ", FX_UP, "  [STATUS] (200)   ==   200  "},
};

static void test_explain(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(explain_cases) / sizeof(explain_cases[0]); i++) {
        const explain_case_t *tc = &explain_cases[i];
        tc_cond_t *c = must_parse(tc->text);
        tc_buf_t b;
        tc_buf_init(&b, 0);
        tc_cond_eval(c, lookup, &fixtures[tc->fx], &b);
        if (!b.data || strcmp(b.data, tc->want) != 0)
            fail_msg("'%s': got \"%s\", want \"%s\"", tc->text, b.data ? b.data : "", tc->want);
        tc_buf_free(&b);
        tc_cond_free(c);
    }
}

/* Long bodies are cut at 80 bytes, never inside a UTF-8 sequence; a capped buffer only
 * truncates the explanation. */
static void test_explain_truncation(void **state)
{
    (void)state;
    char body[301];
    memset(body, 'x', 300);
    body[300] = '\0';
    body[79] = '\xc3'; /* "é" straddling the 80-byte cut */
    body[80] = '\xa9';
    fixture_t f = fixtures[FX_DOWN];
    f.body = body;

    tc_cond_t *c = must_parse("[BODY] == 1");
    tc_buf_t b;
    tc_buf_init(&b, 0);
    assert_false(tc_cond_eval(c, lookup, &f, &b));
    char want[128];
    snprintf(want, sizeof(want), "[BODY] (%.79s...) == 1", body);
    assert_string_equal(b.data, want);
    tc_buf_free(&b);

    tc_buf_init(&b, 10);
    assert_false(tc_cond_eval(c, lookup, &f, &b));
    assert_true(b.len <= 10);
    tc_buf_free(&b);
    tc_cond_free(c);
}

static void test_body_parsed_once(void **state)
{
    (void)state;
    fixture_t f = fixtures[FX_UP];
    tc_cond_t *c = must_parse("[BODY].status == UP && len([BODY].data) == 2 && has([BODY].ok)"
                              " && [BODY].data[0].id == 1");
    f.body_lookups = 0;
    assert_true(tc_cond_eval(c, lookup, &f, NULL));
    assert_int_equal(f.body_lookups, 1);
    tc_cond_free(c);

    /* Short-circuit: the right side is not evaluated without an explanation... */
    c = must_parse("false && [BODY].status == UP");
    f.body_lookups = 0;
    assert_false(tc_cond_eval(c, lookup, &f, NULL));
    assert_int_equal(f.body_lookups, 0);
    /* ...but is with one, so its value can be shown. */
    tc_buf_t b;
    tc_buf_init(&b, 0);
    assert_false(tc_cond_eval(c, lookup, &f, &b));
    assert_int_equal(f.body_lookups, 1);
    assert_string_equal(b.data, "false && [BODY].status (UP) == UP");
    tc_buf_free(&b);
    tc_cond_free(c);
}

static void test_text(void **state)
{
    (void)state;
    const char *text = "[STATUS] == any(200, 204) || [BODY] == pat(*ok*)";
    tc_cond_t *c = must_parse(text);
    assert_string_equal(tc_cond_text(c), text);
    tc_cond_free(c);
    tc_cond_free(NULL);

    /* A NULL error buffer and column are allowed. */
    c = NULL;
    assert_int_equal(tc_cond_parse("[STATUS] ==", &c, NULL, NULL, 0), TC_EINVAL);
    assert_null(c);
}

/* tc_cond_blame(): the comparison that made a condition false, as probe_words.c reads it. */
static const struct blame_case {
    const char *text;
    int fx;
    int rc;
    const char *name, *key;
    bool path;
    const char *op;
    const char *expected; /* as "n:200", "b:true", "s:UP" or "-" for missing */
    const char *actual;   /* the same */
} blame_cases[] = {
    {"[STATUS] == 200", FX_DOWN, 0, "STATUS", NULL, false, "==", "n:200", "n:503"},
    {"200 == [STATUS]", FX_DOWN, 0, "STATUS", NULL, false, "==", "n:200", "n:503"},
    {"500 > [STATUS]", FX_DOWN, 0, "STATUS", NULL, false, "<", "n:500", "n:503"},
    {"[STATUS] == 200 && [RESPONSE_TIME] < 800ms", FX_DOWN, 0, "STATUS", NULL, false, "==",
     "n:200", "n:503"},
    {"[STATUS] == 503 && [RESPONSE_TIME] < 800ms", FX_DOWN, 0, "RESPONSE_TIME", NULL, false,
     "<", "n:800", "n:1500"},
    {"[STATUS] == any(200, 204)", FX_DOWN, 0, "STATUS", NULL, false, "==", "-", "n:503"},
    {"[BODY].status == UP", FX_DOWN, 0, "BODY", NULL, true, "==", "s:UP", "-"},
    {"len([BODY].items) > 0", FX_UP, 0, "BODY", NULL, true, ">", "n:0", "n:0"},
    {"[HEADER].Content-Type == pat(application/json*)", FX_DOWN, 0, "HEADER", "Content-Type",
     false, "==", "-", "-"},
    {"[CONNECTED]", FX_DOWN, 0, "CONNECTED", NULL, false, "==", "b:true", "b:false"},
    {"![CONNECTED]", FX_UP, 0, "CONNECTED", NULL, false, "==", "b:false", "b:true"},
    {"[DNS_RCODE] == NOERROR", FX_DOWN, 0, "DNS_RCODE", NULL, false, "==", "s:NOERROR", "-"},
    {"[STATUS] == 200", FX_EMPTY, 0, "STATUS", NULL, false, "==", "n:200", "-"},
    /* Nothing to blame: the condition holds, or no single comparison fails it. */
    {"[STATUS] == 200", FX_UP, TC_ENOENT, NULL, NULL, false, NULL, "-", "-"},
    {"[STATUS] == 200 || [STATUS] == 204", FX_DOWN, TC_ENOENT, NULL, NULL, false, NULL, "-",
     "-"},
    {"!([STATUS] == 503)", FX_DOWN, TC_ENOENT, NULL, NULL, false, NULL, "-", "-"},
};

static void value_text(const tc_value_t *v, char *out, size_t size)
{
    if (v->type == TC_VALUE_NUMBER)
        snprintf(out, size, "n:%g", v->num);
    else if (v->type == TC_VALUE_BOOL)
        snprintf(out, size, "b:%s", v->boolean ? "true" : "false");
    else if (v->type == TC_VALUE_STRING)
        snprintf(out, size, "s:%.*s", (int)v->len, v->str);
    else
        snprintf(out, size, "-");
}

static void test_blame(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof blame_cases / sizeof blame_cases[0]; i++) {
        const struct blame_case *bc = &blame_cases[i];
        tc_cond_t *c = must_parse(bc->text);
        tc_cond_blame_t b;
        int rc = tc_cond_blame(c, lookup, &fixtures[bc->fx], &b);
        char expected[64], actual[64];
        value_text(&b.expected, expected, sizeof expected);
        value_text(&b.actual, actual, sizeof actual);
        if (rc != bc->rc || (bc->name ? !b.name || strcmp(b.name, bc->name) : b.name != NULL) ||
            (bc->key ? !b.key || strcmp(b.key, bc->key) : b.key != NULL) || b.path != bc->path ||
            (bc->op ? !b.op || strcmp(b.op, bc->op) : b.op != NULL) ||
            strcmp(expected, bc->expected) || strcmp(actual, bc->actual))
            fail_msg("'%s': rc %d name %s key %s path %d op %s expected %s actual %s", bc->text,
                     rc, b.name ? b.name : "-", b.key ? b.key : "-", b.path, b.op ? b.op : "-",
                     expected, actual);
        tc_cond_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_explain_truncation),
        cmocka_unit_test(test_body_parsed_once),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_blame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
