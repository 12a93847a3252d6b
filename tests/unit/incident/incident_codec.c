/* Unit tests of the incident storage format (src/incident/incident_codec.c): every fixture
 * incident survives encode -> decode unchanged, the legacy (version 0) JSON still loads, and
 * damaged rows are errors that name what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "incident/incident_codec.h"

#include "../web/incidents_fixture.h"

/* The fixture's view helper is for the renderers' tests. */
static tc_view_t (*const unused_view)(void) __attribute__((unused)) = fx_view;

static void assert_str_eq(const char *a, const char *b)
{
    if (!a || !b)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

/* Every field the engine keeps, compared one by one. */
static void assert_same_incident(const tc_incident_t *a, const tc_incident_t *b)
{
    assert_string_equal(a->id, b->id);
    assert_int_equal(a->seq, b->seq);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->impact, b->impact);
    assert_int_equal(a->impact_override, b->impact_override);
    assert_int_equal(a->is_maintenance, b->is_maintenance);
    assert_int_equal(a->backfilled, b->backfilled);
    assert_int_equal(a->auto_in_progress, b->auto_in_progress);
    assert_int_equal(a->auto_completed, b->auto_completed);
    assert_int_equal(a->created_at, b->created_at);
    assert_int_equal(a->updated_at, b->updated_at);
    assert_int_equal(a->started_at, b->started_at);
    assert_int_equal(a->monitoring_at, b->monitoring_at);
    assert_int_equal(a->resolved_at, b->resolved_at);
    assert_int_equal(a->scheduled_for, b->scheduled_for);
    assert_int_equal(a->scheduled_until, b->scheduled_until);
    assert_str_eq(a->postmortem_body, b->postmortem_body);
    assert_int_equal(a->postmortem_published_at, b->postmortem_published_at);
    assert_str_eq(a->monitor_id, b->monitor_id);
    assert_int_equal(a->ncomponents, b->ncomponents);
    for (size_t k = 0; k < a->ncomponents; k++) {
        assert_string_equal(a->component_ids[k], b->component_ids[k]);
        assert_int_equal(a->component_status[k], b->component_status[k]);
    }
    assert_int_equal(a->nupdates, b->nupdates);
    for (size_t k = 0; k < a->nupdates; k++) {
        const tc_incident_update_t *u = &a->updates[k], *v = &b->updates[k];
        assert_string_equal(u->id, v->id);
        assert_int_equal(u->status, v->status);
        assert_string_equal(u->body, v->body);
        assert_int_equal(u->created_at, v->created_at);
        assert_int_equal(u->updated_at, v->updated_at);
        assert_int_equal(u->display_at, v->display_at);
        assert_int_equal(u->deliver_notifications, v->deliver_notifications);
        assert_int_equal(u->affected == NULL, v->affected == NULL);
        assert_int_equal(u->naffected, v->naffected);
        for (size_t x = 0; x < u->naffected; x++) {
            assert_string_equal(u->affected[x].code, v->affected[x].code);
            assert_string_equal(u->affected[x].name, v->affected[x].name);
            assert_int_equal(u->affected[x].old_status, v->affected[x].old_status);
            assert_int_equal(u->affected[x].new_status, v->affected[x].new_status);
        }
    }
}

static void round_trips_every_fixture(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof fx_incidents / sizeof fx_incidents[0]; n++) {
        const tc_incident_t *want = fx_incidents[n];
        char *text = tc_incident_encode(want);
        tc_incident_t *got = NULL;
        int version = -1;
        char err[256] = "";
        assert_int_equal(tc_incident_decode(text, strlen(text), &got, &version, err, sizeof err),
                         0);
        assert_int_equal(version, TC_INCIDENT_CODEC_VERSION);
        assert_same_incident(want, got);
        char *again = tc_incident_encode(got);
        assert_string_equal(text, again); /* stable: saving twice writes the same bytes */
        free(again);
        free(text);
        tc_incident_free(got);
    }
}

/* Non-ASCII, an impact override, an empty affected list, a monitor id, an open end, and a
 * time before 1970 (found by fuzz_import: the decoder refused what the encoder wrote). */
