/* The Statuspage v2 public API documents (shared/reference/statuspage.md §1), built with
 * jansson. Field names, order and value sets follow the captured payloads so existing
 * widgets and aggregators read tocsin unchanged. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "web/render.h"

static json_t *timestamp(const tc_view_t *v, int64_t ms)
{
    char iso[40];
    tc_clock_format_iso(v->zone, ms, iso, sizeof iso);
    return json_string(iso);
}

static json_t *string_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *tc_render_page_json(const tc_view_t *v)
{
    json_t *page = json_object();
    json_object_set_new(page, "id", json_string(v->page_id));
    json_object_set_new(page, "name", json_string(v->page_name));
    json_object_set_new(page, "url", json_string(v->page_url));
    json_object_set_new(page, "time_zone", json_string(v->time_zone));
    json_object_set_new(page, "updated_at", timestamp(v, v->updated_at));
    return page;
}

static json_t *component_object(const tc_view_t *v, const tc_view_row_t *r)
{
    json_t *c = json_object();
    char day[16];
    tc_clock_format_local(v->zone, r->created_at, "%Y-%m-%d", day, sizeof day);
    json_object_set_new(c, "id", json_string(r->id));
    json_object_set_new(c, "name", json_string(r->name));
    json_object_set_new(c, "status", json_string(tc_status_name(r->status)));
    json_object_set_new(c, "created_at", timestamp(v, r->created_at));
    json_object_set_new(c, "updated_at", timestamp(v, r->updated_at));
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

json_t *tc_render_component_json(const tc_view_t *v, const tc_view_row_t *r)
{
    return component_object(v, r);
}

static const tc_view_row_t *find_row(const tc_view_t *v, const char *id)
{
    for (size_t i = 0; i < v->nrows; i++)
        if (strcmp(v->rows[i].id, id) == 0)
            return &v->rows[i];
    return NULL;
}

/* Statuspage's stspg.io shortlinks become the incident's page. */
char *tc_render_incident_link(const tc_view_t *v, const tc_incident_t *i)
{
    size_t len = strlen(v->page_url) + strlen(i->id) + 16;
    char *link = malloc(len);
    const char *base = v->page_url;
    size_t blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;
    snprintf(link, len, "%.*s/incidents/%s", (int)blen, base, i->id);
    return link;
}

json_t *tc_render_incident_json(const tc_view_t *v, const tc_incident_t *i, bool with_private)
{
    /* The incident's components: those it sets, then any other named by its updates. */
    json_t *components = json_array();
    json_t *seen = json_object();
    for (size_t k = 0; k < i->ncomponents; k++) {
        const tc_view_row_t *r = find_row(v, i->component_ids[k]);
        if (r && !json_object_get(seen, r->id)) {
            json_array_append_new(components, component_object(v, r));
            json_object_set_new(seen, r->id, json_true());
        }
    }
    for (size_t u = 0; u < i->nupdates; u++) {
        for (size_t a = 0; a < i->updates[u].naffected; a++) {
            const char *code = i->updates[u].affected[a].code;
            const tc_view_row_t *r = code ? find_row(v, code) : NULL;
            if (r && !json_object_get(seen, r->id)) {
                json_array_append_new(components, component_object(v, r));
                json_object_set_new(seen, r->id, json_true());
            }
        }
    }
    json_decref(seen);
    char *link = tc_render_incident_link(v, i);
    json_t *o = tc_incident_to_json(i, v->zone, v->page_id, link, components, with_private);
    free(link);
    return o;
}

/* Which incidents a list document holds. */
typedef enum {
    LIST_INCIDENTS,       /* the 50 most recent incidents, resolved included */
    LIST_UNRESOLVED,      /* open incidents */
    LIST_MAINTENANCES,    /* the 50 most recent maintenances */
    LIST_UPCOMING,        /* scheduled maintenances */
    LIST_ACTIVE,          /* in_progress or verifying maintenances */
    LIST_SUMMARY_MAINT,   /* upcoming or in progress, as summary.json shows */
} list_kind_t;

static bool in_list(const tc_incident_t *i, list_kind_t kind)
{
    switch (kind) {
    case LIST_INCIDENTS:
        return !i->is_maintenance;
    case LIST_UNRESOLVED:
        return !i->is_maintenance && tc_incident_is_open(i);
    case LIST_MAINTENANCES:
        return i->is_maintenance;
    case LIST_UPCOMING:
        return i->is_maintenance && i->status == TC_INC_SCHEDULED;
    case LIST_ACTIVE:
        return i->is_maintenance &&
               (i->status == TC_INC_IN_PROGRESS || i->status == TC_INC_VERIFYING);
    case LIST_SUMMARY_MAINT:
        return i->is_maintenance && tc_incident_is_open(i);
    }
    return false;
}

/* Append @p o (taken) as compact JSON, as tc_render_json_dump() writes it: a document can be
 * put together from such texts and pieces kept between renders. */
