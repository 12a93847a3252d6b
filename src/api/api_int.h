/* Shared by the files of src/api/: the handler signature, and the helpers that decode JSON
 * fields with one wording for every error. Not for use outside src/api/. */
#ifndef TC_API_INT_H
#define TC_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include "api/api.h"

#define TC_API_MAX_NAME 255        /* incident names, bytes */
#define TC_API_MAX_BODY_TEXT 65536 /* update and post-mortem bodies, bytes */
#define TC_API_MAX_PARAMS 3        /* captured path segments per route */
#define TC_API_MAX_PARAM 128       /* longest path segment a route captures, bytes */

/* One request on its way through a handler. */
typedef struct tc_api_call {
    tc_engine_t *e;
    tc_http_request_t *req;
    json_t *body;                   /* the JSON object sent ({} when empty; NULL on the public
                                       routes, whose handlers read the body themselves) */
    char params[TC_API_MAX_PARAMS][TC_API_MAX_PARAM]; /* the pattern's :segments, in order */
    char actor[112];                /* "key:NAME" on the v1 routes, for the audit log */
} tc_api_call_t;

typedef void (*tc_api_handler_t)(tc_api_call_t *c);

/* The v1 handlers (v1_incidents.c, v1_components.c, v1_deliveries.c). */
void tc_api__incidents_list(tc_api_call_t *c);
void tc_api__incidents_unresolved(tc_api_call_t *c);
void tc_api__incidents_upcoming(tc_api_call_t *c);
void tc_api__incidents_active(tc_api_call_t *c);
void tc_api__incidents_scheduled(tc_api_call_t *c);
void tc_api__incident_create(tc_api_call_t *c);
void tc_api__incident_get(tc_api_call_t *c);
void tc_api__incident_patch(tc_api_call_t *c);
void tc_api__incident_delete(tc_api_call_t *c);
void tc_api__update_patch(tc_api_call_t *c);
void tc_api__postmortem_put(tc_api_call_t *c);
void tc_api__postmortem_delete(tc_api_call_t *c);
void tc_api__postmortem_publish(tc_api_call_t *c);
void tc_api__components_list(tc_api_call_t *c);
void tc_api__component_get(tc_api_call_t *c);
void tc_api__component_patch(tc_api_call_t *c);
void tc_api__deliveries_dead(tc_api_call_t *c);
void tc_api__deliveries_retry_all(tc_api_call_t *c);
void tc_api__deliveries_retry_one(tc_api_call_t *c);
/* v1_reports.c: the coverage report (a tocsin extension). */
void tc_api__coverage(tc_api_call_t *c);
/* v1_schedules.c: recurring maintenance windows (a tocsin extension). */
void tc_api__schedules_list(tc_api_call_t *c);
void tc_api__schedule_create(tc_api_call_t *c);
void tc_api__schedule_delete(tc_api_call_t *c);
/* v2_subscribers.c: the public subscribe routes and the write API's subscribers. */
void tc_api__subscribe(tc_api_call_t *c);
void tc_api__confirm(tc_api_call_t *c);
void tc_api__unsubscribe(tc_api_call_t *c);
void tc_api__subscribers_list(tc_api_call_t *c);
void tc_api__subscriber_get(tc_api_call_t *c);
void tc_api__subscriber_delete(tc_api_call_t *c);

/** The subscribe form's fields (application/x-www-form-urlencoded: email=, endpoint=,
 *  components= repeated) as the JSON request {"subscriber": {...}} they stand for. Fields
 *  whose bytes are not UTF-8 are left out. */
json_t *tc_api__form_to_json(const char *body, size_t len);

/** Record a change made through the write API in the audit log, as "key:NAME". */
void tc_api__audit(tc_api_call_t *c, const char *action, const char *target, const char *detail);

/** Answer a failed engine command: TC_ENOENT 404, TC_EINVAL 422, anything else 500. */
void tc_api__reply_failure(tc_http_request_t *req, int rc, const char *err);

/** 0 when every key of @p o is in the NULL-terminated @p known (or one of the Statuspage
 *  fields tocsin accepts and ignores); else TC_EINVAL naming the first stray key in @p err.
 *  Unknown fields are errors everywhere, so a typo is never silently dropped. */
int tc_api__only_fields(json_t *o, const char *const known[], char *err, size_t errlen);
/** Read ISO-8601 time @p key of @p o into *@p out (untouched when absent or null). */
int tc_api__time_field(json_t *o, const char *key, int64_t *out, char *err, size_t errlen);
/** Read boolean @p key of @p o into *@p out as 0/1 (untouched when absent or null). */
int tc_api__bool_field(json_t *o, const char *key, int *out, char *err, size_t errlen);

#endif
