/* Renderers: pure functions from a tc_view_t to the bytes of each public document. They do
 * no I/O and keep nothing; tc_render() runs them all and packs the results into a snapshot.
 * Local times are formatted in the view's zone (v->zone), passed explicitly, so a render
 * touches no process-wide state and the same view always gives the same bytes. Every string from the config or a user is escaped for its context. */
#ifndef TC_RENDER_H
#define TC_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "web/snapshot.h"
#include "web/view.h"

typedef struct json_t json_t;

/* What one render leaves for the next (render.c): the snapshot it made, whose documents the
 * next one shares when their inputs or bytes did not change, and where each incident is filed
 * in the history. Owned by the caller (the engine); one per stream of renders. */
typedef struct tc_render_state tc_render_state_t;

tc_render_state_t *tc_render_state_new(void);
void tc_render_state_free(tc_render_state_t *st);
/** With @p eager, every render makes every page (the static export needs them all); without
 *  (the default), the pages of closed incidents but the newest few, and the month pages, are
 *  only offered (tc_snapshot_offer()) and made by tc_render_on_demand() when asked for. */
void tc_render_state_eager(tc_render_state_t *st, bool eager);

/** Render the public documents of @p v into a new sealed snapshot the caller holds.
 *  @param st the state of the renders before (updated), or NULL to render everything anew
 *  (eagerly). Incidents with version 0 are always rendered. */
tc_snapshot_t *tc_render(const tc_view_t *v, uint64_t generation, tc_render_state_t *st);

/** Make the page at @p path that the last render of @p st offered, from @p v, as used at
 *  @p now (coarse ms, the HTTP server's clock for tc_doc_t.used).
 *  @return 0 with a new sealed snapshot in @p out (the caller holds it; @p st keeps it as
 *  its last): the last one's documents and the page; TC_EEXIST when the last snapshot has
 *  the page already; TC_ENOENT when it offers no such page. */
int tc_render_on_demand(const tc_view_t *v, uint64_t generation, tc_render_state_t *st,
                        const char *path, int64_t now, tc_snapshot_t **out);

/* For the render_*.c files only. */
/** The frame key of the running render (0 without a state). */
uint64_t tc_render__frame(const tc_render_state_t *st);
/** Whether the running render makes every page (no state, or an eager one). */
bool tc_render__eager(const tc_render_state_t *st);
/** Offer the page at @p path (a month's) to be made when asked for; not with an eager
 *  state. */
void tc_render__offer(tc_render_state_t *st, const char *path);
/** @p h and @p x mixed into one non-zero key. */
uint64_t tc_render__key(uint64_t h, uint64_t x);
/** The instant @p inc is filed under in the history, and its local day "YYYY-MM-DD" in
 *  @p day, remembered per incident version in @p st (NULL: computed). */
int64_t tc_render__filed(tc_render_state_t *st, const tc_view_t *v, const tc_incident_t *inc,
                         char day[12]);
/** What makes a piece of a document about @p inc (tc_render__piece()). */
typedef void (*tc_render_make_t)(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *inc,
                                 int arg);
/** Append the piece @p make(b, v, inc, arg) makes to @p b: the bytes the render before made
 *  for the same frame, incident version and @p kind (what else the piece shows) when it made
 *  them, made otherwise. @p st NULL: made. */
void tc_render__piece(tc_render_state_t *st, tc_buf_t *b, const tc_view_t *v,
                      const tc_incident_t *inc, uint64_t kind, tc_render_make_t make, int arg);
/** Append @p inc's history entry (tc_html_incident_entry()) at heading @p level to @p b:
 *  the bytes the render before made for the same frame and incident version when it made
 *  them, rendered otherwise. @p st NULL: rendered. */
void tc_render__entry(tc_render_state_t *st, tc_buf_t *b, const tc_view_t *v,
                      const tc_incident_t *inc, int level);
/** "/" (tc_render_page_html()) with the entries of @p st (or NULL). */
char *tc_render__page(const tc_view_t *v, tc_render_state_t *st, size_t *len);
/** @p make(@p v, @p inc), remembered per incident version and frame in @p st (or NULL) from
 *  render to render: a fingerprint of what a document shows of an incident, made again only
 *  for the incidents that changed. Not 0 (0 is "not yet"). */
