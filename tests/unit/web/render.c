/* Unit tests for src/web/render.c: a render shares what did not change (issue 16). Pages of
 * incidents whose version is the same are the very documents of the render before, a changed
 * incident's page, its month and /history are made anew, and a change to what every page
 * shows (the frame: a component's name, the language, the footer) renders them all again. Versions 0 never share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "web/render.h"

#include "incidents_fixture.h"

/* The fixture's incidents, copied so their versions can be set. */
static tc_incident_t copies[sizeof fx_incidents / sizeof fx_incidents[0]];
static const tc_incident_t *list[sizeof fx_incidents / sizeof fx_incidents[0]];

static tc_view_t versioned_view(void)
{
    tc_view_t v = fx_view();
    for (size_t i = 0; i < v.nincidents; i++) {
        copies[i] = *fx_incidents[i];
        copies[i].version = 100 + i;
        list[i] = &copies[i];
    }
    v.incidents = list;
    return v;
}

static const tc_doc_t *find(const tc_snapshot_t *s, const char *path)
{
    const tc_doc_t *d = tc_snapshot_find(s, path);
    assert_non_null(d);
    return d;
}

static void test_shares_unchanged_incident_and_month_pages(void **state)
{
    (void)state;
    tc_view_t v = versioned_view();
    tc_render_state_t *st = tc_render_state_new();
    tc_render_state_eager(st, true); /* month pages at every render, as for the export */
    tc_snapshot_t *a = tc_render(&v, 1, st);

    /* Nothing changed but the time: every incident and month page is shared. */
    v.now += 60000;
    v.updated_at += 60000;
    tc_snapshot_t *b = tc_render(&v, 2, st);
    assert_ptr_equal(find(a, "/incidents/nov14aaaaaaa"), find(b, "/incidents/nov14aaaaaaa"));
    assert_ptr_equal(find(a, "/history/2024-11"), find(b, "/history/2024-11"));
    assert_ptr_equal(find(a, "/history"), find(b, "/history"));

    /* The open incident gets an update: its page, its month and /history change; the
     * other incidents' pages and the older months do not. */
    copies[1].name = (char *)"Web calls are slow (renamed)";
    copies[1].version = 200;
    tc_snapshot_t *c = tc_render(&v, 3, st);
    const tc_doc_t *open = find(c, "/incidents/openbbbbbbbb");
    assert_ptr_not_equal(find(b, "/incidents/openbbbbbbbb"), open);
    assert_non_null(strstr(open->var[TC_ENC_IDENTITY].data, "(renamed)"));
    assert_non_null(strstr(find(c, "/history/2024-11")->var[TC_ENC_IDENTITY].data, "(renamed)"));
    assert_non_null(strstr(find(c, "/history")->var[TC_ENC_IDENTITY].data, "(renamed)"));
    assert_ptr_equal(find(b, "/incidents/nov14aaaaaaa"), find(c, "/incidents/nov14aaaaaaa"));
    assert_ptr_equal(find(b, "/history/2024-09"), find(c, "/history/2024-09"));

    /* A component is renamed: pages that name it are made again. */
    tc_view_row_t rows[3];
    memcpy(rows, fx_rows, sizeof rows);
    rows[2].name = "Website (www)";
    v.rows = rows;
    tc_snapshot_t *d = tc_render(&v, 4, st);
    assert_ptr_not_equal(find(c, "/incidents/openbbbbbbbb"), find(d, "/incidents/openbbbbbbbb"));
    assert_non_null(
        strstr(find(d, "/incidents/openbbbbbbbb")->var[TC_ENC_IDENTITY].data, "Website (www)"));
    assert_non_null(strstr(find(d, "/history/2024-11")->var[TC_ENC_IDENTITY].data,
                           "Website (www)"));
    /* A month whose incidents do not name it is rendered again but comes out the same, and
     * is then shared as it is (not compressed again). */
    assert_ptr_equal(find(c, "/history/2024-09"), find(d, "/history/2024-09"));

    /* The page's language and footer line are on every page too. */
    v.lang = TC_LANG_DE;
    v.footer = "Acme GmbH, Berlin";
    tc_snapshot_t *e = tc_render(&v, 5, st);
    const char *page = find(e, "/incidents/nov14aaaaaaa")->var[TC_ENC_IDENTITY].data;
    assert_non_null(strstr(page, "<html lang=\"de\">"));
    assert_non_null(strstr(page, "Acme GmbH, Berlin"));
    assert_non_null(strstr(find(e, "/history/2024-09")->var[TC_ENC_IDENTITY].data,
                           "Acme GmbH, Berlin"));

    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_snapshot_release(c);
    tc_snapshot_release(d);
    tc_snapshot_release(e);
    tc_render_state_free(st);
}

static const char *history_of(const tc_snapshot_t *s)
{
    return find(s, "/history")->var[TC_ENC_IDENTITY].data;
}

