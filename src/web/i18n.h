/* The words of the public pages, feeds and subscriber e-mails in each page.language: one
 * table per language, looked up by key. The API's JSON stays English, as Statuspage's does,
 * so nothing here reaches it.
 *
 * Texts are templates: "{}" stands for the next argument and "{2}" for the second, so a
 * language can put them in its own order; "{{" is a brace. Arguments are always strings
 * (numbers go through tc_i18n_decimal() first), never printf formats, so a translation can
 * neither mistype nor overrun one. Date formats are patterns for tc_i18n_date() with
 * strftime-like conversions. Keys are TC_T_* ("T" for text), short because they are many.
 * A missing translation falls back to English; tests/unit/web/i18n.c fails on any, and on
 * any translation whose placeholders or conversions differ from the English ones. */
#ifndef TC_I18N_H
#define TC_I18N_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/lang.h"
#include "incident/incident.h"
#include "status/status.h"

typedef struct tc_zone tc_zone_t;

typedef enum {
    /* the frame of every page */
    TC_T_TITLE_SUFFIX,      /* " Status": "Acme" becomes "Acme Status" */
    TC_T_FEED_ATOM,         /* the feeds' <link> titles */
    TC_T_FEED_RSS,
    TC_T_SUBSCRIBE_BUTTON,  /* "Subscribe to updates" */
    TC_T_TIMES_IN,          /* "Times are shown in {zone}." */
    TC_T_LAST_UPDATED,      /* "Last updated {stamp}." */
    TC_T_INCIDENT_HISTORY,
    TC_T_UPTIME,
    TC_T_STATUS_API,
    TC_T_POWERED,
    /* incident cards */
    TC_T_AFFECTS,           /* "This incident affects: " (a list of components follows) */
    TC_T_AFFECTED,
    TC_T_MAINT_AFFECTS,
    TC_T_MAINT_AFFECTED,
    TC_T_LIST_SEP,          /* ", " between items of a list */
    TC_T_LIST_AND,          /* " and " between the two items of a list of two */
    TC_T_LIST_LAST,         /* ", and " before the last item of a longer list */
    TC_T_NAME_STATUS,       /* "{name} ({status})" */
    TC_T_FULL_STOP,         /* "." ending a sentence */
    TC_T_RESOLVED_AT,       /* "Resolved {when}" */
    TC_T_COMPLETED_AT,
    TC_T_UPDATED_AT,        /* "{status}, updated {when}" */
    TC_T_PREVIOUS_UPDATE,   /* "{n} previous update" (one) */
    TC_T_PREVIOUS_UPDATES,  /* (other) */
    /* "/" */
    TC_T_RESPONSE_LABEL,    /* "Response time: last {ms} ms, average {ms} ms" */
    TC_T_RESPONSE_TITLE,    /* the same, then ", highest {ms} ms" */
    TC_T_VENDOR_PAGE,
    TC_T_FAILING_FROM,      /* "Failing from {west,south}": a regional failure's places */
    TC_T_DAYS_AGO,          /* "{n} days ago" (n is 90) */
    TC_T_PERCENT_UPTIME,    /* "{99.93}% uptime" */
    TC_T_NO_DATA_YET,
    TC_T_TODAY,
    TC_T_COMPONENTS,
    TC_T_ACTIVE_INCIDENTS,
    TC_T_SCHEDULED_MAINT,
    TC_T_SCHEDULED_FOR,     /* "Scheduled for {when}" */
    TC_T_UNTIL,             /* " until {when}" */
    TC_T_PAST_INCIDENTS,
    TC_T_NONE_TODAY,
    TC_T_NONE_REPORTED,
    TC_T_ALL_ITS_COMPONENTS,
    TC_T_EMAIL_ADDRESS,
    TC_T_SUBSCRIBE,
    TC_T_ONLY_SOME,
    TC_T_TO_FOLLOW,
    TC_T_SUBSCRIBE_NOTE,
    /* the day bars (their detail is drawn by /page.js from these) */
    TC_T_BARS_LABEL,        /* "Uptime of {name} over the last {n} days" */
    TC_T_DAY_NO_DATA,
    TC_T_DAY_QUIET,
    TC_T_DAY_UPTIME,        /* "{99.31}% uptime" */
    TC_T_DAY_MAJOR,         /* "{duration} major outage" */
    TC_T_DAY_PARTIAL,
    TC_T_DAY_DEGRADED,
    TC_T_DAY_MAINT,
    TC_T_DUR_NONE,          /* "none" */
    TC_T_DUR_LT1,           /* "<1 min" */
    TC_T_DUR_MIN,           /* "{m} min" */
    TC_T_DUR_HMIN,          /* "{h} h {mm} min" */
    /* /history */
    TC_T_HISTORY_TITLE,
    TC_T_PREVIOUS_INCIDENTS,
    TC_T_N_INCIDENT,        /* "{n} incident" (one) */
    TC_T_N_INCIDENTS,       /* (other) */
    TC_T_MONTHS,
    TC_T_CURRENT_STATUS,
    TC_T_OLDER_INCIDENTS,   /* "Older incidents ({month})" */
    TC_T_RECENT_HISTORY,
    /* /incidents/<id> */
    TC_T_POSTED,            /* "Posted {stamp}" */
    TC_T_AFFECTED_LIST,     /* "Affected: " (components follow) */
    /* /uptime */
    TC_T_UPTIME_INTRO,      /* the report's explanation, with {zone} (HTML) */
    TC_T_UPTIME_OVER,       /* "{99.987}% uptime over {n} months" */
    TC_T_NO_DATA_CAP,
    TC_T_MONTH,
    TC_T_DOWNTIME,
    TC_T_INCIDENTS,
    TC_T_NO_DATA,
    TC_T_MAJOR_PARTIAL,     /* "major outage {duration}, partial outage {duration}" */
    TC_T_NO_UPTIME_SHOWN,
    /* the subscriber pages and the 404 page */
    TC_T_BACK,
    TC_T_NOT_SAVED,
    TC_T_CHECK_INBOX,
    TC_T_CHECK_INBOX_TEXT,  /* "We sent a message to {address}. ..." */
    TC_T_SUBSCRIBED,
    TC_T_SUBSCRIBED_TEXT,
    TC_T_LINK_INVALID,
    TC_T_CONFIRM_INVALID,
    TC_T_CONFIRM_TITLE,
    TC_T_CONFIRM_TEXT,
    TC_T_CONFIRM,
    TC_T_CONFIRM_USED,
    TC_T_NOT_CONFIRMED,
    TC_T_TRY_AGAIN,
    TC_T_CONFIRMED,
    TC_T_CONFIRMED_TEXT,
    TC_T_UNSUB_INVALID,
    TC_T_UNSUBSCRIBED,
    TC_T_NOT_SUBSCRIBED,
    TC_T_UNSUBSCRIBE,
    TC_T_UNSUB_ASK,         /* "Stop sending status updates to {address}?" */
    TC_T_NOT_UNSUBSCRIBED,
    TC_T_UNSUBSCRIBED_TEXT,
    TC_T_NOT_FOUND,
    TC_T_NO_SUCH_PAGE,
    /* /embed */
    TC_T_STATUS_OF,         /* "{page} status" */
    TC_T_OPEN_INCIDENTS,
    /* feeds */
    TC_T_FEED_TITLE,        /* "{page} - Incident History" */
    TC_T_SCHEDULED_EVENT,   /* "THIS IS A SCHEDULED EVENT" (a window's dates follow) */
    /* subscriber e-mails */
    TC_T_MAINT_UPDATE,      /* subject labels of maintenance */
    TC_T_MAINT_IN_PROGRESS,
    TC_T_MAINT_VERIFYING,
    TC_T_MAINT_COMPLETED,
    TC_T_FOLLOW_INCIDENT,   /* "Follow this incident: {link}" */
    TC_T_FOLLOW_MAINT,
    TC_T_VIEW_INCIDENT,
    TC_T_VIEW_MAINT,
    TC_T_IS_OPERATIONAL,    /* "{name} is operational again", one per tc_status_t, in order */
    TC_T_IS_MAINTENANCE,
    TC_T_IS_DEGRADED,
    TC_T_IS_PARTIAL,
    TC_T_IS_MAJOR,
    TC_T_WAS_OPERATIONAL,   /* "It was operational until {when}.", likewise */
    TC_T_WAS_MAINTENANCE,
    TC_T_WAS_DEGRADED,
    TC_T_WAS_PARTIAL,
    TC_T_WAS_MAJOR,
    TC_T_PAGE_SAYS,         /* "The page says: {status}" */
    TC_T_STATUS_PAGE_LINK,  /* "Status page: {link}" */
    TC_T_VIEW_PAGE,
    TC_T_REMINDER,          /* "Reminder: {title} starts at {time}" */
    TC_T_OPTIN_ASKED,       /* "Someone (we hope you) asked ... from {page} ..." */
    TC_T_OPTIN_OPEN,
    TC_T_OPTIN_IGNORE,
    TC_T_ALREADY_SUBJECT,
    TC_T_ALREADY_ASKED,     /* with {page} */
    TC_T_ALREADY_OTHER,
    TC_T_MAIL_WHY,          /* "You receive this because ... from {page}." */
    TC_T_UNSUBSCRIBE_LINK,  /* "Unsubscribe: {link}" */
    /* date patterns for tc_i18n_date() */
    TC_T_FMT_DAY,           /* "Nov 14, 2024" */
    TC_T_FMT_WHEN,          /* "Nov 14 at 01:08pm PST" */
    TC_T_FMT_CLOCK,         /* "01:08pm PST": the end of a window on the same day */
    TC_T_FMT_MONTH,         /* "November 2024" */
    TC_T_FMT_MONTH_SHORT,   /* "Nov 2024" */
    TC_T_FMT_STAMP,         /* "Nov 14, 2024 13:08 PST" */
    TC_T_FMT_POSTED,        /* "Nov 14, 2024 - 13:08 PST" */
    TC_T_COUNT,
} tc_text_t;