uint64_t tc_render__print(tc_render_state_t *st, const tc_view_t *v, const tc_incident_t *inc,
                          uint64_t (*make)(const tc_view_t *, const tc_incident_t *));
/** The history's entries kept from render to render (render_history.c), in @p st's running
 *  render; NULL outside one (a page made on demand) or without a state. */
struct tc_history_cache **tc_render__history_cache(tc_render_state_t *st);
void tc_render__history_cache_free(struct tc_history_cache *c);
/** When what a page about @p i shows last changed (its updates, post-mortem). */
int64_t tc_render__incident_changed_at(const tc_incident_t *i);

/** Statuspage v2 documents. @return malloc'd JSON text, its length in @p len. With @p st
 *  (or NULL), each incident's JSON is the piece kept from the render before when neither the
 *  incident nor the components it shows changed (tc_render__piece()). */
char *tc_render_summary_json(const tc_view_t *v, tc_render_state_t *st, size_t *len);
char *tc_render_status_json(const tc_view_t *v, size_t *len);
char *tc_render_components_json(const tc_view_t *v, size_t *len);

/** The incident lists (as the summary with @p st). */
typedef enum {
    TC_LIST_INCIDENTS,    /* /api/v2/incidents.json: the 50 latest incidents */
    TC_LIST_UNRESOLVED,   /* /api/v2/incidents/unresolved.json */
    TC_LIST_MAINTENANCES, /* /api/v2/scheduled-maintenances.json: the 50 latest */
    TC_LIST_UPCOMING,     /* /api/v2/scheduled-maintenances/upcoming.json */
    TC_LIST_ACTIVE,       /* /api/v2/scheduled-maintenances/active.json */
} tc_render_list_t;
char *tc_render_list_json(const tc_view_t *v, tc_render_state_t *st, tc_render_list_t list,
                          size_t *len);

/** The "page" object every v2 document starts with. */
json_t *tc_render_page_json(const tc_view_t *v);
/** The link readers follow to incident @p i: <page url>/incidents/<id>. Caller frees. */
char *tc_render_incident_link(const tc_view_t *v, const tc_incident_t *i);
/** Serialise @p root compactly and release it. @return malloc'd JSON, its length in @p len. */
char *tc_render_json_dump(json_t *root, size_t *len);

/** /badges/status.svg and .json (the page), /badges/<id>.svg and .json (each component and
 *  group), /badges/<id>/uptime.svg and .json (showcased components, and groups with
 *  showcased children), added to @p s (render_badge.c). */
void tc_render_badge_docs(const tc_view_t *v, tc_snapshot_t *s);

/** One component object (Statuspage v2 shape) and one incident object with its component
 *  objects, for the write API's answers. @p with_private adds the v1 fields. */
json_t *tc_render_component_json(const tc_view_t *v, const tc_view_row_t *r);
json_t *tc_render_incident_json(const tc_view_t *v, const tc_incident_t *i, bool with_private);

/** The uptime report: /uptime and /api/v2/uptime.json, per showcased component and month
 *  (render_uptime.c). @return malloc'd HTML or JSON, its length in @p len. */
char *tc_render_uptime_html(const tc_view_t *v, size_t *len);
char *tc_render_uptime_json(const tc_view_t *v, size_t *len);
/** Both, added to @p s; with @p st and v->uptime_at (the instant of the figures), taken from
 *  the snapshot before while the figures and what they show of the incidents behind them
 *  (names, impacts, spans) are the same. Their page time is the later of the two. */
void tc_render_uptime_docs(const tc_view_t *v, tc_snapshot_t *s, tc_render_state_t *st);

/** /embed (the framable pill and open incidents, render_embed.c) and /embed.js (the script
 *  of static/embed.js), added to @p s. */
void tc_render_embed_docs(const tc_view_t *v, tc_snapshot_t *s);
/** The /embed page. @return malloc'd HTML, its length in @p len. */
char *tc_render_embed_html(const tc_view_t *v, size_t *len);

/** The HTML status page. @return malloc'd HTML, its length in @p len. */
char *tc_render_page_html(const tc_view_t *v, size_t *len);

/** /history (the 3 latest months with incidents) and one /history/YYYY-MM page per month
 *  with incidents, added to @p s (render_history.c); with @p st (or NULL), a month whose
 *  incidents did not change is shared from the snapshot before, and month pages are only
 *  offered unless @p st is eager. */
