/* Unit tests for src/web/render.c: a render shares what did not change (issue 16). Pages of
 * incidents whose version is the same are the very documents of the render before, a changed
 * incident's page, its month and /history are made anew, and a change to what every page
 * shows (the frame: a component's name, the language, the footer) renders them all again. Versions 0 never share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_unchanged_incident_and_month_pages),
        cmocka_unit_test(test_version_zero_is_rendered),
        cmocka_unit_test(test_incident_footer_is_its_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
