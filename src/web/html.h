/* Pieces shared by the HTML documents (/, /history, /incidents/<id>): the frame (head with
 * the one stylesheet, header, footer) and the incident fragments that more than one page
 * shows. Everything is appended to a caller's buffer; every string from the config or a
 * user is escaped here, and incident bodies go through the safe Markdown renderer.
 * Local times are in the view's zone (v->zone). Nothing here keeps a pointer to its
 * arguments. */
#ifndef TC_HTML_H
#define TC_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "web/i18n.h"
#include "web/view.h"

#define TC_HTML_LIMIT (8 << 20) /* a page past 8 MiB means a bug, not a big status page */

/** Open a page: doctype, head (title, stylesheet, feed links) and the header.
 *  @param title   the document title before " - <Page name> Status"; NULL for the home page.
 *  @param home    true on "/", whose header holds the page's h1; other pages get a
 *                 link home in the header and their own h1. */
void tc_html_open(tc_buf_t *b, const tc_view_t *v, const char *title, bool home);
/** The pages' stylesheet (the console's preview shows incidents with it too). */
const char *tc_html_stylesheet(void);
/** Close a page: the footer (time zone, last update, links) and the closing tags. */
void tc_html_close(tc_buf_t *b, const tc_view_t *v);

/** Append @p md rendered from Markdown inside <div class="md">. When @p max is non-zero
 *  and the text is longer, only its first @p max bytes (cut on a UTF-8 boundary) are shown,
 *  followed by "...". */
void tc_html_markdown(tc_buf_t *b, const char *md, size_t max);
/** The same inside a part headed by an <h@p level>: the body's headings are placed under it
 *  (its first heading becomes <h@p level+1>, the next ones keep their steps but never skip a
 *  level), so the page's headings descend in order (WCAG 1.3.1, axe's heading-order). */
void tc_html_markdown_under(tc_buf_t *b, const char *md, size_t max, int level);

/** The instant an incident is filed under in history: scheduled_for for maintenance,
 *  otherwise started_at (created_at when unset). */
int64_t tc_html_incident_time(const tc_incident_t *i);
/** The time readers see on an update: display_at, or created_at when unset. */
int64_t tc_html_update_time(const tc_incident_update_t *u);

/** The time @p i was open: from tc_html_incident_time() to its resolution; an open one
 *  lasts until now, one closed without a resolution time until its last change. */
void tc_html_incident_span(const tc_view_t *v, const tc_incident_t *i, int64_t *begin,
                           int64_t *end);
/** Does the span [@p begin, @p end] meet the period [@p start, @p stop)? An incident opened
 *  and closed at the same instant meets the period holding that instant. */
bool tc_html_span_meets(int64_t begin, int64_t end, int64_t start, int64_t stop);

/** Format @p ms as "Nov 14 at 01:08pm PST" in @p z, in English (the console's words).
 *  @p out needs 48 bytes. */
void tc_html_format_when(const tc_zone_t *z, int64_t ms, char *out, size_t outlen);
/** Append the text of @p key (web/i18n.h) in the page's language, HTML-escaped. */
void tc_html_text(tc_buf_t *b, const tc_view_t *v, tc_text_t key);
/** The same in the page's zone and language ("14. Nov. um 13:08 CET"); 64 bytes. */
void tc_html_when(const tc_view_t *v, int64_t ms, char *out, size_t outlen);

/** "This incident affects: REST API (major outage) and WebSocket API (degraded
 *  performance)." as <p class="components-affected">: the components @p i names, by their
 *  names on the page, each with the status the incident sets now (open) or the worst it set
 *  (closed; "affected"). Maintenance lists names only. Nothing when it names no component. */
void tc_html_affected(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i);
/** The sentence of tc_html_affected() alone, escaped for HTML when @p html, as plain text
 *  otherwise (e-mail). @return the number of components named (0: nothing appended). */
size_t tc_html_affected_words(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i,
                              bool html);

/** Update @p k of @p i in a part headed by an <h@p level>: its label ("Identified",
 *  "Update") and time, then its body. */
void tc_html_update(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i, size_t k,
                    int level);

/** A history entry: linked title coloured by impact (heading level @p level), impact
 *  label, "Resolved <when>" (or the current status while open), the latest update's body
 *  (shortened) and the older updates behind <details>. */
void tc_html_incident_entry(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i,
                            int level);

#endif
