/* The languages a status page can be shown in (page.language): their codes and nothing
 * else. The words themselves are web/i18n.c's; this ground-floor list lets the config check
 * a language without knowing the pages. */
#ifndef TC_LANG_H
#define TC_LANG_H

typedef enum {
    TC_LANG_EN, /* English, the default */
    TC_LANG_DE, /* German */
    TC_LANG_FR, /* French */
    TC_LANG_ES, /* Spanish */
    TC_LANG_PT, /* Portuguese */
    TC_LANG_JA, /* Japanese */
    TC_LANG_COUNT,
} tc_lang_t;

/** The language of BCP 47 primary code @p code ("de"), case-insensitive.
 *  @return 0, or TC_EINVAL for a language tocsin does not speak. */
int tc_lang_parse(const char *code, tc_lang_t *out);

/** @return the code of @p lang, "en", "de", ... (the lang attribute of the pages). */
const char *tc_lang_code(tc_lang_t lang);

/** @return every code, "en, de, fr, es, pt, ja", for messages. */
const char *tc_lang_list(void);

#endif
