/* Shared by the files of src/admin/: the request being answered, the route handlers and the
 * page helpers. admin.c routes and guards (session, CSRF, origin, roles), login and logout;
 * admin_html.c the console's frame and form pieces; admin_overview.c the overview;
 * admin_incidents.c incidents, updates, post-mortems and the preview (admin_incident_form.c
 * the form's parts); admin_maintenance.c one-off and recurring maintenance; admin_coverage.c
 * what the probes missed; admin_audit.c the audit log; admin_components.c,
 * admin_monitors.c, admin_subscribers.c (and deliveries), admin_keys.c and admin_users.c
 * their pages. Not for use outside src/admin/. */
#ifndef TC_ADMIN_INT_H
#define TC_ADMIN_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "admin/admin.h"
#include "core/buf.h"
#include "core/form.h"

#define TC_ADMIN_MAX_PARAM 64    /* longest path segment a route captures */
#define TC_ADMIN_MAX_NAME 255     /* titles, bytes (as the write API) */
#define TC_ADMIN_MAX_TEXT 65536   /* messages and post-mortems, bytes (as the write API) */

/* One console request on its way through a handler. */
typedef struct tc_admin_call {
    tc_engine_t *e;
    tc_http_request_t *req;
    tc_user_t user;                  /* who is logged in (routes that need a session) */
    char csrf[TC_SESSION_CSRF_LEN];  /* the session's form token */
    char actor[80];                  /* "user:NAME", for the audit log */
    tc_form_t form;                  /* the POSTed fields */
    char param[TC_ADMIN_MAX_PARAM];  /* the route's :id */
    char param2[TC_ADMIN_MAX_PARAM]; /* and :uid */
} tc_admin_call_t;

typedef void (*tc_admin_handler_t)(tc_admin_call_t *c);

/* ---- admin_html.c ---- */

/** Open a console page: head (stylesheet and script from /admin/assets/), the header with
 *  the navigation (@p active names the current section) and who is logged in. */
void tc_admin__open(tc_buf_t *b, const tc_admin_call_t *c, const char *title,
                    const char *active);
/** Close it and answer the request with @p status; frees @p b. */
void tc_admin__finish(tc_admin_call_t *c, tc_buf_t *b, unsigned status);
/** Answer 303 See Other to @p location (a path of ours). */
void tc_admin__redirect(tc_admin_call_t *c, const char *location);
/** A page with a heading and a sentence, e.g. for 403 and 404. */
void tc_admin__message(tc_admin_call_t *c, unsigned status, const char *title,
                       const char *text);
/** The hidden CSRF field every form carries. */
void tc_admin__csrf_field(tc_buf_t *b, const tc_admin_call_t *c);
/** A notice at the top of a page (@p kind "ok" or "error"); @p text is escaped. */
void tc_admin__notice(tc_buf_t *b, const char *kind, const char *text);
/** Where the node's own network stands (probe self-health), at the top of the overview
 *  and the monitors page: a notice while most monitors fail at once and the self-check
 *  decides, or while the vantage is impaired (with why, and what is held); with
 *  @p always, a line with the last self-check when all is well (admin_monitors.c). */
void tc_admin__vantage(tc_buf_t *b, const tc_admin_call_t *c, bool always);
/** Format @p ms as "Nov 14, 01:08pm PST" in the page's zone, or "never" for 0. */
void tc_admin__when(const tc_admin_call_t *c, int64_t ms, char *out, size_t outlen);
/** Read a datetime-local field ("YYYY-MM-DDTHH:MM", seconds allowed) as a local time in the
 *  page's zone. @return 0, or TC_EINVAL for text that is not such a time or a date that does
 *  not exist. */
int tc_admin__parse_local(tc_admin_call_t *c, const char *text, int64_t *ms);
/** Format @p ms for a datetime-local field, in the page's zone. */
void tc_admin__local_field(const tc_admin_call_t *c, int64_t ms, char *out, size_t outlen);
/** Human words for an API status name: "degraded_performance" -> "Degraded performance". */
const char *tc_admin__words(const char *api_name, char *out, size_t outlen);
/** Apply the page headers every console reply carries (CSP, no-store, no framing). */
void tc_admin__headers(tc_admin_call_t *c);

/* ---- admin.c ---- */

/** @return the form field @p name as valid UTF-8 text with surrounding blanks removed, or
 *  NULL when absent, empty, or not UTF-8. Points into the form (valid for the call). */
const char *tc_admin__text(tc_admin_call_t *c, const char *name);
/** Record an audit line for the logged-in user. */
void tc_admin__audit(tc_admin_call_t *c, const char *action, const char *target,
                     const char *detail);

/* ---- admin_incident_form.c: the incident form's parts ---- */

/* Problems with a submitted form, each shown next to its field. */
typedef struct tc_admin_form_errors {
    char name[160], status[160], message[160], components[300], general[600];
    bool any;
} tc_admin_form_errors_t;

