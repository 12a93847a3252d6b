/* Unit tests for src/web/render_api.c (Statuspage v2 JSON documents) and the escaping of
 * src/web/render_page.c. The view is built by hand; the JSON output is parsed back with
 * jansson and checked key by key against shared/reference/statuspage.md §1.2-1.7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "status/rollup.h"
#include "web/render.h"

/* Instants used below, with their wall-clock text in Los Angeles and UTC. */
#define T_WINTER INT64_C(1705322096789)   /* 2024-01-15T12:34:56.789Z */
#define T_SUMMER INT64_C(1720116000005)   /* 2024-07-04T18:00:00.005Z */
#define T_CREATED INT64_C(1705287600000)  /* 2024-01-15T03:00:00.000Z: still the 14th in LA */
#define T_CREATED2 INT64_C(1719815400000) /* 2024-07-01T06:30:00.000Z: June 30th in LA */

static const char *const page_keys[] = {"id", "name", "url", "time_zone", "updated_at", NULL};
static const char *const component_keys[] = {
    "id",       "name",     "status",  "created_at", "updated_at", "position",
    "description", "showcase", "start_date", "group_id", "page_id", "group",
    "only_show_if_degraded", NULL};
static const char *const group_keys[] = {
    "id",       "name",     "status",  "created_at", "updated_at", "position",
    "description", "showcase", "start_date", "group_id", "page_id", "group",
    "only_show_if_degraded", "components", NULL};

/* Rows in display order: a group with two children, then a top-level component. */
static const tc_view_row_t rows[] = {
    {.id = "core", .name = "Core Services", .description = "Everything behind the API",
     .group_id = NULL, .position = 1, .is_group = true, .showcase = false,
     .only_show_if_degraded = false, .status = TC_STATUS_PARTIAL_OUTAGE, .created_at = T_CREATED,
     .updated_at = T_SUMMER},
    {.id = "api", .name = "API", .description = NULL, .group_id = "core", .position = 1,
     .is_group = false, .showcase = true, .only_show_if_degraded = false,
     .status = TC_STATUS_PARTIAL_OUTAGE, .created_at = T_CREATED, .updated_at = T_WINTER},
    {.id = "db", .name = "Database", .description = "Primary store", .group_id = "core",
     .position = 2, .is_group = false, .showcase = false, .only_show_if_degraded = true,
     .status = TC_STATUS_OPERATIONAL, .created_at = T_CREATED2, .updated_at = T_SUMMER},
    {.id = "web", .name = "Website", .description = NULL, .group_id = NULL, .position = 2,
     .is_group = false, .showcase = true, .only_show_if_degraded = false,
     .status = TC_STATUS_OPERATIONAL, .created_at = T_CREATED2, .updated_at = T_WINTER},
};

/* Zones by name, loaded once each and kept until exit (they are the views' zones). */
static const tc_zone_t *zone_named(const char *name)
{
    static struct {
        const char *name;
        tc_zone_t *zone;
    } loaded[8];
    for (size_t i = 0; i < sizeof loaded / sizeof loaded[0]; i++) {
        if (loaded[i].name && strcmp(loaded[i].name, name) == 0)
            return loaded[i].zone;
        if (!loaded[i].name) {
            char err[128];
            assert_int_equal(tc_zone_load(name, &loaded[i].zone, err, sizeof err), 0);
            loaded[i].name = name;
            return loaded[i].zone;
        }
    }
    fail();
    return NULL;
}

static tc_view_t make_view(const char *zone)
{
    tc_status_t leaves[] = {rows[1].status, rows[2].status, rows[3].status};
    tc_view_t v = {
        .page_id = "acme",
        .page_name = "Acme",
        .page_url = "https://status.example.com",
        .page_description = NULL,
        .time_zone = zone,
        .zone = zone_named(zone),
        .updated_at = T_WINTER,
        .rows = rows,
        .nrows = sizeof rows / sizeof rows[0],
        .rollup = tc_rollup(leaves, 3),
    };
    return v;
}

