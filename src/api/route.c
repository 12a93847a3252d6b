/* The route tables of the engine's HTTP routes: method + path pattern -> handler. A write
 * API request is checked in a fixed order, so every client sees the same answer for the
 * same mistake: the API key (401), the page id (404), the path (404), the method (405, naming
 * the ones that work), the JSON body (400), then the handler's own checks (422 / 404). The
 * public subscribe routes need no key and read their bodies themselves (JSON or a form). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "core/buf.h"
#include "web/i18n.h"
#include "web/render.h"

typedef struct route {
    const char *method;
    const char *pattern; /* below /v1/pages/<page_id>/; ":name" captures one segment */
    tc_api_handler_t fn;
} route_t;

/* Below /v1/pages/<page_id>/. */
static const route_t v1_routes[] = {
    {"GET", "incidents", tc_api__incidents_list},
    {"POST", "incidents", tc_api__incident_create},
    {"GET", "incidents/unresolved", tc_api__incidents_unresolved},
    {"GET", "incidents/upcoming", tc_api__incidents_upcoming},
    {"GET", "incidents/active_maintenance", tc_api__incidents_active},
    {"GET", "incidents/scheduled", tc_api__incidents_scheduled},
    {"GET", "incidents/:id", tc_api__incident_get},
    {"PATCH", "incidents/:id", tc_api__incident_patch},
    {"PUT", "incidents/:id", tc_api__incident_patch},
    {"DELETE", "incidents/:id", tc_api__incident_delete},
    {"PATCH", "incidents/:id/incident_updates/:uid", tc_api__update_patch},
    {"PUT", "incidents/:id/incident_updates/:uid", tc_api__update_patch},
    {"PUT", "incidents/:id/postmortem", tc_api__postmortem_put},
    {"PATCH", "incidents/:id/postmortem", tc_api__postmortem_put},
    {"DELETE", "incidents/:id/postmortem", tc_api__postmortem_delete},
    {"PUT", "incidents/:id/postmortem/publish", tc_api__postmortem_publish},
    {"GET", "components", tc_api__components_list},
    {"GET", "components/:id", tc_api__component_get},
    {"PATCH", "components/:id", tc_api__component_patch},
    {"PUT", "components/:id", tc_api__component_patch},
    {"GET", "subscribers", tc_api__subscribers_list},
    {"GET", "subscribers/:id", tc_api__subscriber_get},
    {"DELETE", "subscribers/:id", tc_api__subscriber_delete},
    {"GET", "coverage", tc_api__coverage},
    {"GET", "maintenance_schedules", tc_api__schedules_list},
    {"POST", "maintenance_schedules", tc_api__schedule_create},
    {"DELETE", "maintenance_schedules/:id", tc_api__schedule_delete},
    {"GET", "notifications/dead", tc_api__deliveries_dead},
    {"POST", "notifications/dead/retry", tc_api__deliveries_retry_all},
    {"POST", "notifications/dead/:id/retry", tc_api__deliveries_retry_one},
};

/* Below /. HEAD is GET without the body (the HTTP server drops it). */
static const route_t public_routes[] = {
    {"POST", "api/v2/subscribers", tc_api__subscribe},
    {"POST", "api/v2/subscribers.json", tc_api__subscribe},
    {"GET", "subscribers/confirm/:token", tc_api__confirm},
    {"HEAD", "subscribers/confirm/:token", tc_api__confirm},
    {"POST", "subscribers/confirm/:token", tc_api__confirm},
    {"GET", "subscribers/unsubscribe/:token", tc_api__unsubscribe},
    {"HEAD", "subscribers/unsubscribe/:token", tc_api__unsubscribe},
    {"POST", "subscribers/unsubscribe/:token", tc_api__unsubscribe},
};

/* Does @p path match @p pattern? Captured segments go to @p params. A literal segment wins
 * over a capture (incidents/unresolved is not incident "unresolved") because the table
 * lists literals first and the first match is taken. */
static int match(const char *pattern, const char *path,
                 char params[TC_API_MAX_PARAMS][TC_API_MAX_PARAM])
{
    size_t np = 0;
    const char *p = pattern, *s = path;
    for (;;) {
        size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
        if (slen == 0)
            return 0; /* empty segment: "incidents//x" or a trailing slash */
        if (p[0] == ':') {
            if (np == TC_API_MAX_PARAMS || slen >= TC_API_MAX_PARAM)
                return 0;
            memcpy(params[np], s, slen);
            params[np++][slen] = '\0';
        } else if (plen != slen || strncmp(p, s, slen) != 0) {
            return 0;
        }
        p += plen;
        s += slen;
        if (!*p || !*s)
            return !*p && !*s;
        p++;
        s++;
    }
}

