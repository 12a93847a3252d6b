/* Queries only the console asks: incident templates, monitors with their last results and
 * pauses, which components a subscriber follows, how many subscribers an incident would
 * reach, the outbox's counts and waiting messages, and what the probes missed (coverage).
 * Read-only; the public view (view.c) carries none of this because the public never sees
 * it. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "engine/engine_int.h"
#include "subscribe/subscribe.h"

static void monitor_info(const mon_slot_t *slot, tc_monitor_info_t *m)
{
    m->id = slot->cfg->id;
    m->name = slot->cfg->name ? slot->cfg->name : slot->cfg->id;
    m->kind = tc_probe_type_name(slot->cfg->type);
    m->state = slot->paused ? "paused" : tc_monitor_state_name(slot->state);
    m->failing_from = slot->failing_from;
    m->confirming = slot->confirming;
    m->failure_share = slot->tracker.share;
    m->window = slot->cfg->window;
    m->last_at = slot->last_at;
    m->restored = !slot->last_at && slot->push.heard_before;
    m->last_ms = slot->last_ms;
    m->last_reason = slot->last_reason;
    m->last_failure_at = slot->last_failure_at;
    m->last_failure = slot->last_failure;
    m->paused = slot->paused;
    m->paused_at = slot->paused_at;
    m->paused_by = slot->paused_by;
    m->checking = slot->run != NULL;
    memcpy(m->checks, slot->checks, sizeof m->checks);
    m->interval_ms = slot->cfg->interval_ms;
    m->timeout_ms = slot->cfg->timeout_ms;
    m->components = slot->rules ? slot->rules->components : NULL;
    m->ncomponents = slot->rules ? slot->rules->ncomponents : 0;
}

void tc_engine_monitors(tc_engine_t *d, tc_monitor_info_t **out, size_t *n)
{
    *n = d->nmonitors;
    *out = tc_calloc(d->nmonitors ? d->nmonitors : 1, sizeof **out);
    for (size_t i = 0; i < d->nmonitors; i++)
        monitor_info(&d->monitors[i], &(*out)[i]);
}

int tc_engine_monitor(tc_engine_t *d, const char *id, tc_monitor_info_t *out)
{
    for (size_t i = 0; i < d->nmonitors; i++)
        if (strcmp(d->monitors[i].cfg->id, id) == 0) {
            monitor_info(&d->monitors[i], out);
            return 0;
        }
    return TC_ENOENT;
}

bool tc_engine_component_manual(tc_engine_t *d, const char *id, tc_status_t *out)
{
    /* The rows are read here rather than through rows.c's lookup, which comes before this
     * file in the engine's order. */
    for (size_t i = 0; i < d->nrows; i++)
        if (strcmp(d->rows[i].id, id) == 0 && d->rows[i].has_manual) {
            *out = d->rows[i].manual_status;
            return true;
        }
    return false;
}

bool tc_engine_subscriber_follows(const tc_subscriber_t *s, const char *component_id)
{
    return tc_subscribe_follows(s->components, &component_id, 1);
}

void tc_engine_templates(tc_engine_t *d, tc_incident_template_t **out, size_t *n)
{
    const tc_config_t *c = d->config;
    *n = c->ntemplates;
    *out = tc_calloc(c->ntemplates ? c->ntemplates : 1, sizeof **out);
    for (size_t i = 0; i < c->ntemplates; i++) {
        const tc_template_cfg_t *t = &c->templates[i];
        (*out)[i] = (tc_incident_template_t){t->id, t->name, t->message, t->status,
                                             t->components, t->component_status,
                                             t->ncomponents};
    }
}

void tc_engine_recipients(tc_engine_t *d, const char *const *ids, size_t n, size_t *reach,
                          size_t *all)
{
    char err[256];
    tc_subscriber_t *subs = NULL;
    size_t nsubs = 0;
    *reach = *all = 0;
    if (tc_store_subscribers(d->store, true, &subs, &nsubs, err, sizeof err) != 0)
        return;
    for (size_t i = 0; i < nsubs; i++)
        *reach += tc_subscribe_follows(subs[i].components, ids, n);
    *all = nsubs;
    tc_store_subscribers_free(subs, nsubs);
}

int tc_engine_pending_deliveries(tc_engine_t *d, tc_outbox_t **out, size_t *n, char *err,
                                 size_t errlen)
{
    return tc_store_outbox_pending(d->store, out, n, err, errlen);
}

static bool first_failure(void *ctx, const char *monitor, int64_t from, int64_t to, int64_t *at,
                          bool *hourly)
{
    return tc_store_first_failure(ctx, monitor, from, to, at, hourly) == 0;
}

void tc_engine_coverage(tc_engine_t *d, int64_t since, tc_coverage_report_t *out)
{
    const tc_view_t *v = tc_engine_view(d);
    size_t nfeeds = 0;
    tc_cover_feed_t *feeds = tc_config_cover_feeds(d->config, &nfeeds);
    out->rows = tc_calloc(v->nincidents + 1, sizeof *out->rows);
    out->nrows = tc_coverage(v->incidents, v->nincidents, since, tc_clock_wall_ms(), feeds,
                             nfeeds, first_failure, d->store, out->rows);
    out->blind = tc_calloc(nfeeds + 1, sizeof *out->blind);
    out->nblind = 0;
    for (size_t i = 0; i < nfeeds; i++)
        if (!feeds[i].nmonitors)
            out->blind[out->nblind++] = feeds[i].component;
    tc_config_cover_feeds_free(feeds, nfeeds);
}

void tc_engine_coverage_free(tc_coverage_report_t *r)
{
    free(r->rows);
    free(r->blind);
    memset(r, 0, sizeof *r);
}

void tc_engine_delivery_counts(tc_engine_t *d, long counts[3])
{
    long retried;
    counts[0] = counts[1] = counts[2] = 0;
    tc_store_outbox_counts(d->store, counts, &retried);
}
