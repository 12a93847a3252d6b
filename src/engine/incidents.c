/* The incident side of the engine: typed commands from the write API (engine/command.h),
 * automatic incidents from monitors, maintenance windows and alerts. Runs on the engine
 * thread: each command is checked whole against the engine's state, applied in memory,
 * written to the store (durably, before the answer), and the page is re-rendered. A command
 * that does not fit changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "engine/engine_int.h"
#include "core/err.h"
#include "core/log.h"
#include "core/secret.h"
#include "engine/command.h"
#include "incident/incident_codec.h"

#define MODULE "incidents"

/* ---- incidents in memory and in the store ---- */

static uint64_t id_hash(const char *p)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h ? h : 1;
}

static void index_incidents(tc_engine_t *d)
{
    size_t cap = 16;
    while (cap < d->nincidents * 2)
        cap *= 2;
    free(d->incident_index);
    d->incident_index = tc_calloc(cap, sizeof *d->incident_index);
    d->incident_index_cap = cap;
    for (size_t k = 0; k < d->nincidents; k++) {
        uint64_t h = id_hash(d->incidents[k]->id);
        size_t i = h & (cap - 1);
        while (d->incident_index[i].hash)
            i = (i + 1) & (cap - 1);
        d->incident_index[i] = (struct incident_slot){h, k};
    }
    d->incident_index_set = d->incident_set;
}

static tc_incident_t *find_incident(tc_engine_t *d, const char *id, size_t *index)
{
    if (!d->incident_index || d->incident_index_set != d->incident_set)
        index_incidents(d);
    uint64_t h = id_hash(id);
    size_t mask = d->incident_index_cap - 1;
    for (size_t i = h & mask; d->incident_index[i].hash; i = (i + 1) & mask) {
        size_t k = d->incident_index[i].index;
        if (d->incident_index[i].hash == h && strcmp(d->incidents[k]->id, id) == 0) {
            if (index)
                *index = k;
            return d->incidents[k];
        }
    }
    return NULL;
}

/* Write @p inc durably, in the incident module's own storage format (incident_codec.h):
 * no view and no renderer on the write path. */
static int persist(tc_engine_t *d, const tc_incident_t *inc, char *err, size_t errlen)
{
    char *text = tc_incident_encode(inc);
    int rc = tc_store_put_incident(d->store, inc->id, inc->seq, text, tc_clock_wall_ms(), err,
                                   errlen);
    free(text);
    return rc;
}

static void add_incident(tc_engine_t *d, tc_incident_t *inc)
{
    d->view_valid = false;
    d->incident_set++;
    inc->version = ++d->incident_versions;
    d->incidents = tc_realloc(d->incidents, (d->nincidents + 1) * sizeof *d->incidents);
    d->incidents[d->nincidents++] = inc;
    if (inc->seq >= d->next_seq)
        d->next_seq = inc->seq + 1;
    tc_engine__shortlist_note(d, inc);
}

typedef struct loading {
    tc_engine_t *d;
    size_t legacy; /* incidents read in an older storage format */
} loading_t;

static void load_one(void *ctx, const char *text)
{
    loading_t *l = ctx;
    char err[256];
    tc_incident_t *inc;
    int version;
    if (tc_incident_decode(text, strlen(text), &inc, &version, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "skipping an unreadable stored incident: %s", err);
        return;
    }
    if (version < TC_INCIDENT_CODEC_VERSION)
        l->legacy++;
    add_incident(l->d, inc);
}

/* Rewrite every incident in the current storage format, in one transaction: run once when
 * a store written by an older tocsin is loaded, so no old row is left to read later. */
static int upgrade_stored_incidents(tc_engine_t *d, char *err, size_t errlen)
{
    int rc = tc_store_begin(d->store, err, errlen);
    for (size_t i = 0; i < d->nincidents && !rc; i++)
        rc = persist(d, d->incidents[i], err, errlen);
    if (!rc)
        return tc_store_commit(d->store, err, errlen);
    tc_store_rollback(d->store);
    return rc;
}

