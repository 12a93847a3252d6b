/* Components on the write API: read them as the public API shows them, and set a status by
 * hand. A person's status wins over incidents and monitors until cleared with
 * "status": null (a tocsin extension; Statuspage has no monitors to return to). Names and
 * everything else come from tocsin.yaml. */
#include <stdio.h>
#include <string.h>

#include "api/api_int.h"
#include "core/err.h"
#include "web/render.h"

/* Answer with every component, or only @p only (404 when unknown). */
static void reply_components(tc_api_call_t *c, const char *only)
{
    const tc_view_t *view = tc_engine_view(c->e);
    json_t *out = only ? NULL : json_array();
    for (size_t k = 0; k < view->nrows; k++) {
        if (only && strcmp(view->rows[k].id, only) == 0)
            out = tc_render_component_json(view, &view->rows[k]);
        else if (!only)
            json_array_append_new(out, tc_render_component_json(view, &view->rows[k]));
    }
    if (only && !out)
        tc_api_reply_error(c->req, 404, "unknown component \"%s\"", only);
    else
        tc_api_reply_json(c->req, 200, out);
}

void tc_api__components_list(tc_api_call_t *c)
{
    reply_components(c, NULL);
}

void tc_api__component_get(tc_api_call_t *c)
{
    reply_components(c, c->params[0]);
}

/* PATCH components/{id} {"component": {"status": S}}. */
void tc_api__component_patch(tc_api_call_t *c)
{
    static const char *const top[] = {"component", NULL};
    char err[512];
    json_t *o = json_object_get(c->body, "component");
    if (!json_is_object(o)) {
        tc_api_reply_error(c->req, 422, "send {\"component\": {\"status\": \"...\"}}");
        return;
    }
    if (tc_api__only_fields(c->body, top, err, sizeof err) != 0) {
        tc_api_reply_error(c->req, 422, "%s", err);
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "status") != 0) {
            tc_api_reply_error(c->req, 422,
                               "\"%s\" comes from tocsin.yaml; only status can be set through "
                               "the API",
                               key);
            return;
        }
    }
    v = json_object_get(o, "status");
    tc_status_t st;
    if (!v) {
        tc_api_reply_error(c->req, 422, "status is required");
        return;
    }
    if (!json_is_null(v) &&
        (!json_string_value(v) || tc_status_parse(json_string_value(v), &st) != 0)) {
        tc_api_reply_error(c->req, 422,
                           "status must be operational, degraded_performance, partial_outage, "
                           "major_outage, under_maintenance, or null to return it to its "
                           "monitors");
        return;
    }
    int rc = tc_engine_component_set(c->e, c->params[0], json_is_null(v) ? NULL : &st, err,
                                     sizeof err);
    if (rc) {
        tc_api__reply_failure(c->req, rc, err);
        return;
    }
    tc_api__audit(c, json_is_null(v) ? "component.release" : "component.set", c->params[0],
                  json_is_null(v) ? "status back to its monitors and incidents"
                                  : tc_status_name(st));
    reply_components(c, c->params[0]);
}
