/* Unit tests for src/web/row_names.c: an incident names the rows of the components it sets or
 * set in an update, and every row of a group it names; each row once, whatever repeats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "web/row_names.h"

static const tc_view_row_t rows[] = {
    {.id = "api", .name = "API", .is_group = true},
    {.id = "rest", .name = "REST", .group_id = "api"},
    {.id = "ws", .name = "WebSocket", .group_id = "api"},
    {.id = "web", .name = "Website"},
};

static void test_rows_named(void **state)
{
    (void)state;
    tc_view_t v = {.rows = rows, .nrows = 4};
    tc_row_names_t *t = tc_row_names_new(&v);
    size_t out[4];

    /* Now on the website; earlier on REST twice and on something no row shows. */
    char *now[] = {(char *)"web"};
    tc_affected_t a1[] = {{.code = (char *)"rest"}, {.code = (char *)"gone"}};
    tc_affected_t a2[] = {{.code = (char *)"rest"}, {.code = NULL}};
    tc_incident_update_t u[] = {{.affected = a1, .naffected = 2}, {.affected = a2, .naffected = 2}};
    tc_incident_t i = {.component_ids = now, .ncomponents = 1, .updates = u, .nupdates = 2};
    size_t n = tc_row_names_of(t, &i, out);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 3);
    assert_int_equal(out[1], 1);

    /* The group: its own row and each of its children. */
    char *group[] = {(char *)"api"};
    tc_incident_t g = {.component_ids = group, .ncomponents = 1};
    n = tc_row_names_of(t, &g, out);
    assert_int_equal(n, 3);
    assert_int_equal(out[0] + out[1] + out[2], 0 + 1 + 2);

    tc_incident_t none = {0};
    assert_int_equal(tc_row_names_of(t, &none, out), 0);
    tc_row_names_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