/* The key comes as "Authorization: OAuth KEY", "Bearer KEY", or ?api_key=KEY. */
static const char *key_of(tc_http_request_t *req)
{
    const char *key = NULL;
    const char *h = tc_http_header(req, "Authorization");
    if (h) {
        if (strncasecmp(h, "OAuth ", 6) == 0)
            key = h + 6;
        else if (strncasecmp(h, "Bearer ", 7) == 0)
            key = h + 7;
        while (key && *key == ' ')
            key++;
    }
    if (!key)
        key = tc_http_arg(req, "api_key");
    return key && key[0] ? key : NULL;
}

/* The request body as a JSON object, or NULL after answering 400. An empty body is {}. */
static json_t *body_json(tc_http_request_t *req)
{
    size_t len;
    const char *body = tc_http_body(req, &len);
    if (len == 0)
        return json_object();
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, 0, &jerr);
    if (!doc) {
        tc_api_reply_error(req, 400, "invalid JSON at line %d, column %d: %s", jerr.line,
                           jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        tc_api_reply_error(req, 400, "the body must be a JSON object");
        return NULL;
    }
    return doc;
}

/* The route of @p table matching @p method and @p path (its captures in @p call), or NULL
 * with the methods that would have matched the path listed in @p allowed. */
static const route_t *find(const route_t *table, size_t n, const char *method,
                           const char *path, tc_api_call_t *call, tc_buf_t *allowed)
{
    for (size_t k = 0; k < n; k++) {
        char params[TC_API_MAX_PARAMS][TC_API_MAX_PARAM];
        if (!match(table[k].pattern, path, params))
            continue;
        if (strcmp(table[k].method, method) == 0) {
            memcpy(call->params, params, sizeof params);
            return &table[k];
        }
        if (!strstr(allowed->data ? allowed->data : "", table[k].method))
            tc_buf_printf(allowed, "%s%s", allowed->len ? ", " : "", table[k].method);
    }
    return NULL;
}

static void handle_public(tc_engine_t *e, tc_http_request_t *req)
{
    tc_api_call_t call = {.e = e, .req = req};
    tc_buf_t allowed;
    tc_buf_init(&allowed, 0);
    const char *path = tc_http_path(req);
    if (path[0] == '/') /* the patterns are written without it; a path may lack it */
        path++;
    const route_t *r = find(public_routes, sizeof public_routes / sizeof public_routes[0],
                            tc_http_method(req), path, &call, &allowed);
    if (r) {
        r->fn(&call);
    } else if (allowed.len) {
        tc_api_reply_error(req, 405, "use %s here", allowed.data);
    } else {
        /* A person followed a broken link: answer with a page, not JSON. */
        const tc_view_t *view = tc_engine_view(e);
        char *html = tc_render_notice_html(view, tc_i18n(view->lang, TC_T_NOT_FOUND),
                                           tc_i18n(view->lang, TC_T_NO_SUCH_PAGE), true);
        tc_http_reply_html(req, 404, html);
        free(html);
    }
    tc_buf_free(&allowed);
}

static void handle_v1(tc_engine_t *e, tc_http_request_t *req)
{
    const char *key = key_of(req);
    if (!key) {
        tc_api_reply_error(req, 401, "an API key is required: send Authorization: OAuth KEY "
                                     "(tocsin apikey create)");
        return;
    }
    char key_name[TC_KEY_NAME_MAX + 1];
    if (!tc_engine_key_name(e, key, key_name, sizeof key_name)) {
        tc_api_reply_error(req, 401, "invalid or revoked API key");
        return;
    }
    /* /v1/pages/{page_id}/{resource}[/...] */
    const char *path = tc_http_path(req);
    const char *page = tc_engine_page_id(e);
    const char *prefix = "/v1/pages/";
    size_t plen = strlen(prefix), idlen = strlen(page);
    if (strncmp(path, prefix, plen) != 0 || strncmp(path + plen, page, idlen) != 0 ||
        path[plen + idlen] != '/') {
        tc_api_reply_error(req, 404, "unknown page; this server has /v1/pages/%s/", page);
        return;
    }
    const char *resource = path + plen + idlen + 1;
    tc_api_call_t call = {.e = e, .req = req};
    snprintf(call.actor, sizeof call.actor, "key:%s", key_name);
    tc_buf_t allowed;
    tc_buf_init(&allowed, 0);
    const route_t *r = find(v1_routes, sizeof v1_routes / sizeof v1_routes[0],
                            tc_http_method(req), resource, &call, &allowed);
    if (!r) {
        if (allowed.len)
            tc_api_reply_error(req, 405, "use %s here", allowed.data);
        else
            tc_api_reply_error(req, 404, "unknown resource \"%s\"", resource);
        tc_buf_free(&allowed);
        return;
    }
    tc_buf_free(&allowed);
    call.body = body_json(req);
    if (!call.body)
        return;
    r->fn(&call);
    json_decref(call.body);
}

void tc_api_handle(tc_engine_t *e, tc_http_request_t *req)
{
    if (strncmp(tc_http_path(req), "/v1/", 4) == 0)
        handle_v1(e, req);
    else
        handle_public(e, req);
}
