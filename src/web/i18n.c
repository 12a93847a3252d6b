/* Lookups and formatting over the catalogs (i18n_<code>.c, one per language). */
#include "web/i18n.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "web/i18n_int.h"

static const tc_i18n_catalog_t *const catalogs[TC_LANG_COUNT] = {
    [TC_LANG_EN] = &tc_i18n__en, [TC_LANG_DE] = &tc_i18n__de, [TC_LANG_FR] = &tc_i18n__fr,
    [TC_LANG_ES] = &tc_i18n__es, [TC_LANG_PT] = &tc_i18n__pt, [TC_LANG_JA] = &tc_i18n__ja,
};

/* status/rollup.c's descriptions, in the order of the catalogs' rollup tables. */
static const char *const rollup_english[TC_I18N_ROLLUPS] = {
    "All Systems Operational", "Partially Degraded Service", "Degraded System Service",
    "Minor Service Outage",    "Partial System Outage",      "Major System Outage",
    "Service Under Maintenance",
};

static const tc_i18n_catalog_t *catalog(tc_lang_t lang)
{
    return (unsigned)lang < TC_LANG_COUNT ? catalogs[lang] : &tc_i18n__en;
}

/* The entry of @p lang's table at @p offset into a catalog, or English's when missing. */
static const char *pick(const char *mine, const char *english)
{
    return mine ? mine : english;
}

const char *tc_i18n(tc_lang_t lang, tc_text_t key)
{
    if ((unsigned)key >= TC_T_COUNT)
        return "";
    return pick(catalog(lang)->text[key], tc_i18n__en.text[key]);
}

/* Fill @p tpl's placeholders from @p args (nargs strings). */
static void fill(tc_buf_t *b, const char *tpl, const char *const *args, size_t nargs, bool html)
{
    size_t next = 0;
    for (const char *p = tpl; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            tc_buf_puts(b, p);
            return;
        }
        tc_buf_append(b, p, (size_t)(open - p));
        if (open[1] == '{') { /* "{{" is a brace */
            tc_buf_puts(b, "{");
            p = open + 2;
            continue;
        }
        const char *close = strchr(open, '}');
        if (!close) {
            tc_buf_puts(b, open);
            return;
        }
        size_t index = next++;
        if (close > open + 1) /* "{2}": the second argument */
            index = (size_t)strtoul(open + 1, NULL, 10) - 1;
        if (index < nargs && args[index]) {
            if (html)
                tc_buf_html(b, args[index]);
            else
                tc_buf_puts(b, args[index]);
        }
        p = close + 1;
    }
}

#define MAX_ARGS 8

static void put(tc_buf_t *b, tc_lang_t lang, tc_text_t key, bool html, va_list ap)
{
    const char *args[MAX_ARGS];
    size_t n = 0;
    for (const char *a = va_arg(ap, const char *); a && n < MAX_ARGS;
         a = va_arg(ap, const char *))
        args[n++] = a;
    fill(b, tc_i18n(lang, key), args, n, html);
}

void tc_i18n_put(tc_buf_t *b, tc_lang_t lang, tc_text_t key, ...)
{
    va_list ap;
    va_start(ap, key);
    put(b, lang, key, false, ap);
    va_end(ap);
}

void tc_i18n_html(tc_buf_t *b, tc_lang_t lang, tc_text_t key, ...)
{
    va_list ap;
    va_start(ap, key);
    put(b, lang, key, true, ap);
    va_end(ap);
}

tc_text_t tc_i18n_plural(tc_lang_t lang, size_t n, tc_text_t one, tc_text_t other)
{
    switch (catalog(lang)->plural) {
    case TC_PLURAL_ONE_UP_TO_1:
        return n <= 1 ? one : other;
    case TC_PLURAL_NONE:
        return other;
    case TC_PLURAL_ONE_IS_1:
    default:
        return n == 1 ? one : other;
    }
}

void tc_i18n_decimal(tc_lang_t lang, double x, int digits, char out[32])
{
    snprintf(out, 32, "%.*f", digits, x);
    char *dot = strchr(out, '.');
    if (dot)
        *dot = catalog(lang)->decimal;
}