/* Parse rendered JSON, checking the reported length; the text is freed here. */
static json_t *parse(char *text, size_t len)
{
    assert_non_null(text);
    size_t real = strlen(text);
    json_error_t err;
    json_t *root = json_loads(text, 0, &err);
    if (!root)
        print_message("json error: %s at %d:%d in %s\n", err.text, err.line, err.column, text);
    free(text);
    if (!root || len != real)
        json_decref(root);
    assert_int_equal(len, real);
    assert_non_null(root);
    assert_true(json_is_object(root));
    return root;
}

static void assert_keys(json_t *obj, const char *const *keys)
{
    assert_true(json_is_object(obj));
    size_t n = 0;
    for (; keys[n]; n++)
        if (!json_object_get(obj, keys[n])) {
            print_message("missing key \"%s\"\n", keys[n]);
            fail();
        }
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        int known = 0;
        for (size_t i = 0; keys[i]; i++)
            known |= strcmp(key, keys[i]) == 0;
        if (!known) {
            print_message("unexpected key \"%s\"\n", key);
            fail();
        }
    }
    assert_int_equal(json_object_size(obj), n);
}

static const char *str(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void check_page(json_t *page, const char *zone, const char *updated)
{
    assert_keys(page, page_keys);
    assert_string_equal(str(page, "id"), "acme");
    assert_string_equal(str(page, "name"), "Acme");
    assert_string_equal(str(page, "url"), "https://status.example.com");
    assert_string_equal(str(page, "time_zone"), zone);
    assert_string_equal(str(page, "updated_at"), updated);
}

static void check_status(json_t *status, const char *indicator, const char *description)
{
    assert_keys(status, (const char *const[]){"indicator", "description", NULL});
    assert_string_equal(str(status, "indicator"), indicator);
    assert_string_equal(str(status, "description"), description);
}

/* What each row of rows[] must render as, in one zone. */
typedef struct {
    const char *status;
    const char *created_at, *updated_at;
    const char *start_date; /* NULL: JSON null */
    const char *description;
    const char *group_id;
    int position;
    bool showcase, group, only_if_degraded;
    const char *children[3];
} want_row_t;

static void check_components(json_t *list, const want_row_t *want)
{
    assert_true(json_is_array(list));
    assert_int_equal(json_array_size(list), sizeof rows / sizeof rows[0]);
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *c = json_array_get(list, i);
        const want_row_t *w = &want[i];
        print_message("row %s\n", rows[i].id);
        assert_keys(c, w->group ? group_keys : component_keys);
        assert_string_equal(str(c, "id"), rows[i].id);
        assert_string_equal(str(c, "name"), rows[i].name);
        assert_string_equal(str(c, "status"), w->status);
        assert_string_equal(str(c, "created_at"), w->created_at);
        assert_string_equal(str(c, "updated_at"), w->updated_at);
        assert_true(json_is_integer(json_object_get(c, "position")));
        assert_int_equal(json_integer_value(json_object_get(c, "position")), w->position);
        if (w->description)
            assert_string_equal(str(c, "description"), w->description);
        else
            assert_true(json_is_null(json_object_get(c, "description")));
        if (w->start_date)
            assert_string_equal(str(c, "start_date"), w->start_date);
        else
            assert_true(json_is_null(json_object_get(c, "start_date")));
        if (w->group_id)
            assert_string_equal(str(c, "group_id"), w->group_id);
        else
            assert_true(json_is_null(json_object_get(c, "group_id")));
        assert_string_equal(str(c, "page_id"), "acme");
        assert_true(json_is_boolean(json_object_get(c, "showcase")));
        assert_int_equal(json_is_true(json_object_get(c, "showcase")), w->showcase);
        assert_true(json_is_boolean(json_object_get(c, "group")));
        assert_int_equal(json_is_true(json_object_get(c, "group")), w->group);
        assert_true(json_is_boolean(json_object_get(c, "only_show_if_degraded")));
        assert_int_equal(json_is_true(json_object_get(c, "only_show_if_degraded")),
                         w->only_if_degraded);
        if (w->group) {
            json_t *ids = json_object_get(c, "components");
            assert_true(json_is_array(ids));
            size_t n = 0;
            while (n < 3 && w->children[n])
                n++;
            assert_int_equal(json_array_size(ids), n);
            for (size_t k = 0; k < n; k++) {
                assert_true(json_is_string(json_array_get(ids, k)));
                assert_string_equal(json_string_value(json_array_get(ids, k)), w->children[k]);
            }
        }
    }
}

