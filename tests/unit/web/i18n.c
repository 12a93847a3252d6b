/* Unit tests for src/web/i18n.c and its catalogs: every language has every text; each
 * translation has the placeholders and date conversions of the English one (a missing "{}"
 * would drop a name, an extra one print nothing) and markup only where English has it;
 * templates fill and reorder; dates, numbers, durations and plurals come out as each
 * language writes them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/lang.h"
#include "web/i18n.h"
#include "web/i18n_int.h"

static const tc_i18n_catalog_t *const all[TC_LANG_COUNT] = {
    &tc_i18n__en, &tc_i18n__de, &tc_i18n__fr, &tc_i18n__es, &tc_i18n__pt, &tc_i18n__ja,
};

/* The highest argument a template uses: "{}" counts up, "{N}" names one. */
static int placeholders(const char *t)
{
    int next = 0, most = 0;
    for (const char *p = t; (p = strchr(p, '{'));) {
        if (p[1] == '{') {
            p += 2;
            continue;
        }
        int n = p[1] == '}' ? ++next : atoi(p + 1);
        if (n > most)
            most = n;
        p++;
    }
    return most;
}

static bool is_date_format(tc_text_t k)
{
    return k >= TC_T_FMT_DAY && k <= TC_T_FMT_POSTED;
}

static void every_text_in_every_language(void **state)
{
    (void)state;
    for (int l = 0; l < TC_LANG_COUNT; l++) {
        const tc_i18n_catalog_t *c = all[l];
        const char *code = tc_lang_code((tc_lang_t)l);
        for (int k = 0; k < TC_T_COUNT; k++) {
            const char *t = c->text[k], *en = tc_i18n__en.text[k];
            if (!t) {
                print_message("%s lacks text %d\n", code, k);
                fail();
            }
            if (!is_date_format((tc_text_t)k) && placeholders(t) != placeholders(en)) {
                print_message("%s text %d: \"%s\" has %d placeholders, English %d\n", code, k,
                              t, placeholders(t), placeholders(en));
                fail();
            }
            /* Markup only where English has it (the uptime intro's link; "<1 min" is text,
             * escaped where it is used). */
            if (strstr(t, "<a ") && !strstr(en, "<a ")) {
                print_message("%s text %d has markup: %s\n", code, k, t);
                fail();
            }
        }
        for (int s = 0; s < 5; s++)
            assert_true(c->status[s] && c->status_words[s] && c->impact[s]);
        for (int u = 0; u < 10; u++)
            assert_non_null(c->update[u]);
        for (int r = 0; r < TC_I18N_ROLLUPS; r++)
            assert_non_null(c->rollup[r]);
        for (int m = 0; m < 12; m++)
            assert_true(c->month[m] && c->month_full[m]);
        assert_true(c->decimal == '.' || c->decimal == ',');
    }
}

/* Date formats use only tc_i18n_date()'s conversions, and those that end a time end with
 * the zone (the page's maintenance window cuts a shared zone name from its first end). */
static void date_formats(void **state)
{
    (void)state;
    for (int l = 0; l < TC_LANG_COUNT; l++)
        for (int k = TC_T_FMT_DAY; k <= TC_T_FMT_POSTED; k++) {
            const char *f = all[l]->text[k];
            for (const char *p = strchr(f, '%'); p; p = strchr(p + 2, '%'))
                assert_non_null(strchr("bBdemYHMIpZ%", p[1]));
            if (k == TC_T_FMT_WHEN || k == TC_T_FMT_CLOCK || k == TC_T_FMT_STAMP ||
                k == TC_T_FMT_POSTED) {
                size_t n = strlen(f);
                assert_true(n > 3 && strcmp(f + n - 3, " %Z") == 0);
            }
        }
}

static char *filled(tc_lang_t lang, tc_text_t key, const char *a, const char *b, bool html)
{
    tc_buf_t buf;
    tc_buf_init(&buf, 0);
    if (html)
        tc_i18n_html(&buf, lang, key, a, b, NULL);
    else
        tc_i18n_put(&buf, lang, key, a, b, NULL);
    return tc_buf_steal(&buf, NULL);
}

static void templates(void **state)
{
    (void)state;
    char *s = filled(TC_LANG_EN, TC_T_UPDATED_AT, "Identified", "Nov 14 at 01:08pm PST", false);
    assert_string_equal(s, "Identified, updated Nov 14 at 01:08pm PST");
    free(s);
    s = filled(TC_LANG_DE, TC_T_BARS_LABEL, "REST & <API>", "90", true);
    assert_string_equal(s, "Verfügbarkeit von REST &amp; &lt;API&gt; in den letzten 90 Tagen");
    free(s);
    s = filled(TC_LANG_JA, TC_T_REMINDER, "DB 更新", "03:00 JST", false);
    assert_string_equal(s, "お知らせ: DB 更新 は 03:00 JST に開始します");
    free(s);
    /* A missing argument prints nothing rather than garbage. */
    s = filled(TC_LANG_EN, TC_T_UPDATED_AT, "Identified", NULL, false);
    assert_string_equal(s, "Identified, updated ");
    free(s);
    assert_string_equal(tc_i18n((tc_lang_t)99, TC_T_TODAY), "Today");
    assert_string_equal(tc_i18n(TC_LANG_FR, TC_T_COUNT), "");
}