/* The form's fields as a command; the arrays are owned here. */
typedef struct tc_admin_incident_form {
    tc_incident_cmd_t cmd;
    tc_cmd_component_t *comps;
    char impact_field[16]; /* "" derived, or an impact name */
    bool notify;
} tc_admin_incident_form_t;

/** Read name (when @p creating), status (an incident's, or with @p maintenance a
 *  maintenance's), message, impact, notify and every leaf component's choice ("c.<id>") into
 *  @p f, the problems into @p e. Free @p f with tc_admin__free_incident_form(). */
void tc_admin__read_incident_form(tc_admin_call_t *c, bool creating, bool maintenance,
                                  tc_admin_incident_form_t *f, tc_admin_form_errors_t *e);
void tc_admin__free_incident_form(tc_admin_incident_form_t *f);
/** Set one of @p e's messages (@p field of @p len bytes) and mark the form as failed. */
void tc_admin__form_error(tc_admin_form_errors_t *e, char *field, size_t len, const char *text);
/** What people write most often at status @p s (Statuspage's defaults). */
const char *tc_admin__default_message(tc_incident_status_t s);
/* The form's fields; each shows its message when there is one. */
void tc_admin__field_error(tc_buf_t *b, const char *id, const char *text);
void tc_admin__status_choices(tc_buf_t *b, tc_incident_status_t selected);
void tc_admin__component_choices(tc_buf_t *b, tc_admin_call_t *c, const tc_incident_t *in,
                                 bool reshow, const char *error);
void tc_admin__impact_choice(tc_buf_t *b, const char *selected);
void tc_admin__message_box(tc_buf_t *b, const char *text, const char *error);
void tc_admin__notify_box(tc_buf_t *b, tc_admin_call_t *c, bool checked);
/** The preview of what @p f would publish, by the public page's renderer. */
void tc_admin__preview_box(tc_buf_t *b, tc_admin_call_t *c, const char *name,
                           const tc_admin_incident_form_t *f);
/** The config's templates as a form that reloads the new-incident page from one. */
void tc_admin__template_chooser(tc_buf_t *b, tc_admin_call_t *c);
/** Fill the form's fields from template @p id as if typed. @return false when unknown. */
bool tc_admin__fill_from_template(tc_admin_call_t *c, const char *id);
/** The backfill form (a past incident for the history). */
void tc_admin__backfill_form(tc_buf_t *b, tc_admin_call_t *c);

/* ---- pages ---- */
void tc_admin__overview(tc_admin_call_t *c);
void tc_admin__incidents(tc_admin_call_t *c);
void tc_admin__incident_new(tc_admin_call_t *c);
void tc_admin__incident_create(tc_admin_call_t *c);
void tc_admin__incident_page(tc_admin_call_t *c);
void tc_admin__incident_update(tc_admin_call_t *c);
void tc_admin__incident_postmortem(tc_admin_call_t *c);
void tc_admin__incident_delete(tc_admin_call_t *c);
void tc_admin__update_edit(tc_admin_call_t *c);
void tc_admin__incident_backfill(tc_admin_call_t *c);
void tc_admin__preview(tc_admin_call_t *c);
void tc_admin__audit_page(tc_admin_call_t *c);
void tc_admin__coverage(tc_admin_call_t *c);
void tc_admin__maintenance(tc_admin_call_t *c);
void tc_admin__maintenance_create(tc_admin_call_t *c);
void tc_admin__maintenance_recurring(tc_admin_call_t *c);
void tc_admin__maintenance_stop(tc_admin_call_t *c);
/* admin_components.c */
void tc_admin__components(tc_admin_call_t *c);
void tc_admin__component_set(tc_admin_call_t *c);
/* admin_monitors.c */
void tc_admin__monitors(tc_admin_call_t *c);
void tc_admin__monitor_page(tc_admin_call_t *c);
void tc_admin__monitor_check(tc_admin_call_t *c);
void tc_admin__monitor_pause(tc_admin_call_t *c);
void tc_admin__monitor_resume(tc_admin_call_t *c);
/* admin_subscribers.c: subscribers and deliveries */
void tc_admin__subscribers(tc_admin_call_t *c);
void tc_admin__subscriber_remove(tc_admin_call_t *c);
void tc_admin__deliveries(tc_admin_call_t *c);
void tc_admin__delivery_retry(tc_admin_call_t *c);
void tc_admin__deliveries_retry_all(tc_admin_call_t *c);
/* admin_keys.c and admin_users.c (admins only) */
void tc_admin__keys(tc_admin_call_t *c);
void tc_admin__key_create(tc_admin_call_t *c);
void tc_admin__key_revoke(tc_admin_call_t *c);
void tc_admin__users(tc_admin_call_t *c);
void tc_admin__user_add(tc_admin_call_t *c);
void tc_admin__user_password(tc_admin_call_t *c);
void tc_admin__user_remove(tc_admin_call_t *c);

#endif