/** The text of @p key in @p lang (English when the language lacks it). Static. */
const char *tc_i18n(tc_lang_t lang, tc_text_t key);

/** Append @p key's template with "{}"/"{N}" filled from the string arguments that follow,
 *  up to a NULL. A placeholder without an argument is left empty. */
void tc_i18n_put(tc_buf_t *b, tc_lang_t lang, tc_text_t key, ...)
    __attribute__((sentinel));
/** The same, HTML-escaping each argument (the template is ours and may hold markup). */
void tc_i18n_html(tc_buf_t *b, tc_lang_t lang, tc_text_t key, ...) __attribute__((sentinel));

/** @return @p one or @p other, as @p n needs in @p lang (French counts 0 as singular,
 *  Japanese has no plural). */
tc_text_t tc_i18n_plural(tc_lang_t lang, size_t n, tc_text_t one, tc_text_t other);

/** @p x with @p digits decimals and the language's decimal sign ("99.93", "99,93") in
 *  @p out (32 bytes). */
void tc_i18n_decimal(tc_lang_t lang, double x, int digits, char out[32]);

/** @p minutes as the language writes a duration ("none", "<1 min", "12 min", "2 h 05 min")
 *  in @p out (not escaped). */
void tc_i18n_duration(tc_lang_t lang, double minutes, char *out, size_t outlen);