int tc_engine__load_incidents(tc_engine_t *d)
{
    char err[256];
    /* The incidents in memory stay until the store's are read: a store that cannot answer
     * (PostgreSQL away) must not empty the page. */
    tc_incident_t **old = d->incidents;
    size_t nold = d->nincidents;
    uint64_t old_seq = d->next_seq;
    d->incidents = NULL;
    d->nincidents = 0;
    d->next_seq = 1;
    d->nshortlist = 0; /* filled again as they are read, made again at the end */
    loading_t l = {.d = d};
    /* What others write from here on shows in the next tc_store_changed_elsewhere(). */
    bool changed;
    tc_store_changed_elsewhere(d->store, &changed, err, sizeof err);
    int rc = tc_store_each_incident(d->store, load_one, &l, err, sizeof err);
    tc_incident_t **drop = rc ? d->incidents : old;
    size_t ndrop = rc ? d->nincidents : nold;
    if (rc) {
        d->incidents = old;
        d->nincidents = nold;
        d->next_seq = old_seq;
    }
    for (size_t i = 0; i < ndrop; i++)
        tc_incident_free(drop[i]);
    free(drop);
    d->view_valid = false;
    tc_engine__shortlist_rebuild(d);
    if (rc) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot load incidents: %s", err);
        return rc;
    }
    if (l.legacy) {
        rc = upgrade_stored_incidents(d, err, sizeof err);
        if (rc)
            tc_log(TC_LOG_ERROR, MODULE, "cannot rewrite %zu incident(s) in storage format %d: "
                   "%s", l.legacy, TC_INCIDENT_CODEC_VERSION, err);
        else
            tc_log(TC_LOG_INFO, MODULE, "rewrote %zu incident(s) in storage format %d",
                   l.legacy, TC_INCIDENT_CODEC_VERSION);
    }
    return rc;
}

void tc_engine__free_incidents(tc_engine_t *d)
{
    d->view_valid = false; /* it points at them */
    d->incident_set++;
    for (size_t i = 0; i < d->nincidents; i++)
        tc_incident_free(d->incidents[i]);
    free(d->incidents);
    d->incidents = NULL;
    d->nincidents = 0;
    free(d->incident_index);
    d->incident_index = NULL;
    d->incident_index_cap = 0;
    tc_engine__shortlist_free(d);
}

/* A component's name as updates show it: "Group - Child" for children (statuspage.md §1.4). */
static void display_name(tc_engine_t *d, const tc_store_row_t *row, char *out, size_t outlen)
{
    const tc_store_row_t *group = row->group_id ? tc_engine__row(d, row->group_id) : NULL;
    if (group)
        snprintf(out, outlen, "%s - %s", group->name, row->name);
    else
        snprintf(out, outlen, "%s", row->name);
}

/* ---- typed commands (engine/command.h) ---- */

void tc_incident_cmd_init(tc_incident_cmd_t *cmd)
{
    memset(cmd, 0, sizeof *cmd);
    cmd->impact_override = -1;
    cmd->deliver_notifications = cmd->backfilled = -1;
    cmd->auto_in_progress = cmd->auto_completed = cmd->remind_prior = -1;
}

const tc_incident_t *tc_engine_incident(tc_engine_t *e, const char *id)
{
    return find_incident(e, id, NULL);
}

/* A component an incident can name: one that exists and is not a group. */
static int check_component(tc_engine_t *d, const char *id, char *err, size_t errlen)
{
    const tc_store_row_t *row = tc_engine__row(d, id);
    if (!row) {
        snprintf(err, errlen, "unknown component \"%s\"", id);
        return TC_EINVAL;
    }
    if (row->is_group) {
        snprintf(err, errlen, "\"%s\" is a group; name its components", id);
        return TC_EINVAL;
    }
    return 0;
}

/* What every incident command must satisfy whatever the incident: known components and
 * ordered maintenance times. */
static int check_cmd(tc_engine_t *d, const tc_incident_cmd_t *c, char *err, size_t errlen)
{
    for (size_t k = 0; k < c->ncomponents; k++)
        if (check_component(d, c->components[k].id, err, errlen) != 0)
            return TC_EINVAL;
    for (size_t k = 0; k < c->ncovered; k++)
        if (check_component(d, c->covered[k], err, errlen) != 0)
            return TC_EINVAL;
    if (c->scheduled_for && c->scheduled_until && c->scheduled_until <= c->scheduled_for) {
        snprintf(err, errlen, "scheduled_until must be after scheduled_for");
        return TC_EINVAL;
    }
    return 0;
}

static const tc_cmd_component_t *cmd_component(const tc_incident_cmd_t *c, const char *id)
{
    for (size_t k = 0; k < c->ncomponents; k++)
        if (strcmp(c->components[k].id, id) == 0)
            return &c->components[k];
    return NULL;
}

