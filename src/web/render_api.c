/* The Statuspage v2 public API documents (shared/reference/statuspage.md §1), built with
 * jansson. Field names, order and value sets follow the captured payloads so existing
 * widgets and aggregators read tocsin unchanged. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "web/render.h"

static json_t *timestamp(int64_t ms)
{
    char iso[40];
    tc_clock_format_iso(ms, iso, sizeof iso);
    return json_string(iso);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *page_object(const tc_view_t *v)
{
    json_t *page = json_object();
    json_object_set_new(page, "id", json_string(v->page_id));
    json_object_set_new(page, "name", json_string(v->page_name));
    json_object_set_new(page, "url", json_string(v->page_url));
    json_object_set_new(page, "time_zone", json_string(v->time_zone));
    json_object_set_new(page, "updated_at", timestamp(v->updated_at));
    return page;
}

static json_t *component_object(const tc_view_t *v, const tc_view_row_t *r)
{
    json_t *c = json_object();
    char day[16];
    tc_clock_format_local(r->created_at, "%Y-%m-%d", day, sizeof day);
    json_object_set_new(c, "id", json_string(r->id));
    json_object_set_new(c, "name", json_string(r->name));
    json_object_set_new(c, "status", json_string(tc_status_name(r->status)));
    json_object_set_new(c, "created_at", timestamp(r->created_at));
    json_object_set_new(c, "updated_at", timestamp(r->updated_at));
    json_object_set_new(c, "position", json_integer(r->position));
    json_object_set_new(c, "description", string_or_null(r->description));
    json_object_set_new(c, "showcase", json_boolean(r->showcase));
    json_object_set_new(c, "start_date", r->is_group ? json_null() : json_string(day));
    json_object_set_new(c, "group_id", string_or_null(r->group_id));
    json_object_set_new(c, "page_id", json_string(v->page_id));
    json_object_set_new(c, "group", json_boolean(r->is_group));
    json_object_set_new(c, "only_show_if_degraded", json_boolean(r->only_show_if_degraded));
    if (r->is_group) {
        /* Only group rows carry the ids of their children. */
        json_t *ids = json_array();
        for (size_t i = 0; i < v->nrows; i++)
            if (v->rows[i].group_id && strcmp(v->rows[i].group_id, r->id) == 0)
                json_array_append_new(ids, json_string(v->rows[i].id));
        json_object_set_new(c, "components", ids);
    }
    return c;
}

static json_t *components_array(const tc_view_t *v)
{
    json_t *list = json_array();
    for (size_t i = 0; i < v->nrows; i++)
        json_array_append_new(list, component_object(v, &v->rows[i]));
    return list;
}

static json_t *status_object(const tc_view_t *v)
{
    json_t *s = json_object();
    json_object_set_new(s, "indicator", json_string(tc_indicator_name(v->rollup.indicator)));
    json_object_set_new(s, "description", json_string(v->rollup.description));
    return s;
}

/* Serialise and release @p root. */
static char *dump(json_t *root, size_t *len)
{
    char *text = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    if (!text)
        abort(); /* jansson fails only when out of memory */
    /* jansson allocates with malloc() by default, so the caller releases this with free(). */
    *len = strlen(text);
    return text;
}

char *tc_render_summary_json(const tc_view_t *v, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", page_object(v));
    json_object_set_new(root, "components", components_array(v));
    json_object_set_new(root, "incidents", json_array());
    json_object_set_new(root, "scheduled_maintenances", json_array());
    json_object_set_new(root, "status", status_object(v));
    return dump(root, len);
}

char *tc_render_status_json(const tc_view_t *v, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", page_object(v));
    json_object_set_new(root, "status", status_object(v));
    return dump(root, len);
}

char *tc_render_components_json(const tc_view_t *v, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", page_object(v));
    json_object_set_new(root, "components", components_array(v));
    return dump(root, len);
}