static void round_trips_the_odd_fields(void **state)
{
    (void)state;
    tc_affected_t none[1];
    tc_incident_update_t u[] = {
        {.id = (char *)"u1", .status = TC_INC_INVESTIGATING, .body = (char *)"Überlastung 🚑",
         .created_at = INT64_C(-30204194400000), .updated_at = 2, .display_at = 3,
         .affected = none, .naffected = 0},
    };
    char *ids[] = {(char *)"日本"};
    tc_status_t st[] = {TC_STATUS_MAJOR_OUTAGE};
    tc_incident_t want = {
        .id = (char *)"oddcccccccc1", .seq = 7, .name = (char *)"決済APIの障害 \"quoted\"",
        .status = TC_INC_INVESTIGATING, .impact = TC_IMPACT_CRITICAL,
        .impact_override = TC_IMPACT_MINOR, .backfilled = true, .created_at = 1,
        .updated_at = 2, .started_at = 1, .component_ids = ids, .component_status = st,
        .ncomponents = 1, .updates = u, .nupdates = 1, .monitor_id = (char *)"api-http",
    };
    char *text = tc_incident_encode(&want);
    tc_incident_t *got = NULL;
    char err[256];
    assert_int_equal(tc_incident_decode(text, strlen(text), &got, NULL, err, sizeof err), 0);
    assert_same_incident(&want, got);
    assert_non_null(got->updates[0].affected); /* [] stays [], not null */
    free(text);
    tc_incident_free(got);
}

/* What tocsin stored before version 1 (the write API's JSON, times in the page's zone)
 * still loads. */
static void reads_the_legacy_json(void **state)
{
    (void)state;
    const tc_incident_t *want = &fx_nov14;
    json_t *doc = tc_incident_to_json(want, NULL, "page", "", NULL, true);
    json_object_set_new(doc, "seq", json_integer((json_int_t)want->seq));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    tc_incident_t *got = NULL;
    int version = -1;
    char err[256];
    assert_int_equal(tc_incident_decode(text, strlen(text), &got, &version, err, sizeof err), 0);
    assert_int_equal(version, 0);
    assert_string_equal(got->name, want->name);
    assert_int_equal(got->resolved_at, want->resolved_at);
    assert_int_equal(got->nupdates, want->nupdates);
    assert_string_equal(got->updates[1].body, want->updates[1].body);
    free(text);
    tc_incident_free(got);
}

static void damaged_rows_are_errors(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *says;
    } cases[] = {
        {"", "not a JSON object"},
        {"[1]", "not a JSON object"},
        {"{\"v\":2}", "unknown format version"},
        {"{\"v\":\"1\"}", "unknown format version"},
        {"{\"v\":1}", "id"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":-1}", "seq"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":1,\"name\":\"n\",\"status\":\"nope\"}", "status"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":1,\"name\":\"n\",\"status\":\"resolved\","
         "\"impact\":\"none\",\"created_at\":\"yesterday\",\"components\":[],\"updates\":[]}",
         "created_at"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":1,\"name\":\"n\",\"status\":\"resolved\","
         "\"impact\":\"none\",\"components\":[{\"id\":\"x\",\"status\":\"bad\"}],"
         "\"updates\":[]}",
         "status"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":1,\"name\":\"n\",\"status\":\"resolved\","
         "\"impact\":\"none\",\"components\":[],\"updates\":[{\"id\":\"u\",\"status\":"
         "\"resolved\",\"body\":\"b\",\"affected\":[{\"code\":\"x\"}]}]}",
         "name"},
        {"{\"v\":1,\"id\":\"a\",\"seq\":1,\"name\":\"n\",\"status\":\"resolved\","
         "\"impact\":\"none\",\"components\":[],\"updates\":[7]}",
         "updates"},
        {"{\"id\":\"a\"}", "version 0"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tc_incident_t *got = (tc_incident_t *)1;
        char err[256] = "";
        int rc = tc_incident_decode(cases[k].text, strlen(cases[k].text), &got, NULL, err,
                                    sizeof err);
        if (rc != TC_EINVAL || got != NULL || !strstr(err, cases[k].says))
            fail_msg("case %zu (%s): rc %d, err \"%s\"", k, cases[k].text, rc, err);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trips_every_fixture),
        cmocka_unit_test(round_trips_the_odd_fields),
        cmocka_unit_test(reads_the_legacy_json),
        cmocka_unit_test(damaged_rows_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