/* Record that @p inc sets @p st on component @p id (added when new). */
static void set_component(tc_incident_t *inc, const char *id, tc_status_t st, bool keep)
{
    size_t k;
    for (k = 0; k < inc->ncomponents; k++)
        if (strcmp(inc->component_ids[k], id) == 0)
            break;
    if (k < inc->ncomponents) {
        if (!keep)
            inc->component_status[k] = st;
        return;
    }
    inc->component_ids = tc_realloc(inc->component_ids,
                                    (inc->ncomponents + 1) * sizeof *inc->component_ids);
    inc->component_status = tc_realloc(inc->component_status,
                                       (inc->ncomponents + 1) * sizeof *inc->component_status);
    inc->component_ids[k] = tc_strdup(id);
    inc->component_status[k] = st;
    inc->ncomponents++;
}

static void fill_affected(tc_engine_t *d, tc_affected_t *a, const char *id, tc_status_t st)
{
    const tc_store_row_t *row = tc_engine__row(d, id);
    char name[300];
    display_name(d, row, name, sizeof name);
    a->code = tc_strdup(id);
    a->name = tc_strdup(name);
    a->old_status = row->status;
    a->new_status = st;
}

/* Apply the components of @p c to @p inc, recording each change as an affected component
 * of the update about to be added. */
static tc_affected_t *apply_components(tc_engine_t *d, tc_incident_t *inc,
                                       const tc_incident_cmd_t *c, size_t *naffected)
{
    size_t cap = c->ncomponents + c->ncovered;
    tc_affected_t *aff = tc_calloc(cap ? cap : 1, sizeof *aff);
    *naffected = 0;
    for (size_t k = 0; k < c->ncomponents; k++) {
        fill_affected(d, &aff[(*naffected)++], c->components[k].id, c->components[k].status);
        set_component(inc, c->components[k].id, c->components[k].status, false);
    }
    for (size_t k = 0; k < c->ncovered; k++) {
        const char *id = c->covered[k];
        if (cmd_component(c, id))
            continue;
        const tc_store_row_t *row = tc_engine__row(d, id);
        fill_affected(d, &aff[(*naffected)++], id,
                      inc->is_maintenance ? TC_STATUS_UNDER_MAINTENANCE : row->status);
        /* A maintenance covers the components it names: they show under_maintenance while
         * it is in progress. */
        if (inc->is_maintenance)
            set_component(inc, id, TC_STATUS_UNDER_MAINTENANCE, true);
    }
    return aff;
}

static void free_affected(tc_affected_t *a, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        free(a[k].code);
        free(a[k].name);
    }
    free(a);
}

/* Default texts for updates that come without a body. */
static const char *default_body(tc_incident_status_t s)
{
    switch (s) {
    case TC_INC_RESOLVED:
        return "This incident has been resolved.";
    case TC_INC_SCHEDULED:
        return "We will be undergoing scheduled maintenance during this time.";
    case TC_INC_IN_PROGRESS:
        return "Scheduled maintenance is currently in progress. We will provide updates as "
               "necessary.";
    case TC_INC_VERIFYING:
        return "Verification is currently underway for the maintenance items.";
    case TC_INC_COMPLETED:
        return "The scheduled maintenance has been completed.";
    default:
        return "";
    }
}

/* Everything after a change: durable write, component statuses, subscriber messages (when
 * @p announce: a new update was added), render, all in one transaction. On a failed write the
 * in-memory change is undone by reloading from the store. */
static int commit_incident(tc_engine_t *d, tc_incident_t *inc, bool announce, char *err,
                           size_t errlen)
{
    tc_incident_refresh_impact(inc);
    tc_incident_refresh_times(inc);
    d->view_valid = false; /* the caller changed @p inc */
    inc->version = ++d->incident_versions;
    tc_engine__shortlist_note(d, inc);
    int rc = tc_store_begin(d->store, err, errlen);
    int began = rc == 0;
    if (!rc)
        rc = persist(d, inc, err, errlen);
    if (rc == 0) {
        /* An update sent with deliver_notifications: false is silent, including the
         * component changes it causes. */
        bool deliver = announce && inc->nupdates &&
                       inc->updates[inc->nupdates - 1].deliver_notifications;
        d->quiet = announce && !deliver;
        tc_engine__derive_components(d);
        d->quiet = false;
        if (deliver)
            tc_engine__notify_incident(d, inc);
        rc = tc_store_commit(d->store, err, errlen);
    } else if (began) {
        tc_store_rollback(d->store);
    }
    if (rc != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot save incident %s: %s", inc->id, err);
        tc_engine__load_incidents(d);
        return TC_ESTORE;
    }
    tc_notify_kick(d->notify);
    tc_engine__request_render(d);
    return 0;
}

