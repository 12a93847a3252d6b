/* Renderers: pure functions from a tc_view_t to the bytes of each public document. They do
 * no I/O and keep nothing; tc_render() runs them all and packs the results into a snapshot.
 * Local times are formatted in the view's zone (v->zone), passed explicitly, so a render
 * touches no process-wide state and the same view always gives the same bytes. Every string from the config or a user is escaped for its context. */
#ifndef TC_RENDER_H
#define TC_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web/snapshot.h"
#include "web/view.h"

typedef struct json_t json_t;

/** Render every public document of @p v into a new sealed snapshot the caller owns.
 *  @param cache compressed variants kept across renders (tc_snapshot_cache_new()), or NULL. */
tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation, tc_snapshot_cache_t *cache);

/** Statuspage v2 documents. @return malloc'd JSON text, its length in @p len. */
char *tc_render_summary_json(const tc_view_t *v, size_t *len);
char *tc_render_status_json(const tc_view_t *v, size_t *len);
char *tc_render_components_json(const tc_view_t *v, size_t *len);

/** The incident lists: /api/v2/incidents.json (50 most recent), incidents/unresolved.json,
 *  scheduled-maintenances.json (50 most recent), .../upcoming.json, .../active.json. */
char *tc_render_incidents_json(const tc_view_t *v, size_t *len);
char *tc_render_unresolved_json(const tc_view_t *v, size_t *len);
char *tc_render_maintenances_json(const tc_view_t *v, size_t *len);
char *tc_render_upcoming_json(const tc_view_t *v, size_t *len);
char *tc_render_active_json(const tc_view_t *v, size_t *len);

/** One component object (Statuspage v2 shape) and one incident object with its component
 *  objects, for the write API's answers. @p with_private adds the v1 fields. */
json_t *tc_render_component_json(const tc_view_t *v, const tc_view_row_t *r);
json_t *tc_render_incident_json(const tc_view_t *v, const tc_incident_t *i, bool with_private);

/** The HTML status page. @return malloc'd HTML, its length in @p len. */
char *tc_render_page_html(const tc_view_t *v, size_t *len);

/** /history (the 3 latest months with incidents) and one /history/YYYY-MM page per month
 *  with incidents, added to @p s (render_history.c). */
void tc_render_history_docs(const tc_view_t *v, tc_snapshot_t *s);

/** The page of one incident or maintenance, /incidents/<id> (render_incident.c).
 *  @return malloc'd HTML, its length in @p len. */
char *tc_render_incident_html(const tc_view_t *v, const tc_incident_t *i, size_t *len);

/** /history.atom and /history.rss in Statuspage's shapes, with the 25 most recent incidents
 *  and maintenances (render_feed.c). @return malloc'd XML, its length in @p len. */
char *tc_render_feed_atom(const tc_view_t *v, size_t *len);
char *tc_render_feed_rss(const tc_view_t *v, size_t *len);

/** A small page in the status page's frame: @p title as heading, @p text (plain, escaped)
 *  below it, and with @p back_link a link back to the page. Caller frees. */
char *tc_render_notice_html(const tc_view_t *v, const char *title, const char *text,
                            bool back_link);
/** A page that asks before acting: @p text and one button that POSTs to @p action. Link
 *  scanners in mail systems open every link, so a GET must never confirm or unsubscribe.
 *  Caller frees. */
char *tc_render_confirm_html(const tc_view_t *v, const char *title, const char *text,
                             const char *action, const char *button);

/** A snapshot with only the console's assets, for a server that carries the console alone
 *  (admin.listen). */
tc_snapshot_t *tc_render_console_only(uint64_t generation);

/** The console's stylesheet and script, /admin/assets/console.css and console.js
 *  (console_assets.c). @return malloc'd text, its length in @p len. */
char *tc_render_console_css(size_t *len);
char *tc_render_console_js(size_t *len);

#endif
