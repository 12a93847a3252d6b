/* Language codes (see lang.h). */
#include "core/lang.h"

#include <strings.h>

#include "core/err.h"

static const char *const codes[TC_LANG_COUNT] = {"en", "de", "fr", "es", "pt", "ja"};

int tc_lang_parse(const char *code, tc_lang_t *out)
{
    for (int i = 0; code && i < TC_LANG_COUNT; i++)
        if (strcasecmp(code, codes[i]) == 0) {
            *out = (tc_lang_t)i;
            return 0;
        }
    return TC_EINVAL;
}

const char *tc_lang_code(tc_lang_t lang)
{
    return codes[lang];
}

const char *tc_lang_list(void)
{
    return "en, de, fr, es, pt, ja";
}
