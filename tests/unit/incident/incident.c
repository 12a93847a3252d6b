/* Unit tests for src/incident/incident.c: the RFC 3339 time parser (strict; every case is
 * parsed from a heap copy of exactly its length, so a read past the end shows under ASan) and
 * time round trips through the formatter and the stored JSON in zones whose historic offsets
 * have seconds (issue 12 items 7 and 10). Table-driven; one runner, named subtests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "incident/incident.h"

/* ---- parsing ------------------------------------------------------------------------ */

static const struct {
    const char *text;
    int ok;
    int64_t ms; /* when ok */
} parse_cases[] = {
    {"2024-11-14T21:08:00Z", 1, INT64_C(1731618480000)},
    {"2024-11-14T21:08:00.000Z", 1, INT64_C(1731618480000)},
    {"2024-11-14T21:08:00.5Z", 1, INT64_C(1731618480500)},
    {"2024-11-14T21:08:00.123456Z", 1, INT64_C(1731618480123)},
    {"2024-11-14T13:08:00.000-08:00", 1, INT64_C(1731618480000)},
    {"2024-11-15T02:38:00+05:30", 1, INT64_C(1731618480000)},
    {"2024-11-14T21:08:00+00:00", 1, INT64_C(1731618480000)},
    {"2024-02-29T00:00:00Z", 1, INT64_C(1709164800000)},
    {"1811-07-23T15:06:40Z", 1, INT64_C(-5000000000000)},
    {"2016-12-31T23:59:60Z", 1, INT64_C(1483228800000)}, /* leap second */
    /* issue 12 item 7: short offsets made the parser step past the terminating NUL */
    {"2024-11-14T21:08:00+1:2", 0, 0},
    {"2024-11-14T21:08:00+1:20", 0, 0},
    {"2024-11-14T21:08:00+01:2", 0, 0},
    {"2024-11-14T21:08:00+01", 0, 0},
    {"2024-11-14T21:08:00+", 0, 0},
    {"2024-11-14T21:08:00-", 0, 0},
    {"2024-11-14T21:08:00+0100", 0, 0},
    {"2024-11-14T21:08:00+01:00:00", 0, 0}, /* RFC 3339 offsets have no seconds */
    {"2024-11-14T21:08:00+24:00", 0, 0},
    {"2024-11-14T21:08:00+01:60", 0, 0},
    {"2024-11-14T21:08:00+-1:00", 0, 0},
    {"2024-11-14T21:08:00+ 1:00", 0, 0},
    {"2024-11-14T21:08:00Zjunk", 0, 0},
    {"2024-11-14T21:08:00", 0, 0},
    {"2024-11-14T21:08:00.Z", 0, 0},
    {"2024-11-14T21:08:00.", 0, 0},
    {"2024-11-14T21:8:00Z", 0, 0},
    {"2024-11-14 21:08:00Z", 0, 0},
    {" 2024-11-14T21:08:00Z", 0, 0},
    {"+024-11-14T21:08:00Z", 0, 0},
    {"2024-13-14T21:08:00Z", 0, 0},
    {"2024-00-14T21:08:00Z", 0, 0},
    {"2024-02-30T21:08:00Z", 0, 0},
    {"2023-02-29T21:08:00Z", 0, 0},
    {"2024-11-31T21:08:00Z", 0, 0},
    {"2024-11-14T24:00:00Z", 0, 0},
    {"2024-11-14T21:60:00Z", 0, 0},
    {"2024-11-14T21:08:61Z", 0, 0},
    {"2024-11-14", 0, 0},
    {"2024", 0, 0},
    {"", 0, 0},
};

static void test_parse(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof parse_cases / sizeof parse_cases[0]; c++) {
        size_t len = strlen(parse_cases[c].text);
        char *heap = malloc(len + 1);
        memcpy(heap, parse_cases[c].text, len + 1);
        int64_t ms = -1;
        int rc = tc_incident_parse_time(heap, &ms);
        if ((rc == 0) != parse_cases[c].ok ||
            (parse_cases[c].ok && ms != parse_cases[c].ms)) {
            print_message("case \"%s\": rc %d, ms %lld\n", parse_cases[c].text, rc,
                          (long long)ms);
            fail();
        }
        free(heap);
    }
    int64_t ms;
    assert_int_equal(tc_incident_parse_time(NULL, &ms), TC_EINVAL);
}

/* ---- round trips -------------------------------------------------------------------- */