void tc_i18n_duration(tc_lang_t lang, double minutes, char *out, size_t outlen)
{
    char h[24], m[24];
    tc_buf_t b;
    tc_buf_init(&b, 0);
    if (minutes <= 0) {
        tc_i18n_put(&b, lang, TC_T_DUR_NONE, NULL);
    } else if (minutes < 1) {
        tc_i18n_put(&b, lang, TC_T_DUR_LT1, NULL);
    } else if (minutes < 60) {
        snprintf(m, sizeof m, "%.0f", minutes);
        tc_i18n_put(&b, lang, TC_T_DUR_MIN, m, NULL);
    } else {
        long total = (long)(minutes + 0.5);
        snprintf(h, sizeof h, "%ld", total / 60);
        snprintf(m, sizeof m, "%02ld", total % 60);
        tc_i18n_put(&b, lang, TC_T_DUR_HMIN, h, m, NULL);
    }
    snprintf(out, outlen, "%s", b.data ? b.data : "");
    tc_buf_free(&b);
}

void tc_i18n_date(tc_lang_t lang, const tc_zone_t *z, int64_t ms, tc_text_t fmt, char *out,
                  size_t outlen)
{
    tc_i18n_strftime(lang, z, ms, tc_i18n(lang, fmt), out, outlen);
}

void tc_i18n_strftime(tc_lang_t lang, const tc_zone_t *z, int64_t ms, const char *pattern,
                      char *out, size_t outlen)
{
    const tc_i18n_catalog_t *c = catalog(lang);
    char field[32];
    tc_buf_t b;
    tc_buf_init(&b, 0);
    for (const char *p = pattern; *p; p++) {
        if (*p != '%' || !p[1]) {
            tc_buf_append(&b, p, 1);
            continue;
        }
        p++;
        int month = 0;
        switch (*p) {
        case 'b':
        case 'B':
        case 'm':
            tc_clock_format_local(z, ms, "%m", field, sizeof field);
            month = (int)strtol(field, NULL, 10);
            if (month < 1 || month > 12)
                month = 1;
            if (*p == 'm')
                tc_buf_printf(&b, "%d", month);
            else
                tc_buf_puts(&b, *p == 'b' ? pick(c->month[month - 1],
                                                 tc_i18n__en.month[month - 1])
                                          : pick(c->month_full[month - 1],
                                                 tc_i18n__en.month_full[month - 1]));
            break;
        case 'e':
            tc_clock_format_local(z, ms, "%d", field, sizeof field);
            tc_buf_printf(&b, "%ld", strtol(field, NULL, 10));
            break;
        case 'p':
            /* strftime's %p is upper case in the C locale; readers expect "01:08pm". */
            tc_clock_format_local(z, ms, "%p", field, sizeof field);
            for (char *q = field; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                    *q = (char)(*q - 'A' + 'a');
            tc_buf_puts(&b, field);
            break;
        case 'd':
        case 'Y':
        case 'H':
        case 'M':
        case 'I':
        case 'Z':
        case '%': {
            char conv[3] = {'%', *p, '\0'};
            tc_clock_format_local(z, ms, conv, field, sizeof field);
            tc_buf_puts(&b, field);
            break;
        }
        default: /* not a conversion of ours: kept as written */
            tc_buf_append(&b, p - 1, 2);
        }
    }
    snprintf(out, outlen, "%s", b.data ? b.data : "");
    tc_buf_free(&b);
}

const char *tc_i18n_status(tc_lang_t lang, tc_status_t s)
{
    return pick(catalog(lang)->status[s], tc_i18n__en.status[s]);
}

const char *tc_i18n_status_words(tc_lang_t lang, tc_status_t s)
{
    return pick(catalog(lang)->status_words[s], tc_i18n__en.status_words[s]);
}

const char *tc_i18n_update(tc_lang_t lang, tc_incident_status_t s, int previous)
{
    /* A run of updates with one status reads "Investigating", "Update", "Update" ... */
    size_t k = previous >= 0 && (tc_incident_status_t)previous == s ? 9 : (size_t)s;
    return pick(catalog(lang)->update[k], tc_i18n__en.update[k]);
}

const char *tc_i18n_rollup(tc_lang_t lang, const char *english)
{
    for (size_t k = 0; k < TC_I18N_ROLLUPS; k++)
        if (strcmp(english, rollup_english[k]) == 0)
            return pick(catalog(lang)->rollup[k], english);
    return english;
}

const char *tc_i18n_impact(tc_lang_t lang, tc_impact_t impact)
{
    if ((unsigned)impact >= 5)
        return "";
    return pick(catalog(lang)->impact[impact], tc_i18n__en.impact[impact]);
}
