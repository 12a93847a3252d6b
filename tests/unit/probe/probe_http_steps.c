/* Unit tests for src/probe/probe_http_steps.c's pure parts: [CONTEXT] substitution (with
 * URL encoding in urls), the context store, and value extraction for store: through
 * tc_cond_extract(). The .c is included to reach its statics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/probe/probe_http_steps.c"

static void test_substitute(void **state)
{
    (void)state;
    ctx_t ctx = {0};
    ctx_set(&ctx, "id", "7");
    ctx_set(&ctx, "q", "a b&c=d/e?");
    ctx_set(&ctx, "where", "http://h/items/7");
    ctx_set(&ctx, "id", "8"); /* the last value stored wins */
    static const struct {
        const char *text;
        bool in_url;
        const char *want; /* NULL: fails */
    } cases[] = {
        {"http://h/items/[CONTEXT].id", true, "http://h/items/8"},
        {"http://h/x?q=[CONTEXT].q&id=[CONTEXT].id", true, "http://h/x?q=a%20b%26c%3Dd/e%3F&id=8"},
        {"{\"q\": \"[CONTEXT].q\"}", false, "{\"q\": \"a b&c=d/e?\"}"},
        {"[CONTEXT].where", true, "http://h/items/7"},
        {"[CONTEXT].where/sub", true, "http://h/items/7/sub"},
        {"no context here", false, "no context here"},
        {"[CONTEXT].id.json", false, "8.json"},
        {"[CONTEXT].", false, NULL},
        {"x [CONTEXT].missing", false, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[128] = "";
        char *out = substitute(cases[i].text, &ctx, cases[i].in_url, err, sizeof err);
        if (cases[i].want) {
            assert_non_null(out);
            assert_string_equal(out, cases[i].want);
        } else {
            assert_null(out);
            assert_non_null(strstr(err, "is not set"));
        }
        free(out);
    }
    ctx_clear(&ctx);
    assert_int_equal(ctx.n, 0);
}

/* A step response for the lookup. */
static void test_extract(void **state)
{
    (void)state;
    tc_result_t r;
    memset(&r, 0, sizeof r);
    tc_buf_init(&r.body, 4096);
    tc_buf_init(&r.headers, 4096);
    tc_buf_init(&r.values, 4096);
    tc_buf_puts(&r.body, "{\"id\":7,\"token\":\"abc\",\"ok\":true,\"items\":[1,{\"a\":2}],"
                         "\"pi\":3.5,\"none\":null}");
    tc_buf_puts(&r.headers, "Location: /items/7\nX-Empty: \n");
    r.status_code = 201;
    r.connected = true;
    ctx_t ctx = {0};
    ctx_set(&ctx, "prev", "p");
    step_view_t view = {.r = &r, .ctx = &ctx};
    static const struct {
        const char *expr;
        int rc;
        const char *want;
    } cases[] = {
        {"[BODY].id", 0, "7"},
        {"[BODY].token", 0, "abc"},
        {"[BODY].ok", 0, "true"},
        {"[BODY].pi", 0, "3.5"},
        {"[BODY].items", 0, "[1,{\"a\":2}]"},
        {"[BODY].items[1].a", 0, "2"},
        {"[BODY].none", TC_ENOENT, ""},
        {"[BODY].nope", TC_ENOENT, ""},
        {"[HEADER].location", 0, "/items/7"},
        {"[HEADER].X-Empty", 0, ""},
        {"[HEADER].Missing", TC_ENOENT, ""},
        {"[STATUS]", 0, "201"},
        {"[CONTEXT].prev", 0, "p"},
        {"[STATUS] == 201", TC_EINVAL, ""},
        {"[CONNECTED] && [STATUS]", TC_EINVAL, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_cond_t *c = NULL;
        assert_int_equal(tc_cond_parse(cases[i].expr, &c, NULL, NULL, 0), 0);
        tc_buf_t out;
        tc_buf_init(&out, 4096);
        int rc = tc_cond_extract(c, step_lookup, &view, &out);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0)
            assert_string_equal(out.data ? out.data : "", cases[i].want);
        tc_buf_free(&out);
        tc_cond_free(c);
    }
    /* A value longer than the buffer's cap. */
    tc_cond_t *c = NULL;
    assert_int_equal(tc_cond_parse("[BODY].token", &c, NULL, NULL, 0), 0);
    tc_buf_t tiny;
    tc_buf_init(&tiny, 2);
    assert_int_equal(tc_cond_extract(c, step_lookup, &view, &tiny), TC_ETOOBIG);
    tc_buf_free(&tiny);
    tc_cond_free(c);
    ctx_clear(&ctx);
    tc_buf_free(&r.body);
    tc_buf_free(&r.headers);
    tc_buf_free(&r.values);
}

static void test_names(void **state)
{
    (void)state;
    assert_true(valid_name("read-2_x"));
    assert_false(valid_name(""));
    assert_false(valid_name("a b"));
    assert_false(valid_name("a.b"));
    assert_int_equal(name_len("tok-1.rest"), 5);
    assert_int_equal(name_len("?x"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_substitute),
        cmocka_unit_test(test_extract),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