static const struct {
    const char *zone;
    int64_t ms;
    const char *text; /* what the formatter writes */
} round_cases[] = {
    /* Local mean time: +00:19:32 and -04:56:02 cannot be written; UTC is. */
    {"Europe/Amsterdam", INT64_C(-5000000000000), "1811-07-23T15:06:40.000Z"},
    {"Europe/Amsterdam", INT64_C(-5000000000001), "1811-07-23T15:06:39.999Z"},
    {"America/New_York", INT64_C(-5000000000000), "1811-07-23T15:06:40.000Z"},
    /* Amsterdam kept +00:20 from 1937 to 1940: whole minutes, written as such. */
    {"Europe/Amsterdam", INT64_C(-946771200000), "1940-01-01T00:20:00.000+00:20"},
    {"Europe/Amsterdam", INT64_C(1720000000000), "2024-07-03T11:46:40.000+02:00"},
    {"America/Los_Angeles", INT64_C(1731618480000), "2024-11-14T13:08:00.000-08:00"},
    {"Asia/Kolkata", INT64_C(1731618480000), "2024-11-15T02:38:00.000+05:30"},
    {"UTC", INT64_C(1731618480000), "2024-11-14T21:08:00.000Z"},
};

static void test_format_round_trip(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof round_cases / sizeof round_cases[0]; c++) {
        tc_zone_t *z = NULL;
        char err[128];
        assert_int_equal(tc_zone_load(round_cases[c].zone, &z, err, sizeof err), 0);
        char text[40], again[40];
        tc_clock_format_iso(z, round_cases[c].ms, text, sizeof text);
        int64_t ms = 0;
        int rc = tc_incident_parse_time(text, &ms);
        tc_clock_format_iso(z, ms, again, sizeof again);
        tc_zone_free(z);
        if (strcmp(text, round_cases[c].text) != 0 || rc != 0 || ms != round_cases[c].ms ||
            strcmp(text, again) != 0) {
            print_message("%s %lld: wrote %s (want %s), read back rc %d ms %lld, rewrote %s\n",
                          round_cases[c].zone, (long long)round_cases[c].ms, text,
                          round_cases[c].text, rc, (long long)ms, again);
            fail();
        }
    }
}

/* Issue 12 item 10: an incident saved and loaded again (the stored JSON) keeps its times
 * exactly, however many times it goes round, in a zone whose history has LMT offsets. */
static void test_json_round_trip(void **state)
{
    (void)state;
    tc_zone_t *ams = NULL;
    char err[128];
    assert_int_equal(tc_zone_load("Europe/Amsterdam", &ams, err, sizeof err), 0);
    const int64_t t0 = INT64_C(-5000000000123); /* 1811, Amsterdam LMT +00:19:32 */
    const int64_t t1 = INT64_C(1720000000000);  /* 2024, CEST */
    tc_incident_t inc = {
        .id = (char *)"lmtaaaaaaaaa", .seq = 1, .name = (char *)"Old times",
        .status = TC_INC_SCHEDULED, .impact_override = -1, .is_maintenance = true,
        .created_at = t0, .updated_at = t1, .started_at = t0,
        .scheduled_for = t0, .scheduled_until = t1,
    };
    tc_incident_add_update(&inc, "u1", TC_INC_SCHEDULED, "Looking.", t0, t0, NULL, 0,
                           true);
    tc_incident_t *cur = &inc;
    for (int round = 0; round < 3; round++) {
        json_t *doc = tc_incident_to_json(cur, ams, "page", NULL, NULL, true);
        tc_incident_t *next = tc_incident_from_json(doc);
        json_decref(doc);
        assert_non_null(next);
        if (next->created_at != t0) { /* before the fix: 28 s later on each save */
            print_message("round %d: created_at %lld, want %lld\n", round,
                          (long long)next->created_at, (long long)t0);
            tc_incident_free(next);
            if (cur != &inc)
                tc_incident_free(cur);
            fail();
        }
        assert_true(next->created_at == t0);
        assert_true(next->started_at == t0);
        assert_true(next->updated_at == inc.updated_at);
        assert_true(next->scheduled_for == t0);
        assert_true(next->scheduled_until == t1);
        assert_int_equal(next->nupdates, 1);
        assert_true(next->updates[0].created_at == t0);
        assert_true(next->updates[0].display_at == t0);
        if (cur != &inc)
            tc_incident_free(cur);
        cur = next;
    }
    tc_incident_free(cur);
    tc_zone_free(ams);
    free(inc.updates[0].id);
    free(inc.updates[0].body);
    free(inc.updates);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format_round_trip),
        cmocka_unit_test(test_json_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