static void dump_into(tc_buf_t *b, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(o);
    if (!text)
        abort(); /* jansson fails only when out of memory */
    tc_buf_puts(b, text);
    free(text);
}

static void incident_piece(tc_buf_t *b, const tc_view_t *v, const tc_incident_t *i, int arg)
{
    (void)arg;
    dump_into(b, tc_render_incident_json(v, i, false));
}

/* An incident's JSON embeds the objects of its components: a fingerprint of everything they
 * show, which a kept piece must have been made with. */
static uint64_t components_print(const tc_view_t *v)
{
    uint64_t h = tc_render__key(0x6a736f6e, (uint64_t)v->nrows);
    for (size_t i = 0; i < v->nrows; i++) {
        const tc_view_row_t *r = &v->rows[i];
        h = tc_render__key(h, ((uint64_t)r->status << 8) | ((uint64_t)r->showcase << 4) |
                                  ((uint64_t)r->only_show_if_degraded << 2) | r->is_group);
        h = tc_render__key(h, (uint64_t)r->created_at ^ ((uint64_t)r->updated_at << 1));
        h = tc_render__key(h, (uint64_t)r->position);
        for (const char *p = r->description; p && *p; p++)
            h = tc_render__key(h, (unsigned char)*p);
    }
    return h;
}

/* "[...]" of the incidents of @p kind, at most @p limit. */
static void list_text(tc_buf_t *b, const tc_view_t *v, tc_render_state_t *st, uint64_t print,
                      list_kind_t kind, size_t limit)
{
    size_t n = 0;
    tc_buf_puts(b, "[");
    for (size_t k = 0; k < v->nincidents && n < limit; k++) {
        if (!in_list(v->incidents[k], kind))
            continue;
        if (n++)
            tc_buf_puts(b, ",");
        tc_render__piece(st, b, v, v->incidents[k], print, incident_piece, 0);
    }
    tc_buf_puts(b, "]");
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

char *tc_render_json_dump(json_t *root, size_t *len)
{
    /* 15 significant digits print the rounded figures of /api/v2/uptime.json as written
     * (99.95, not 99.950000000000003); no other document holds a real. */
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(root);
    if (!text)
        abort(); /* jansson fails only when out of memory */
    /* jansson allocates with malloc() by default, so the caller releases this with free(). */
    *len = strlen(text);
    return text;
}

char *tc_render_summary_json(const tc_view_t *v, tc_render_state_t *st, size_t *len)
{
    uint64_t print = components_print(v);
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "{\"page\":");
    dump_into(&b, tc_render_page_json(v));
    tc_buf_puts(&b, ",\"components\":");
    dump_into(&b, components_array(v));
    tc_buf_puts(&b, ",\"incidents\":");
    list_text(&b, v, st, print, LIST_UNRESOLVED, SIZE_MAX);
    tc_buf_puts(&b, ",\"scheduled_maintenances\":");
    list_text(&b, v, st, print, LIST_SUMMARY_MAINT, SIZE_MAX);
    tc_buf_puts(&b, ",\"status\":");
    dump_into(&b, status_object(v));
    tc_buf_puts(&b, "}");
    return tc_buf_steal(&b, len);
}

char *tc_render_status_json(const tc_view_t *v, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", tc_render_page_json(v));
    json_object_set_new(root, "status", status_object(v));
    return tc_render_json_dump(root, len);
}

char *tc_render_components_json(const tc_view_t *v, size_t *len)
{
    json_t *root = json_object();
    json_object_set_new(root, "page", tc_render_page_json(v));
    json_object_set_new(root, "components", components_array(v));
    return tc_render_json_dump(root, len);
}

/* The list documents; Statuspage caps the full lists at 50 and has no paging. */
char *tc_render_list_json(const tc_view_t *v, tc_render_state_t *st, tc_render_list_t list,
                          size_t *len)
{
    static const struct {
        const char *key;
        list_kind_t kind;
        size_t limit;
    } of[] = {
        [TC_LIST_INCIDENTS] = {"incidents", LIST_INCIDENTS, 50},
        [TC_LIST_UNRESOLVED] = {"incidents", LIST_UNRESOLVED, SIZE_MAX},
        [TC_LIST_MAINTENANCES] = {"scheduled_maintenances", LIST_MAINTENANCES, 50},
        [TC_LIST_UPCOMING] = {"scheduled_maintenances", LIST_UPCOMING, SIZE_MAX},
        [TC_LIST_ACTIVE] = {"scheduled_maintenances", LIST_ACTIVE, SIZE_MAX},
    };
    tc_buf_t b;
    tc_buf_init(&b, 0);
    tc_buf_puts(&b, "{\"page\":");
    dump_into(&b, tc_render_page_json(v));
    tc_buf_printf(&b, ",\"%s\":", of[list].key);
    list_text(&b, v, st, components_print(v), of[list].kind, of[list].limit);
    tc_buf_puts(&b, "}");
    return tc_buf_steal(&b, len);
}
