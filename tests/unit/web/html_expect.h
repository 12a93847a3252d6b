/* A check shared by the renderer tests: every string of @p present is in @p html and none of
 * @p absent (both NULL-terminated, either may be NULL), naming the first that is not so. */
#ifndef TC_TEST_HTML_EXPECT_H
#define TC_TEST_HTML_EXPECT_H

#include <string.h>

static void expect(const char *html, const char *const *present, const char *const *absent)
{
    for (size_t i = 0; present && present[i]; i++)
        if (!strstr(html, present[i])) {
            print_message("missing: %s\n", present[i]);
            fail();
        }
    for (size_t i = 0; absent && absent[i]; i++)
        if (strstr(html, absent[i])) {
            print_message("unexpected: %s\n", absent[i]);
            fail();
        }
}

#endif