/** Format the wall time @p ms in zone @p z with the date pattern @p fmt (a TC_T_FMT_* key):
 *  %b and %B are the language's short and full month names, %d the zero-padded day, %e the
 *  day without padding, %m the month's number without padding, %Y the year, %H, %M and %I
 *  as strftime's, %p "am" or "pm", %Z the zone's abbreviation, %% a percent sign. */
void tc_i18n_date(tc_lang_t lang, const tc_zone_t *z, int64_t ms, tc_text_t fmt, char *out,
                  size_t outlen);
/** The same with the pattern @p pattern itself (feeds keep Statuspage's shape and take only
 *  the month's name from the language: "%b"). */
void tc_i18n_strftime(tc_lang_t lang, const tc_zone_t *z, int64_t ms, const char *pattern,
                      char *out, size_t outlen);

/** The status names of the page: "Operational" as a label, "major outage" in running text. */
const char *tc_i18n_status(tc_lang_t lang, tc_status_t s);
const char *tc_i18n_status_words(tc_lang_t lang, tc_status_t s);
/** An update's label: the status's ("Investigating"), or "Update" after one of the same. */
const char *tc_i18n_update(tc_lang_t lang, tc_incident_status_t s, int previous);
/** The page status's description (status/rollup.c's English text) in @p lang; a text this
 *  table does not know is returned as it is. */
const char *tc_i18n_rollup(tc_lang_t lang, const char *english);
/** The history's default label of an impact ("Downtime"); "" for none. */
const char *tc_i18n_impact(tc_lang_t lang, tc_impact_t impact);

#endif
