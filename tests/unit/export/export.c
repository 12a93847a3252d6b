/* Unit tests for src/export/export.c: document paths to file names, and nothing that could
 * leave the folder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/err.h"
#include "export/export.h"

static void file_names(void **state)
{
    (void)state;
    static const struct {
        const char *path, *file;
    } ok[] = {
        {"/", "index.html"},
        {"/history", "history/index.html"},
        {"/history/2024-11", "history/2024-11/index.html"},
        {"/incidents/abc123", "incidents/abc123/index.html"},
        {"/api/v2/summary.json", "api/v2/summary.json"},
        {"/history.atom", "history.atom"},
        {"/badges/rest.svg", "badges/rest.svg"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(tc_export_file_name(ok[i].path, out, sizeof out), 0);
        assert_string_equal(out, ok[i].file);
    }
    static const char *const bad[] = {"", "relative", "/../etc/passwd", "/a/../b", "/a//b",
                                      "/a/./b", "/..", "/history/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tc_export_file_name(bad[i], out, sizeof out), TC_EINVAL);
    /* Too long for the buffer: refused, not cut. */
    assert_int_equal(tc_export_file_name("/history", out, 8), TC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(file_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