static tc_incident_t *copy_of(const char *id)
{
    for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++)
        if (strcmp(copies[i].id, id) == 0)
            return &copies[i];
    fail_msg("no incident %s in the fixture", id);
    return NULL;
}

/* When the view says which incidents changed since the last render, the history keeps what
 * it filed of the others (issue 16): the changed one shows as it is now, /history comes out
 * as a render from nothing makes it, and maintenance that begins meanwhile joins it without
 * a change of its own. */
static void test_history_kept_between_renders(void **state)
{
    (void)state;
    tc_view_t v = versioned_view();
    v.incident_set = 7;
    tc_render_state_t *st = tc_render_state_new();
    tc_snapshot_t *a = tc_render(&v, 1, st); /* what changed is not known: all filed */
    assert_null(strstr(history_of(a), "Database upgrade")); /* not begun */

    tc_incident_t *open = copy_of("openbbbbbbbb");
    open->name = (char *)"Web calls are slow (renamed)";
    open->version = 200;
    const tc_incident_t *changed[] = {open};
    v.changed = changed;
    v.nchanged = 1;
    v.changed_known = true;
    tc_snapshot_t *b = tc_render(&v, 2, st);
    tc_snapshot_t *fresh = tc_render(&v, 3, NULL);
    assert_non_null(strstr(history_of(b), "(renamed)"));
    assert_string_equal(history_of(b), history_of(fresh));

    v.nchanged = 0;
    v.now = copy_of("maintccccccc")->scheduled_for + 60000;
    tc_snapshot_t *c = tc_render(&v, 4, st);
    tc_snapshot_t *fresh2 = tc_render(&v, 5, NULL);
    assert_non_null(strstr(history_of(c), "Database upgrade"));
    assert_string_equal(history_of(c), history_of(fresh2));

    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_snapshot_release(fresh);
    tc_snapshot_release(c);
    tc_snapshot_release(fresh2);
    tc_render_state_free(st);
}

/* Without a version the renderer cannot know what changed: it renders, and shares only
 * bytes that came out the same. */
static void test_version_zero_is_rendered(void **state)
{
    (void)state;
    tc_view_t v = versioned_view();
    for (size_t i = 0; i < v.nincidents; i++)
        copies[i].version = 0;
    tc_render_state_t *st = tc_render_state_new();
    tc_snapshot_t *a = tc_render(&v, 1, st);
    copies[2].name = (char *)"ElevenLabs was degraded";
    tc_snapshot_t *b = tc_render(&v, 2, st);
    assert_non_null(strstr(find(b, "/incidents/nov14aaaaaaa")->var[TC_ENC_IDENTITY].data,
                           "ElevenLabs was degraded"));
    assert_ptr_equal(find(a, "/incidents/openbbbbbbbb"), find(b, "/incidents/openbbbbbbbb"));
    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_render_state_free(st);
}

/* An incident page's footer tells when that incident last changed, not the whole page. */
static void test_incident_footer_is_its_own(void **state)
{
    (void)state;
    tc_view_t v = versioned_view();
    tc_snapshot_t *s = tc_render(&v, 1, NULL);
    /* fx_open's last update: 2024-11-15T20:20:00Z = 12:20 PST; the view says Nov 16. */
    assert_non_null(strstr(find(s, "/incidents/openbbbbbbbb")->var[TC_ENC_IDENTITY].data,
                           "Last updated Nov 15, 2024 12:20 PST."));
    tc_snapshot_release(s);
}

/* A long history: 30 resolved incidents a day apart (the newest first), and the open one. */
#define LONG 31
static tc_incident_t long_copies[LONG];
static const tc_incident_t *long_list[LONG];
static char long_ids[LONG][16];

static tc_view_t long_view(void)
{
    tc_view_t v = fx_view();
    for (size_t i = 0; i < LONG; i++) {
        long_copies[i] = i == 28 ? fx_open : fx_nov14;
        if (i != 28) {
            snprintf(long_ids[i], sizeof long_ids[i], "old%09zu", i);
            long_copies[i].id = long_ids[i];
            long_copies[i].started_at -= (int64_t)i * 86400000;
            long_copies[i].created_at = long_copies[i].started_at;
            long_copies[i].resolved_at -= (int64_t)i * 86400000;
        }
        long_copies[i].version = 500 + i;
        long_list[i] = &long_copies[i];
    }
    v.incidents = long_list;
    v.nincidents = LONG;
    return v;
}

/* Pages of older incidents and of months are offered, made when asked for with the bytes an
 * eager render gives them, kept while their incident does not change, and dropped when it
 * does. */