/* Commit @p inc for a command: the answer names the store's reason, and *@p out is the
 * incident as stored (NULL when the write failed, since the reload replaced it). */
static int commit_for_cmd(tc_engine_t *d, tc_incident_t *inc, bool announce,
                          const tc_incident_t **out, char *err, size_t errlen)
{
    char why[256];
    *out = NULL;
    if (commit_incident(d, inc, announce, why, sizeof why) != 0) {
        snprintf(err, errlen, "the incident could not be saved: %s", why);
        return TC_ESTORE;
    }
    *out = inc;
    return 0;
}

static tc_incident_t *create_incident(tc_engine_t *d, const tc_incident_cmd_t *c, int64_t now)
{
    tc_incident_t *inc = tc_calloc(1, sizeof *inc);
    char id[13];
    tc_engine__new_id(id);
    inc->id = tc_strdup(id);
    inc->seq = d->next_seq;
    inc->name = tc_strdup(c->name);
    inc->impact_override = c->impact_override;
    inc->is_maintenance = c->scheduled_for != 0 ||
                          (c->has_status && tc_incident_status_is_maintenance(c->status));
    inc->scheduled_for = c->scheduled_for;
    inc->scheduled_until = c->scheduled_until;
    inc->auto_in_progress = c->auto_in_progress > 0;
    inc->remind_prior = c->remind_prior > 0;
    inc->auto_completed = c->auto_completed > 0;
    inc->backfilled = c->backfilled > 0;
    inc->created_at = c->created_at ? c->created_at : now;
    inc->started_at = c->started_at ? c->started_at : inc->created_at;
    return inc;
}

/* Record who posted the update just added (console users only). */
static void set_author(tc_incident_t *inc, const char *author)
{
    if (author && inc->nupdates)
        inc->updates[inc->nupdates - 1].author = tc_strdup(author);
}

int tc_engine_incident_create(tc_engine_t *d, const tc_incident_cmd_t *c,
                              const tc_incident_t **out, char *err, size_t errlen)
{
    *out = NULL;
    if (check_cmd(d, c, err, errlen) != 0)
        return TC_EINVAL;
    if (!c->name) {
        snprintf(err, errlen, "name is required");
        return TC_EINVAL;
    }
    int maintenance = c->scheduled_for != 0 ||
                      (c->has_status && tc_incident_status_is_maintenance(c->status));
    if (maintenance && (!c->scheduled_for || !c->scheduled_until)) {
        snprintf(err, errlen, "a maintenance needs scheduled_for and scheduled_until");
        return TC_EINVAL;
    }
    tc_incident_status_t status = c->has_status ? c->status
                                  : maintenance ? TC_INC_SCHEDULED
                                                : TC_INC_INVESTIGATING;
    if (maintenance != tc_incident_status_is_maintenance(status)) {
        snprintf(err, errlen, "status %s does not fit %s", tc_incident_status_name(status),
                 maintenance ? "a maintenance" : "an incident");
        return TC_EINVAL;
    }
    int64_t now = tc_clock_wall_ms();
    tc_incident_t *inc = create_incident(d, c, now);
    size_t naff;
    tc_affected_t *aff = apply_components(d, inc, c, &naff);
    /* The first update is when the incident was opened (or the imported display time). */
    int64_t when = c->display_at ? c->display_at : inc->created_at;
    char uid[13];
    tc_engine__new_id(uid);
    tc_incident_add_update(inc, uid, status, c->body ? c->body : default_body(status),
                           c->created_at ? c->created_at : now, when, aff, naff,
                           c->deliver_notifications != 0);
    set_author(inc, c->author);
    free_affected(aff, naff);
    if (c->created_at)
        inc->updated_at = c->created_at;
    add_incident(d, inc);
    int rc = commit_for_cmd(d, inc, true, out, err, errlen);
    if (rc == 0)
        tc_log(TC_LOG_INFO, MODULE, "%s %s opened: %s",
               inc->is_maintenance ? "maintenance" : "incident", inc->id, inc->name);
    return rc;
}

