/* Unit tests for src/probe/probe_statuspage.c's pure parts: reading summary.json (indicator,
 * chosen components, group rows, "Group - Child" names, incident titles) and the errors a
 * feed that is not Statuspage JSON gives. The .c is included to reach its statics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../../src/probe/probe_statuspage.c"

static const char *const feed =
    "{\"page\":{\"id\":\"p\",\"name\":\"V\"},"
    "\"components\":["
    "{\"id\":\"g1\",\"name\":\"Speech\",\"status\":\"partial_outage\",\"group\":true,"
    "\"group_id\":null,\"components\":[\"c1\",\"c2\"],\"description\":null},"
    "{\"id\":\"c1\",\"name\":\"Batch\",\"status\":\"operational\",\"group_id\":\"g1\"},"
    "{\"id\":\"c2\",\"name\":\"Streaming\",\"status\":\"partial_outage\",\"group_id\":\"g1\"},"
    "{\"id\":\"c3\",\"name\":\"Docs\",\"status\":\"under_maintenance\",\"group_id\":null},"
    "{\"id\":\"c4\",\"name\":\"Billing\",\"status\":\"degraded_performance\"}],"
    "\"incidents\":[{\"name\":\"Slow\\nstreaming\",\"status\":\"investigating\"},"
    "{\"name\":\"Old one\",\"status\":\"resolved\"},{\"status\":\"identified\"},"
    "{\"name\":\"Login <b>errors</b>\",\"status\":\"monitoring\"}],"
    "\"status\":{\"indicator\":\"minor\",\"description\":\"Minor Service Outage\","
    "\"extra\":1}}";

typedef struct {
    const char *names[3];
    int rc;
    tc_verdict_t verdict;
    const char *summary;
} comp_case_t;

static void test_components(void **state)
{
    (void)state;
    static const comp_case_t cases[] = {
        {{NULL}, 0, TC_VERDICT_DEGRADED, "Minor Service Outage (minor)"},
        {{"Batch"}, 0, TC_VERDICT_UP, "1 component operational"},
        {{"Streaming"}, 0, TC_VERDICT_DOWN, "Streaming: partial_outage"},
        {{"Speech - Streaming"}, 0, TC_VERDICT_DOWN, "Speech - Streaming: partial_outage"},
        {{"Speech - Batch"}, 0, TC_VERDICT_UP, "1 component operational"},
        {{"Speech"}, 0, TC_VERDICT_DOWN, "Speech: partial_outage"},
        {{"Docs"}, 0, TC_VERDICT_DEGRADED, "Docs: under_maintenance"},
        {{"Billing", "Batch"}, 0, TC_VERDICT_DEGRADED, "Billing: degraded_performance"},
        {{"Billing", "Streaming"}, 0, TC_VERDICT_DOWN,
         "Billing: degraded_performance, Streaming: partial_outage"},
        {{"Nope"}, TC_EINVAL, TC_VERDICT_UP, ""},
        {{"Other - Batch"}, TC_EINVAL, TC_VERDICT_UP, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const comp_case_t *c = &cases[i];
        size_t n = 0;
        while (n < 3 && c->names[n])
            n++;
        vendor_view_t v;
        tc_buf_t titles;
        tc_buf_init(&titles, 4096);
        char err[256] = "";
        int rc = read_summary(feed, strlen(feed), (char *const *)c->names, n, &v, &titles, err,
                              sizeof err);
        assert_int_equal(rc, c->rc);
        if (rc == 0) {
            assert_int_equal(v.verdict, c->verdict);
            assert_string_equal(v.summary, c->summary);
            assert_string_equal(v.indicator, "minor");
            assert_int_equal(v.nincidents, 2);
            assert_string_equal(titles.data, "Slow streaming\nLogin <b>errors</b>\n");
        } else {
            assert_non_null(strstr(err, "vendor feed has no component"));
        }
        tc_buf_free(&titles);
    }
}

typedef struct {
    const char *json;
    int rc;
    tc_verdict_t verdict;
    const char *err;
} ind_case_t;

static void test_indicator(void **state)
{
    (void)state;
    static const ind_case_t cases[] = {
        {"{\"status\":{\"indicator\":\"none\"}}", 0, TC_VERDICT_UP, NULL},
        {"{\"status\":{\"indicator\":\"minor\",\"description\":null}}", 0,
         TC_VERDICT_DEGRADED, NULL},
        {"{\"status\":{\"indicator\":\"maintenance\"}}", 0, TC_VERDICT_DEGRADED, NULL},
        {"{\"status\":{\"indicator\":\"major\"}}", 0, TC_VERDICT_DOWN, NULL},
        {"{\"status\":{\"indicator\":\"critical\"}}", 0, TC_VERDICT_DOWN, NULL},
        {"{\"status\":{\"indicator\":\"purple\"}}", 0, TC_VERDICT_DEGRADED, NULL},
        {"", TC_EINVAL, 0, "vendor feed is empty"},
        {"<html>", TC_EINVAL, 0, "vendor feed is not JSON"},
        {"[1,2]", TC_EINVAL, 0, "not an object"},
        {"{\"status\":{}}", TC_EINVAL, 0, "missing status.indicator"},
        {"{\"status\":{\"indicator\":3}}", TC_EINVAL, 0, "missing status.indicator"},
        {"{\"status\":\"none\"}", TC_EINVAL, 0, "missing status.indicator"},
        {"{\"status\":{\"indicator\":\"none\"},\"incidents\":{}}", 0, TC_VERDICT_UP, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vendor_view_t v;
        tc_buf_t titles;
        tc_buf_init(&titles, 4096);
        char err[256] = "";
        int rc = read_summary(cases[i].json, strlen(cases[i].json), NULL, 0, &v, &titles, err,
                              sizeof err);
        assert_int_equal(rc, cases[i].rc);
        if (rc == 0)
            assert_int_equal(v.verdict, cases[i].verdict);
        else
            assert_non_null(strstr(err, cases[i].err));
        tc_buf_free(&titles);
    }
}

static void test_reason(void **state)
{
    (void)state;
    vendor_view_t v = {.verdict = TC_VERDICT_DOWN, .nincidents = 2};
    snprintf(v.summary, sizeof v.summary, "Partial System Outage (major)");
    tc_buf_t titles;
    tc_buf_init(&titles, 4096);
    tc_buf_puts(&titles, "A\nB\n");
    char out[256];
    vendor_reason(&v, &titles, out, sizeof out);
    assert_string_equal(out, "vendor: Partial System Outage (major); incidents: A; B");
    /* A reason cut by its buffer stays terminated. */
    char small[30];
    vendor_reason(&v, &titles, small, sizeof small);
    assert_int_equal(strlen(small), sizeof small - 1);
    v.nincidents = 0;
    vendor_reason(&v, &titles, out, sizeof out);
    assert_string_equal(out, "vendor: Partial System Outage (major)");
    tc_buf_free(&titles);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_components),
        cmocka_unit_test(test_indicator),
        cmocka_unit_test(test_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