static void test_older_pages_made_on_demand(void **state)
{
    (void)state;
    tc_view_t v = long_view();
    tc_snapshot_t *all = tc_render(&v, 100, NULL); /* no state: every page */
    tc_render_state_t *st = tc_render_state_new();
    tc_snapshot_t *a = tc_render(&v, 1, st);
    find(a, "/incidents/old000000000");  /* the newest */
    find(a, "/incidents/openbbbbbbbb");  /* open, however old */
    assert_null(tc_snapshot_find(a, "/incidents/old000000027"));
    assert_true(tc_snapshot_offers(a, "/incidents/old000000027"));
    assert_false(tc_snapshot_offers(a, "/incidents/nosuchincident"));
    assert_null(tc_snapshot_find(a, "/history/2024-10"));
    assert_true(tc_snapshot_offers(a, "/history/2024-10"));

    tc_snapshot_t *b = NULL, *none = NULL;
    assert_int_equal(tc_render_on_demand(&v, 2, st, "/incidents/old000000027", 7000, &b), 0);
    const tc_doc_t *page = find(b, "/incidents/old000000027");
    assert_true(page->on_demand);
    assert_string_equal(page->var[TC_ENC_IDENTITY].data,
                        find(all, "/incidents/old000000027")->var[TC_ENC_IDENTITY].data);
    assert_ptr_equal(find(a, "/"), find(b, "/"));
    assert_int_equal(tc_render_on_demand(&v, 3, st, "/incidents/old000000027", 7000, &none),
                     TC_EEXIST);
    assert_int_equal(tc_render_on_demand(&v, 3, st, "/incidents/nope", 7000, &none),
                     TC_ENOENT);
    assert_null(none);

    tc_snapshot_t *c = NULL;
    assert_int_equal(tc_render_on_demand(&v, 3, st, "/history/2024-10", 7000, &c), 0);
    assert_string_equal(find(c, "/history/2024-10")->var[TC_ENC_IDENTITY].data,
                        find(all, "/history/2024-10")->var[TC_ENC_IDENTITY].data);
    find(c, "/incidents/old000000027"); /* still there */

    /* The next render keeps both while nothing they show changed... */
    tc_snapshot_t *d = tc_render(&v, 4, st);
    assert_ptr_equal(find(c, "/incidents/old000000027"), find(d, "/incidents/old000000027"));
    assert_ptr_equal(find(c, "/history/2024-10"), find(d, "/history/2024-10"));
    /* Pages made of entries kept from the renders before are what a fresh render makes. */
    assert_string_equal(find(d, "/history")->var[TC_ENC_IDENTITY].data,
                        find(all, "/history")->var[TC_ENC_IDENTITY].data);
    assert_string_equal(find(d, "/")->var[TC_ENC_IDENTITY].data,
                        find(all, "/")->var[TC_ENC_IDENTITY].data);
    static const char *const json[] = {"/api/v2/summary.json", "/api/v2/incidents.json",
                                       "/api/v2/incidents/unresolved.json"};
    for (size_t k = 0; k < 3; k++)
        assert_string_equal(find(d, json[k])->var[TC_ENC_IDENTITY].data,
                            find(all, json[k])->var[TC_ENC_IDENTITY].data);
    /* An incident's JSON shows its components' state: a kept piece is not used once that
     * changed. */
    tc_view_row_t rows[3];
    memcpy(rows, fx_rows, sizeof rows);
    rows[2].status = TC_STATUS_MAJOR_OUTAGE;
    v.rows = rows;
    tc_snapshot_t *out = tc_render(&v, 40, st);
    assert_non_null(strstr(find(out, "/api/v2/incidents/unresolved.json")->var[0].data,
                           "\"status\":\"major_outage\""));
    assert_null(strstr(find(d, "/api/v2/incidents/unresolved.json")->var[0].data,
                       "\"status\":\"major_outage\""));
    tc_snapshot_release(out);
    v.rows = fx_rows;
    /* ...and lets go of them when it did; they stay offered. */
    long_copies[27].name = (char *)"ElevenLabs was degraded (renamed)";
    long_copies[27].version = 900;
    tc_snapshot_t *e = tc_render(&v, 5, st);
    assert_null(tc_snapshot_find(e, "/incidents/old000000027"));
    assert_true(tc_snapshot_offers(e, "/incidents/old000000027"));
    assert_null(tc_snapshot_find(e, "/history/2024-10"));
    tc_snapshot_t *f = NULL;
    assert_int_equal(tc_render_on_demand(&v, 6, st, "/incidents/old000000027", 8000, &f), 0);
    assert_non_null(strstr(find(f, "/incidents/old000000027")->var[TC_ENC_IDENTITY].data,
                           "(renamed)"));

    tc_snapshot_release(all);
    tc_snapshot_release(a);
    tc_snapshot_release(b);
    tc_snapshot_release(c);
    tc_snapshot_release(d);
    tc_snapshot_release(e);
    tc_snapshot_release(f);
    tc_render_state_free(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_unchanged_incident_and_month_pages),
        cmocka_unit_test(test_history_kept_between_renders),
        cmocka_unit_test(test_version_zero_is_rendered),
        cmocka_unit_test(test_incident_footer_is_its_own),
        cmocka_unit_test(test_older_pages_made_on_demand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