static tc_incident_t *must_find(tc_engine_t *d, const char *id, size_t *index, char *err,
                                size_t errlen)
{
    tc_incident_t *inc = find_incident(d, id, index);
    if (!inc)
        snprintf(err, errlen, "no incident %s", id);
    return inc;
}

int tc_engine_incident_patch(tc_engine_t *d, const char *id, const tc_incident_cmd_t *c,
                             const tc_incident_t **out, char *err, size_t errlen)
{
    *out = NULL;
    tc_incident_t *inc = must_find(d, id, NULL, err, errlen);
    if (!inc)
        return TC_ENOENT;
    if (check_cmd(d, c, err, errlen) != 0)
        return TC_EINVAL;
    if (c->has_status && tc_incident_status_is_maintenance(c->status) != inc->is_maintenance) {
        snprintf(err, errlen, "status %s does not fit %s", tc_incident_status_name(c->status),
                 inc->is_maintenance ? "a maintenance" : "an incident");
        return TC_EINVAL;
    }
    int64_t for_ = c->scheduled_for ? c->scheduled_for : inc->scheduled_for;
    int64_t until = c->scheduled_until ? c->scheduled_until : inc->scheduled_until;
    if (inc->is_maintenance && until <= for_) {
        snprintf(err, errlen, "scheduled_until must be after scheduled_for");
        return TC_EINVAL;
    }
    int64_t now = tc_clock_wall_ms();
    if (c->name) {
        free(inc->name);
        inc->name = tc_strdup(c->name);
    }
    if (c->has_impact_override)
        inc->impact_override = c->impact_override;
    if (c->backfilled >= 0)
        inc->backfilled = c->backfilled;
    if (c->auto_in_progress >= 0)
        inc->auto_in_progress = c->auto_in_progress;
    if (c->remind_prior >= 0)
        inc->remind_prior = c->remind_prior;
    if (c->auto_completed >= 0)
        inc->auto_completed = c->auto_completed;
    inc->scheduled_for = for_;
    inc->scheduled_until = until;
    if (c->started_at)
        inc->started_at = c->started_at;
    size_t naff;
    tc_affected_t *aff = apply_components(d, inc, c, &naff);
    bool added = c->has_status || c->body || naff;
    if (added) {
        tc_incident_status_t st = c->has_status ? c->status : inc->status;
        const char *body = c->body                                ? c->body
                           : c->has_status && st != inc->status ? default_body(st)
                                                                  : "";
        char uid[13];
        tc_engine__new_id(uid);
        tc_incident_add_update(inc, uid, st, body, c->created_at ? c->created_at : now,
                               c->display_at, aff, naff, c->deliver_notifications != 0);
        set_author(inc, c->author);
    } else {
        inc->updated_at = now;
    }
    free_affected(aff, naff);
    return commit_for_cmd(d, inc, added, out, err, errlen);
}

int tc_engine_incident_delete(tc_engine_t *d, const char *id, tc_incident_t **out, char *err,
                              size_t errlen)
{
    *out = NULL;
    size_t index;
    tc_incident_t *inc = must_find(d, id, &index, err, errlen);
    if (!inc)
        return TC_ENOENT;
    char why[256];
    if (tc_store_delete_incident(d->store, inc->id, why, sizeof why) != 0) {
        snprintf(err, errlen, "the incident could not be deleted: %s", why);
        return TC_ESTORE;
    }
    d->view_valid = false;
    d->incident_set++;
    memmove(&d->incidents[index], &d->incidents[index + 1],
            (d->nincidents - index - 1) * sizeof *d->incidents);
    d->nincidents--;
    tc_engine__shortlist_rebuild(d);
    tc_log(TC_LOG_INFO, MODULE, "incident %s deleted", inc->id);
    tc_engine__derive_components(d);
    tc_engine__request_render(d);
    *out = inc;
    return 0;
}