static const struct zone_case {
    const char *zone;
    const char *winter, *summer, *created, *created2;
    const char *day, *day2;
} zone_cases[] = {
    {"America/Los_Angeles", "2024-01-15T04:34:56.789-08:00", "2024-07-04T11:00:00.005-07:00",
     "2024-01-14T19:00:00.000-08:00", "2024-06-30T23:30:00.000-07:00", "2024-01-14",
     "2024-06-30"},
    {"Etc/UTC", "2024-01-15T12:34:56.789Z", "2024-07-04T18:00:00.005Z",
     "2024-01-15T03:00:00.000Z", "2024-07-01T06:30:00.000Z", "2024-01-15", "2024-07-01"},
    {"Asia/Kolkata", "2024-01-15T18:04:56.789+05:30", "2024-07-04T23:30:00.005+05:30",
     "2024-01-15T08:30:00.000+05:30", "2024-07-01T12:00:00.000+05:30", "2024-01-15",
     "2024-07-01"},
};

static void expected_rows(const struct zone_case *z, want_row_t want[4])
{
    want_row_t w[4] = {
        {"partial_outage", z->created, z->summer, NULL, "Everything behind the API", NULL, 1,
         false, true, false, {"api", "db", NULL}},
        {"partial_outage", z->created, z->winter, z->day, NULL, "core", 1, true, false, false,
         {NULL}},
        {"operational", z->created2, z->summer, z->day2, "Primary store", "core", 2, false, false,
         true, {NULL}},
        {"operational", z->created2, z->winter, z->day2, NULL, NULL, 2, true, false, false,
         {NULL}},
    };
    memcpy(want, w, sizeof w);
}

static void test_summary_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof zone_cases / sizeof zone_cases[0]; i++) {
        const struct zone_case *z = &zone_cases[i];
        print_message("zone %s\n", z->zone);
        tc_view_t v = make_view(z->zone);
        size_t len = 0;
        char *text = tc_render_summary_json(&v, NULL, &len);
        json_t *root = parse(text, len);
        assert_keys(root, (const char *const[]){"page", "components", "incidents",
                                                "scheduled_maintenances", "status", NULL});
        check_page(json_object_get(root, "page"), z->zone, z->winter);
        want_row_t want[4];
        expected_rows(z, want);
        check_components(json_object_get(root, "components"), want);
        json_t *inc = json_object_get(root, "incidents");
        assert_true(json_is_array(inc));
        assert_int_equal(json_array_size(inc), 0);
        json_t *sm = json_object_get(root, "scheduled_maintenances");
        assert_true(json_is_array(sm));
        assert_int_equal(json_array_size(sm), 0);
        check_status(json_object_get(root, "status"), "minor", "Minor Service Outage");
        json_decref(root);
    }
}

static void test_components_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof zone_cases / sizeof zone_cases[0]; i++) {
        const struct zone_case *z = &zone_cases[i];
        tc_view_t v = make_view(z->zone);
        size_t len = 0;
        char *text = tc_render_components_json(&v, &len);
        json_t *root = parse(text, len);
        assert_keys(root, (const char *const[]){"page", "components", NULL});
        check_page(json_object_get(root, "page"), z->zone, z->winter);
        want_row_t want[4];
        expected_rows(z, want);
        check_components(json_object_get(root, "components"), want);
        json_decref(root);
    }
}

