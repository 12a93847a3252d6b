/* Unit tests for the replies of the route table (src/api/) on text that is not clean UTF-8: client bytes quoted in an error message, and messages cut inside a character.
 * They run the real handlers on the fuzzers' engine fixture (tests/fuzz/daemon_fixture.c),
 * which aborts on a reply without a body or without an "error" message. Regressions for issue
 * 12 item 1, found again by fuzz_v1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../fuzz/daemon_fixture.c"

/* @return a string of @p n copies of "é" (2 bytes each) followed by @p tail (malloc'd). */
static char *e_acute(size_t n, const char *tail)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++)
        tc_buf_puts(&b, "\xc3\xa9");
    tc_buf_puts(&b, tail);
    return tc_buf_steal(&b, NULL);
}

static void ask_for(const char *method, const char *path, const char *body, const char *ctype,
                 int subscribers, unsigned want)
{
    fx_request_t r = {method, path, ctype ? ctype : "application/json", NULL, body,
                      strlen(body)};
    assert_int_equal(fx_request(&r, subscribers), want);
    json_t *doc = json_loads(fx_last_reply(), 0, NULL);
    if (!(subscribers && ctype)) {
        assert_non_null(doc);
        assert_true(json_is_string(json_object_get(doc, "error")));
    }
    json_decref(doc);
}

static void invalid_utf8_in_path(void **state)
{
    (void)state;
    fx_ready(1);
    ask_for("POST", "/v1/pages/" FX_PAGE "/incid\xff" "ents", "{}", NULL, 0, 404);
    ask_for("GET", "/v1/pages/" FX_PAGE "/subscribers/\xc3\x28", "", NULL, 0, 404);
}

static void long_field_name_cut_inside_a_character(void **state)
{
    (void)state;
    fx_ready(1);
    /* "unknown field \"...\"" in a 256-byte buffer: the cut falls inside an "é". */
    char *name = e_acute(200, "");
    char body[1024];
    snprintf(body, sizeof body, "{\"incident\":{\"name\":\"x\",\"%s\":1}}", name);
    ask_for("POST", "/v1/pages/" FX_PAGE "/incidents", body, NULL, 0, 422);
    free(name);
}

static void subscriber_messages_cut_inside_a_character(void **state)
{
    (void)state;
    fx_ready(1);
    /* The report's crash: "%.100s" of 60 × é + "@example" ends inside a character. */
    char *email = e_acute(60, "@example");
    char body[1024];
    snprintf(body, sizeof body, "{\"subscriber\":{\"email\":\"%s\"}}", email);
    ask_for("POST", "/api/v2/subscribers", body, NULL, 1, 422);
    free(email);
    /* "%.60s" of an unknown field name. */
    char *key = e_acute(40, "");
    snprintf(body, sizeof body, "{\"subscriber\":{\"%s\":1}}", key);
    ask_for("POST", "/api/v2/subscribers", body, NULL, 1, 422);
    /* The form answers with a page; the fixture checks it is one. */
    snprintf(body, sizeof body, "email=%%ff%%c3&%s=1", key);
    ask_for("POST", "/api/v2/subscribers", body, "application/x-www-form-urlencoded", 1, 422);
    free(key);
}

/* Paths the server would not send but the router must survive (found by fuzz_v1 on the
 * route table: an empty path read past its end). */
static void odd_paths(void **state)
{
    (void)state;
    fx_ready(1);
    static const char *const paths[] = {"", "*", "/", "//", "subscribers/confirm/x",
                                        "/subscribers//", "/v1/", "/v1/pages/"};
    for (size_t k = 0; k < sizeof paths / sizeof paths[0]; k++) {
        fx_request_t r = {"GET", paths[k], "application/json", NULL, "", 0};
        unsigned status = fx_request(&r, 1);
        if (status < 400)
            fail_msg("path \"%s\" answered %u", paths[k], status);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(invalid_utf8_in_path),
        cmocka_unit_test(long_field_name_cut_inside_a_character),
        cmocka_unit_test(subscriber_messages_cut_inside_a_character),
        cmocka_unit_test(odd_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