int tc_engine_update_edit(tc_engine_t *d, const char *id, const char *uid,
                          const tc_update_cmd_t *c, const tc_incident_t **out, char *err,
                          size_t errlen)
{
    *out = NULL;
    tc_incident_t *inc = must_find(d, id, NULL, err, errlen);
    if (!inc)
        return TC_ENOENT;
    tc_incident_update_t *u = NULL;
    for (size_t k = 0; k < inc->nupdates; k++)
        if (strcmp(inc->updates[k].id, uid) == 0)
            u = &inc->updates[k];
    if (!u) {
        snprintf(err, errlen, "incident %s has no update %s", inc->id, uid);
        return TC_ENOENT;
    }
    if (c->body) {
        free(u->body);
        u->body = tc_strdup(c->body);
    }
    if (c->display_at)
        u->display_at = c->display_at;
    if (c->deliver_notifications >= 0)
        u->deliver_notifications = c->deliver_notifications;
    u->updated_at = tc_clock_wall_ms();
    inc->updated_at = u->updated_at;
    return commit_for_cmd(d, inc, false, out, err, errlen);
}

int tc_engine_postmortem_write(tc_engine_t *d, const char *id, const char *body,
                               const tc_incident_t **out, char *err, size_t errlen)
{
    *out = NULL;
    tc_incident_t *inc = must_find(d, id, NULL, err, errlen);
    if (!inc)
        return TC_ENOENT;
    free(inc->postmortem_body);
    inc->postmortem_body = tc_strdup(body);
    inc->updated_at = tc_clock_wall_ms();
    return commit_for_cmd(d, inc, false, out, err, errlen);
}

int tc_engine_postmortem_publish(tc_engine_t *d, const char *id, const tc_incident_t **out,
                                 char *err, size_t errlen)
{
    *out = NULL;
    tc_incident_t *inc = must_find(d, id, NULL, err, errlen);
    if (!inc)
        return TC_ENOENT;
    if (!inc->postmortem_body) {
        snprintf(err, errlen, "write the postmortem before publishing it");
        return TC_EINVAL;
    }
    if (!tc_incident_is_open(inc) && !inc->is_maintenance)
        inc->status = TC_INC_POSTMORTEM;
    inc->postmortem_published_at = tc_clock_wall_ms();
    inc->updated_at = inc->postmortem_published_at;
    return commit_for_cmd(d, inc, false, out, err, errlen);
}

int tc_engine_postmortem_delete(tc_engine_t *d, const char *id, const tc_incident_t **out,
                                char *err, size_t errlen)
{
    *out = NULL;
    tc_incident_t *inc = must_find(d, id, NULL, err, errlen);
    if (!inc)
        return TC_ENOENT;
    free(inc->postmortem_body);
    inc->postmortem_body = NULL;
    inc->postmortem_published_at = 0;
    if (inc->status == TC_INC_POSTMORTEM)
        inc->status = TC_INC_RESOLVED;
    inc->updated_at = tc_clock_wall_ms();
    return commit_for_cmd(d, inc, false, out, err, errlen);
}

int tc_engine_component_set(tc_engine_t *d, const char *id, const tc_status_t *status,
                            char *err, size_t errlen)
{
    tc_store_row_t *row = tc_engine__row(d, id);
    if (!row) {
        snprintf(err, errlen, "unknown component \"%s\"", id);
        return TC_ENOENT;
    }
    if (row->is_group) {
        snprintf(err, errlen, "\"%s\" is a group: its status is the worst of its components",
                 id);
        return TC_EINVAL;
    }
    char why[256];
    if (tc_store_set_manual_status(d->store, id, status, why, sizeof why) != 0) {
        snprintf(err, errlen, "the status could not be saved: %s", why);
        return TC_ESTORE;
    }
    row->has_manual = status != NULL;
    if (status)
        row->manual_status = *status;
    tc_log(TC_LOG_INFO, MODULE, "component %s: status %s by hand", id,
           status ? tc_status_name(*status) : "released");
    tc_engine__derive_components(d);
    tc_engine__request_render(d);
    return 0;
}

/* ---- queries for the API ---- */

const char *tc_engine_page_id(tc_engine_t *d)
{
    return d->config->page.id;
}

const tc_zone_t *tc_engine_zone(tc_engine_t *d)
{
    return d->zone;
}

int tc_engine_dead_deliveries(tc_engine_t *d, tc_outbox_t **out, size_t *n, char *err,
                              size_t errlen)
{
    return tc_store_outbox_dead(d->store, out, n, err, errlen);
}

void tc_engine_deliveries_free(tc_outbox_t *msgs, size_t n)
{
    tc_store_outbox_free(msgs, n);
}