static void dates_numbers_durations_plurals(void **state)
{
    (void)state;
    tc_zone_t *z = NULL;
    char err[128], out[64];
    assert_int_equal(tc_zone_load("America/Los_Angeles", &z, err, sizeof err), 0);
    int64_t at = INT64_C(1731618480000); /* 2024-11-14T21:08:00Z, 01:08pm PST */
    static const struct {
        tc_lang_t lang;
        tc_text_t fmt;
        const char *want;
    } dates[] = {
        {TC_LANG_EN, TC_T_FMT_WHEN, "Nov 14 at 01:08pm PST"},
        {TC_LANG_EN, TC_T_FMT_DAY, "Nov 14, 2024"},
        {TC_LANG_EN, TC_T_FMT_MONTH, "November 2024"},
        {TC_LANG_DE, TC_T_FMT_WHEN, "14. Nov. um 13:08 PST"},
        {TC_LANG_DE, TC_T_FMT_MONTH, "November 2024"},
        {TC_LANG_FR, TC_T_FMT_DAY, "14 nov. 2024"},
        {TC_LANG_ES, TC_T_FMT_MONTH, "noviembre de 2024"},
        {TC_LANG_PT, TC_T_FMT_WHEN, "14 de nov. às 13:08 PST"},
        {TC_LANG_JA, TC_T_FMT_DAY, "2024年11月14日"},
        {TC_LANG_JA, TC_T_FMT_STAMP, "2024年11月14日 13:08 PST"},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        tc_i18n_date(dates[i].lang, z, at, dates[i].fmt, out, sizeof out);
        assert_string_equal(out, dates[i].want);
    }
    /* March 5: German's unabbreviated short month, a day without padding. */
    tc_i18n_date(TC_LANG_DE, z, INT64_C(1709660000000), TC_T_FMT_DAY, out, sizeof out);
    assert_string_equal(out, "5. März 2024");
    tc_zone_free(z);

    tc_i18n_decimal(TC_LANG_EN, 99.934, 2, out);
    assert_string_equal(out, "99.93");
    tc_i18n_decimal(TC_LANG_DE, 99.934, 2, out);
    assert_string_equal(out, "99,93");
    tc_i18n_duration(TC_LANG_EN, 0.4, out, sizeof out);
    assert_string_equal(out, "<1 min");
    tc_i18n_duration(TC_LANG_EN, 125, out, sizeof out);
    assert_string_equal(out, "2 h 05 min");
    tc_i18n_duration(TC_LANG_JA, 125, out, sizeof out);
    assert_string_equal(out, "2時間05分");
    tc_i18n_duration(TC_LANG_DE, 0, out, sizeof out);
    assert_string_equal(out, "keine");

    assert_int_equal(tc_i18n_plural(TC_LANG_EN, 1, TC_T_N_INCIDENT, TC_T_N_INCIDENTS),
                     TC_T_N_INCIDENT);
    assert_int_equal(tc_i18n_plural(TC_LANG_EN, 0, TC_T_N_INCIDENT, TC_T_N_INCIDENTS),
                     TC_T_N_INCIDENTS);
    assert_int_equal(tc_i18n_plural(TC_LANG_FR, 0, TC_T_N_INCIDENT, TC_T_N_INCIDENTS),
                     TC_T_N_INCIDENT);
    assert_int_equal(tc_i18n_plural(TC_LANG_JA, 1, TC_T_N_INCIDENT, TC_T_N_INCIDENTS),
                     TC_T_N_INCIDENTS);
}

static void words_of_statuses(void **state)
{
    (void)state;
    assert_string_equal(tc_i18n_status(TC_LANG_DE, TC_STATUS_MAJOR_OUTAGE), "Schwerer Ausfall");
    assert_string_equal(tc_i18n_status_words(TC_LANG_EN, TC_STATUS_DEGRADED),
                        "degraded performance");
    assert_string_equal(tc_i18n_update(TC_LANG_FR, TC_INC_RESOLVED, -1), "Résolu");
    assert_string_equal(tc_i18n_update(TC_LANG_EN, TC_INC_IDENTIFIED, TC_INC_IDENTIFIED),
                        "Update");
    assert_string_equal(tc_i18n_rollup(TC_LANG_JA, "All Systems Operational"),
                        "すべてのシステムが正常に稼働しています");
    assert_string_equal(tc_i18n_rollup(TC_LANG_DE, "Something else"), "Something else");
    assert_string_equal(tc_i18n_impact(TC_LANG_ES, TC_IMPACT_CRITICAL), "Caída");
    assert_string_equal(tc_i18n_impact(TC_LANG_ES, TC_IMPACT_NONE), "");
    /* Every language code round-trips; others are refused. */
    for (int l = 0; l < TC_LANG_COUNT; l++) {
        tc_lang_t back = TC_LANG_COUNT;
        assert_int_equal(tc_lang_parse(tc_lang_code((tc_lang_t)l), &back), 0);
        assert_int_equal(back, l);
    }
    tc_lang_t x = TC_LANG_EN;
    assert_int_equal(tc_lang_parse("DE", &x), 0);
    assert_int_equal(x, TC_LANG_DE);
    assert_int_not_equal(tc_lang_parse("nl", &x), 0);
    assert_int_not_equal(tc_lang_parse("", &x), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_text_in_every_language),
        cmocka_unit_test(date_formats),
        cmocka_unit_test(templates),
        cmocka_unit_test(dates_numbers_durations_plurals),
        cmocka_unit_test(words_of_statuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
