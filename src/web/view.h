/* The view: everything the public documents show, as plain data handed from the engine to
 * the renderers. The engine builds it from its state; renderers read it and never keep it.
 * All strings are borrowed from the engine for the duration of one render. */
#ifndef TC_VIEW_H
#define TC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status/rollup.h"
#include "incident/incident.h"
#include "status/uptime.h"
#include "core/lang.h"

typedef struct tc_zone tc_zone_t;

typedef struct tc_view_row {
    const char *id;
    const char *name;
    const char *description;  /* NULL when none */
    const char *group_id;     /* NULL at the top level */
    int position;
    bool is_group;
    bool showcase;
    bool only_show_if_degraded;
    tc_status_t status;       /* for groups: the worst of the children */
    int64_t created_at;       /* ms since the epoch */
    int64_t updated_at;
    const tc_uptime_day_t *days; /* daily uptime, oldest first; NULL when not shown */
    size_t ndays;
    double uptime;               /* percent over the days, -1 when no data */
    const tc_uptime_day_t *months; /* monthly uptime for /uptime, oldest first, the current
                                      month last; NULL when not shown (as days) */
    size_t nmonths;
    const double *latencies;     /* recent response times in ms, oldest first; may be NULL */
    size_t nlatencies;
    const char *fallback;        /* advice for users while not operational, or NULL */
    const char *failing_from;    /* several locations: where a regional failure is seen
                                    ("west,south"), or NULL */
    const char *vendor_url;      /* the vendor's status page for the advice, or NULL */
} tc_view_row_t;

typedef struct tc_view {
    const char *page_id;
    const char *page_name;
    const char *page_url;
    const char *page_description; /* NULL when none */
    const char *page_notice;      /* page.notice: shown at the top of every page, or NULL */
    const char *time_zone;        /* IANA name of the page's zone */
    const tc_zone_t *zone;        /* that zone: every local time is formatted in it (NULL is
                                     UTC); borrowed from the engine's config generation */
    int64_t updated_at;           /* the latest change to anything shown */
    /* Rows in display order: top-level rows by position, each group followed by its
     * children by position. */
    const tc_view_row_t *rows;
    size_t nrows;
    tc_rollup_t rollup;           /* page status derived from the leaf rows and open incidents */
    /* Every incident and maintenance, newest first (by started_at, or scheduled_for for
     * maintenance). Borrowed from the engine. */
    const tc_incident_t *const *incidents;
    size_t nincidents;
    /* The incidents not closed and every maintenance, in the same order: what the status
     * and the lists of open incidents and maintenance need, without going through all.
     * NULL (with 0) when not given: the renderers then pick them from incidents. */
    const tc_incident_t *const *shortlist;
    size_t nshortlist;
    /* With changed_known, the incidents changed since the last render of the same render
     * state (tc_render()): the others are as they were, so what a render derived from them
     * can be kept. Not known (false) unless the engine says so. */
    const tc_incident_t *const *changed;
    size_t nchanged;
    bool changed_known;
    uint64_t incident_set;        /* changes whenever incidents are added or removed; while it
                                     does not, they are the same objects (0: not known) */
    int64_t now;                  /* wall ms of this render */
    int64_t uptime_at;            /* wall ms the rows' months were computed for: the uptime
                                     report's figures are as of then (0 when not given) */
    const char *impact_labels[5]; /* history labels by tc_impact_t, or NULL for the
                                     language's ("", "Degraded", "Downtime", "Downtime",
                                     "Maintenance" in English) */
    tc_lang_t lang;               /* page.language: the words of pages, feeds and e-mails */
    bool subscribe_email;         /* the page offers e-mail subscriptions (a form on /) */
    const char *favicon;          /* /favicon.ico: page.favicon's bytes, or NULL for tocsin's
                                     own icon */
    size_t favicon_len;
    const char *favicon_type;     /* its Content-Type (static) when favicon is set */
    const char *logo;             /* page.logo's bytes, shown in every page's header; or NULL */
    size_t logo_len;
    const char *logo_type;        /* its Content-Type (static) when logo is set */
    const char *logo_path;        /* where it is served, e.g. "/logo.svg" (static) */
    const char *accent;           /* page.accent for light pages ("#rrggbb", readable on the
                                     page's backgrounds), or NULL for tocsin's colours */
    const char *accent_dark;      /* the same for dark pages; set when accent is */
    const char *css;              /* page.css's text, appended to the stylesheet; or NULL */
    const char *const *links;     /* page.links: name, url, name, url, ..., NULL; or NULL */
    const char *footer;           /* page.footer: a line in every page's footer, or NULL */
} tc_view_t;

#endif