int tc_engine_retry_deliveries(tc_engine_t *d, const char *id, char *err, size_t errlen)
{
    int64_t now = tc_clock_wall_ms();
    int rc = tc_store_outbox_retry(d->store, id, now, now + d->config->notify_retry_ms, err,
                                   errlen);
    if (rc == 0)
        tc_notify_kick(d->notify);
    return rc;
}

/* ---- maintenance windows and automatic incidents (incident/incident_policy.h decides) ---- */

/* A maintenance with remind_prior reminds subscribers once, an hour before it starts; one
 * scheduled less than an hour ahead was just announced, so it gets no reminder. */
static bool reminder_due(const tc_incident_t *inc, int64_t now)
{
    return inc->remind_prior && !inc->reminded_at && inc->status == TC_INC_SCHEDULED &&
           inc->scheduled_for && now < inc->scheduled_for &&
           inc->scheduled_for - now <= REMIND_PRIOR_MS &&
           inc->scheduled_for - inc->created_at > REMIND_PRIOR_MS;
}

void tc_engine__maintenance_tick(tc_engine_t *d)
{
    char err[256];
    int64_t now = tc_clock_wall_ms();
    for (size_t i = 0; i < d->nincidents; i++) {
        tc_incident_t *inc = d->incidents[i];
        if (!inc->is_maintenance || !tc_incident_is_open(inc))
            continue;
        if (reminder_due(inc, now)) {
            inc->reminded_at = now;
            tc_engine__notify_reminder(d, inc);
            tc_log(TC_LOG_INFO, MODULE, "maintenance %s: subscribers reminded", inc->id);
            commit_incident(d, inc, false, err, sizeof err);
        }
        tc_incident_status_t next;
        if (inc->auto_completed && inc->scheduled_until && now >= inc->scheduled_until)
            next = TC_INC_COMPLETED;
        else if (inc->auto_in_progress && inc->status == TC_INC_SCHEDULED &&
                 inc->scheduled_for && now >= inc->scheduled_for)
            next = TC_INC_IN_PROGRESS;
        else
            continue;
        char uid[13];
        tc_engine__new_id(uid);
        tc_incident_add_update(inc, uid, next, default_body(next), now, 0, NULL, 0, true);
        tc_log(TC_LOG_INFO, MODULE, "maintenance %s: %s", inc->id, tc_incident_status_name(next));
        commit_incident(d, inc, true, err, sizeof err);
    }
}

/* The fallback advice of the first of @p m's components that has one, or "". */
static const char *fallback_of(const tc_engine_t *d, const tc_monitor_rules_t *m)
{
    for (size_t k = 0; k < m->ncomponents; k++)
        for (size_t i = 0; i < d->config->ncomponents; i++) {
            const tc_component_cfg_t *cc = &d->config->components[i];
            if (cc->fallback && strcmp(cc->id, m->components[k]) == 0)
                return cc->fallback;
        }
    return "";
}

/* Text measured from the outside (a body excerpt, a vendor's incident title, a push msg=)
 * goes into Markdown bodies with its punctuation escaped, so it reads as plain text and
 * cannot turn into a link on our page. */