void tc_render_history_docs(const tc_view_t *v, tc_snapshot_t *s, tc_render_state_t *st);
/** The page of @p month ("2024-11") in the frame @p frame, for tc_render_on_demand(); @p st
 *  (or NULL) is only read. @return malloc'd HTML and its key in @p key, or NULL when no
 *  incident is filed under that month. */
char *tc_render__month_page(const tc_view_t *v, tc_render_state_t *st, uint64_t frame,
                            const char *month, size_t *len, uint64_t *key);

/** The page of one incident or maintenance, /incidents/<id> (render_incident.c).
 *  @return malloc'd HTML, its length in @p len. */
char *tc_render_incident_html(const tc_view_t *v, const tc_incident_t *i, size_t *len);

/** /history.atom and /history.rss in Statuspage's shapes, with the 25 most recent incidents
 *  and maintenances (render_feed.c). @return malloc'd XML, its length in @p len. */
char *tc_render_feed_atom(const tc_view_t *v, size_t *len);
char *tc_render_feed_rss(const tc_view_t *v, size_t *len);

/** /favicon.ico: page.favicon's bytes, or tocsin's own icon; its Content-Type in @p type
 *  (render_assets.c). @return malloc'd bytes, their count in @p len. */
char *tc_render_favicon(const tc_view_t *v, const char **type, size_t *len);
/** /page.js: the script of static/page.js that gives the day bars of "/" their detail.
 *  @return a malloc'd copy, its length in @p len. */
char *tc_render_page_js(size_t *len);
/** /robots.txt: every page may be crawled except the subscriber links and the write API.
 *  @return malloc'd text, its length in @p len. */
char *tc_render_robots_txt(const tc_view_t *v, size_t *len);

/* The words of one subscriber e-mail, before the page's frame goes around them
 * (render_mail.c). Initialise with tc_mail_words_init(), release with tc_mail_words_free(). */
typedef struct tc_mail_words {
    tc_buf_t subject;   /* "[Acme] Resolved: Delayed transcripts" */
    tc_buf_t text;      /* the plain-text body, CRLF line ends */
    tc_buf_t html;      /* an HTML fragment with inline styles */
    const char *accent; /* static colour of the card's left edge (impact or status), or NULL */
} tc_mail_words_t;

void tc_mail_words_init(tc_mail_words_t *w);
void tc_mail_words_free(tc_mail_words_t *w);

/** An incident or maintenance after its latest update (@p i has at least one): subject
 *  "[Page] Resolved: <title>" ("Maintenance in progress: ..." for maintenance), the update
 *  with its label and time, the components by name with their status in words, and the
 *  link @p base/incidents/<id>. @p base is the page's absolute URL without a final slash. */
void tc_render_incident_mail(const tc_view_t *v, const tc_incident_t *i, const char *base,
                             tc_mail_words_t *w);
/** The reminder an hour before maintenance @p i starts: the incident mail of its latest
 *  update under the subject "[Page] Reminder: <title> starts at 02:00 PST". */
void tc_render_reminder_mail(const tc_view_t *v, const tc_incident_t *i, const char *base,
                             tc_mail_words_t *w);
/** Component @p name went from @p old to @p now at @p at (wall ms): "[Page] REST API has a
 *  major outage", what it was before, and the page's status with its link. */
void tc_render_component_mail(const tc_view_t *v, const char *name, tc_status_t old,
                              tc_status_t now, int64_t at, const char *base, tc_mail_words_t *w);
/** The double opt-in message: with @p confirm_link, the request to confirm; with NULL, the
 *  note that the address is subscribed already (so its owner learns why no link came, while
 *  the requester learns nothing). */
void tc_render_opt_in_mail(const tc_view_t *v, const char *confirm_link, tc_mail_words_t *w);
/** The two bodies of one subscriber's message: @p w in the page's frame (its name linked to
 *  @p base, the words in a card, and a footer saying why the reader gets it with the link
 *  @p unsubscribe). Appends to @p text and @p html. */
void tc_render_mail_frame(const tc_view_t *v, const char *base, const tc_mail_words_t *w,
                          const char *unsubscribe, tc_buf_t *text, tc_buf_t *html);

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