static void test_status_json(void **state)
{
    (void)state;
    static const struct {
        tc_status_t leaves[3];
        const char *indicator, *description;
    } cases[] = {
        {{TC_STATUS_OPERATIONAL, TC_STATUS_OPERATIONAL, TC_STATUS_OPERATIONAL}, "none",
         "All Systems Operational"},
        {{TC_STATUS_DEGRADED, TC_STATUS_OPERATIONAL, TC_STATUS_OPERATIONAL}, "minor",
         "Partially Degraded Service"},
        {{TC_STATUS_MAJOR_OUTAGE, TC_STATUS_PARTIAL_OUTAGE, TC_STATUS_OPERATIONAL}, "major",
         "Partial System Outage"},
        {{TC_STATUS_MAJOR_OUTAGE, TC_STATUS_MAJOR_OUTAGE, TC_STATUS_MAJOR_OUTAGE}, "critical",
         "Major System Outage"},
        {{TC_STATUS_UNDER_MAINTENANCE, TC_STATUS_OPERATIONAL, TC_STATUS_OPERATIONAL},
         "maintenance", "Service Under Maintenance"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tc_view_t v = make_view("America/Los_Angeles");
        v.updated_at = T_SUMMER;
        v.rollup = tc_rollup(cases[i].leaves, 3);
        size_t len = 0;
        char *text = tc_render_status_json(&v, &len);
        json_t *root = parse(text, len);
        assert_keys(root, (const char *const[]){"page", "status", NULL});
        check_page(json_object_get(root, "page"), "America/Los_Angeles",
                   "2024-07-04T11:00:00.005-07:00");
        check_status(json_object_get(root, "status"), cases[i].indicator,
                     cases[i].description);
        json_decref(root);
    }
}

/* An empty page still renders every document with empty arrays. */
static void test_empty_view(void **state)
{
    (void)state;
    tc_view_t v = make_view("Etc/UTC");
    v.rows = NULL;
    v.nrows = 0;
    v.rollup = tc_rollup(NULL, 0);
    size_t len = 0;
    char *text = tc_render_summary_json(&v, NULL, &len);
        json_t *root = parse(text, len);
    assert_int_equal(json_array_size(json_object_get(root, "components")), 0);
    assert_true(json_is_array(json_object_get(root, "components")));
    check_status(json_object_get(root, "status"), "none", "All Systems Operational");
    json_decref(root);
}

/* ---- HTML escaping ------------------------------------------------------------------ */

static void test_page_html_escapes(void **state)
{
    (void)state;
    static const tc_view_row_t hrows[] = {
        {.id = "grp", .name = "Group <b>&</b>", .description = "d'esc \"q\"", .position = 1,
         .is_group = true, .showcase = true, .status = TC_STATUS_MAJOR_OUTAGE},
        {.id = "xss", .name = "<script>alert(1)</script>", .description = "<img src=x>",
         .group_id = "grp", .position = 1, .showcase = true, .status = TC_STATUS_MAJOR_OUTAGE},
        {.id = "top", .name = "Tom & Jerry's", .position = 2, .showcase = true,
         .status = TC_STATUS_OPERATIONAL},
    };
    tc_status_t leaves[] = {TC_STATUS_MAJOR_OUTAGE, TC_STATUS_OPERATIONAL};
    tc_view_t v = {
        .page_id = "acme",
        .page_name = "Acme \"&' <Ops>",
        .page_url = "",
        .page_description = "<i>We</i> & \"you\"",
        .time_zone = "America/Los_Angeles",
        .zone = zone_named("America/Los_Angeles"),
        .updated_at = T_WINTER,
        .rows = hrows,
        .nrows = 3,
        .rollup = tc_rollup(leaves, 2),
    };
    size_t len = 0;
    char *html = tc_render_page_html(&v, &len);
    assert_non_null(html);
    assert_int_equal(len, strlen(html));

    static const char *const present[] = {
        "<title>Acme &quot;&amp;&#39; &lt;Ops&gt; Status</title>",
        "<h1>Acme &quot;&amp;&#39; &lt;Ops&gt;</h1>",
        "content=\"&lt;i&gt;We&lt;/i&gt; &amp; &quot;you&quot;\"",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&lt;img src=x&gt;",
        "Group &lt;b&gt;&amp;&lt;/b&gt;",
        "d&#39;esc &quot;q&quot;",
        "Tom &amp; Jerry&#39;s",
        "Partial System Outage",
    };
    static const char *const absent[] = {
        "<script", "alert(1)</script>", "<img", "<Ops>", "Acme \"&'", "<i>We", "<b>&",
        "Jerry's", "d'esc",
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++)
        if (!strstr(html, present[i])) {
            print_message("missing: %s\n", present[i]);
            ok = 0;
        }
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        if (strstr(html, absent[i])) {
            print_message("unescaped: %s\n", absent[i]);
            ok = 0;
        }
    free(html);
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_json),   cmocka_unit_test(test_components_json),
        cmocka_unit_test(test_status_json),    cmocka_unit_test(test_empty_view),
        cmocka_unit_test(test_page_html_escapes),
    };
    return cmocka_run_group_tests_name("web/render_api", tests, NULL, NULL);
}