static void markdown_text(tc_buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\`*_{}[]()#+-.!|<>~", *s))
            tc_buf_append(b, "\\", 1);
        tc_buf_append(b, s, 1);
    }
}

/* Expand {{monitor}}, {{component}}, {{problem}}, {{reason}}, {{condition}} and
 * {{fallback}} in a template. {{problem}} and {{reason}} are words people read, made of the
 * configuration and measured numbers only (probe_words.c), so they go in as they are;
 * {{condition}} is the exact condition with the values the target sent, escaped in a
 * Markdown body (@p markdown; else the result is a plain title). */
static char *expand(const char *tpl, const tc_monitor_cfg_t *m, const char *component,
                    const auto_words_t *w, const char *fallback, bool markdown)
{
    tc_buf_t b;
    tc_buf_init(&b, 0);
    for (const char *p = tpl; *p;) {
        if (strncmp(p, "{{monitor}}", 11) == 0) {
            tc_buf_puts(&b, m->name);
            p += 11;
        } else if (strncmp(p, "{{component}}", 13) == 0) {
            tc_buf_puts(&b, component);
            p += 13;
        } else if (strncmp(p, "{{problem}}", 11) == 0) {
            tc_buf_puts(&b, w->problem);
            p += 11;
        } else if (strncmp(p, "{{reason}}", 10) == 0) {
            tc_buf_puts(&b, w->summary);
            p += 10;
        } else if (strncmp(p, "{{condition}}", 13) == 0) {
            if (markdown)
                markdown_text(&b, w->exact);
            else
                tc_buf_puts(&b, w->exact);
            p += 13;
        } else if (strncmp(p, "{{fallback}}", 12) == 0) {
            tc_buf_puts(&b, fallback);
            p += 12;
        } else {
            tc_buf_append(&b, p++, 1);
        }
    }
    return tc_buf_steal(&b, NULL);
}

tc_incident_t *tc_engine__monitor_incident(tc_engine_t *d, const char *monitor_id)
{
    /* The newest if there were several; open ones are on the short list. */
    tc_incident_t *open = NULL;
    for (size_t i = 0; i < d->nshortlist; i++) {
        tc_incident_t *inc = d->shortlist[i];
        if (inc->monitor_id && strcmp(inc->monitor_id, monitor_id) == 0 &&
            tc_incident_is_open(inc) && (!open || inc->seq > open->seq))
            open = inc;
    }
    return open;
}

void tc_engine__auto_incident(tc_engine_t *d, const tc_monitor_rules_t *rules,
                              tc_policy_incident_t what, tc_monitor_state_t after,
                              const auto_words_t *words)
{
    if (what == TC_POLICY_KEEP)
        return;
    const tc_monitor_cfg_t *m = rules->monitor;
    char err[256];
    tc_incident_t *open = tc_engine__monitor_incident(d, m->id);
    if ((what == TC_POLICY_OPEN) != (open == NULL))
        return; /* the policy was asked about another state of things */
    const tc_store_row_t *first =
        rules->ncomponents ? tc_engine__row(d, rules->components[0]) : NULL;
    const char *component = first ? first->name : m->name;
    int64_t now = tc_clock_wall_ms();
    tc_status_t want = what == TC_POLICY_RESOLVE
                           ? TC_STATUS_OPERATIONAL
                           : tc_monitor_component_status(after, rules->down_status,
                                                         rules->regional_status);
    tc_affected_t *aff = tc_calloc(rules->ncomponents ? rules->ncomponents : 1, sizeof *aff);
    for (size_t k = 0; k < rules->ncomponents; k++)
        fill_affected(d, &aff[k], rules->components[k], want);
    char uid[13];
    tc_engine__new_id(uid);
    if (what == TC_POLICY_OPEN) {
        tc_incident_cmd_t c;
        tc_incident_cmd_init(&c);
        char *title =
            expand(rules->incident_title, m, component, words, fallback_of(d, rules), false);
        c.name = title;
        tc_incident_t *inc = create_incident(d, &c, now);
        free(title);
        inc->monitor_id = tc_strdup(m->id);
        for (size_t k = 0; k < rules->ncomponents; k++)
            set_component(inc, rules->components[k], want, false);
        char *body =
            expand(rules->incident_body, m, component, words, fallback_of(d, rules), true);
        tc_incident_add_update(inc, uid, TC_INC_INVESTIGATING, body, now, 0, aff,
                               rules->ncomponents, true);
        free(body);
        add_incident(d, inc);
        tc_log(TC_LOG_WARN, MODULE, "monitor %s opened incident %s", m->id, inc->id);
        commit_incident(d, inc, true, err, sizeof err);
    } else if (what == TC_POLICY_RESOLVE) {
        tc_incident_add_update(open, uid, TC_INC_RESOLVED,
                               "This incident has been resolved: the check passes again.", now,
                               0, aff, rules->ncomponents, true);
        tc_log(TC_LOG_INFO, MODULE, "monitor %s resolved incident %s", m->id, open->id);
        commit_incident(d, open, true, err, sizeof err);
    } else {
        /* Worse, or better but not yet resolved (a vendor back from an outage to degraded):
         * record it and let the components and the impact follow, since the open incident
         * decides the components' status. */
        for (size_t k = 0; k < open->ncomponents; k++)
            open->component_status[k] = want;
        tc_buf_t text;
        tc_buf_init(&text, 0);
        tc_buf_printf(&text, "%s is now %s: %s.", component, words->problem, words->summary);
        tc_incident_add_update(open, uid, open->status, text.data, now, 0, aff,
                               rules->ncomponents, true);
        tc_buf_free(&text);
        commit_incident(d, open, true, err, sizeof err);
    }
    free_affected(aff, rules->ncomponents);
}
