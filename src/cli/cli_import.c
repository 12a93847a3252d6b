/* `tocsin import [--shift-to-now] statuspage FILE`: bring a Statuspage history (the v2
 * incidents.json, a scheduled-maintenances.json, or a list of incident objects) into the
 * store with its original ids and times. Idempotent: an incident already stored with the same
 * content is left alone, one that changed is replaced, so importing twice changes nothing. A
 * running daemon picks the import up on SIGHUP. --shift-to-now moves every time by whole
 * weeks so the latest one is within the last seven days: a demo page then shows the history
 * (each import moves it again, so the demo stays recent).
 *
 * The status changes the incidents' updates record for components this config has (their
 * affected_components) go into those components' status logs, so the day bars and uptime show
 * the history as the source page did; each component's log then starts on the day of the
 * first imported incident (a "baseline" change to the status it had before), not at the
 * daemon's first start. Importing again replaces those changes (store.h's
 * tc_store_replace_import_log()). */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "incident/incident.h"
#include "incident/incident_codec.h"
#include "store/store.h"

typedef struct known {
    json_t *docs;     /* id -> stored document text */
    uint64_t max_seq; /* highest numeric id stored */
} known_t;

static void remember(void *ctx, const char *text)
{
    known_t *k = ctx;
    json_t *doc = json_loads(text, 0, NULL);
    const char *id = json_string_value(json_object_get(doc, "id"));
    json_int_t seq = json_integer_value(json_object_get(doc, "seq"));
    if (id)
        json_object_set_new(k->docs, id, json_string(text));
    if (seq > 0 && (uint64_t)seq > k->max_seq)
        k->max_seq = (uint64_t)seq;
    json_decref(doc);
}

/* The latest instant an incident mentions. */
static int64_t latest_time(const tc_incident_t *i)
{
    int64_t t = i->created_at;
    const int64_t more[] = {i->updated_at, i->started_at, i->resolved_at, i->scheduled_until,
                            i->postmortem_published_at};
    for (size_t k = 0; k < sizeof more / sizeof more[0]; k++)
        if (more[k] > t)
            t = more[k];
    return t;
}

/* Move every time of @p i by @p delta ms (times that are unset stay unset). */
static void shift(tc_incident_t *i, int64_t delta)
{
    int64_t *times[] = {&i->created_at,    &i->updated_at,    &i->started_at,
                        &i->monitoring_at, &i->resolved_at,   &i->scheduled_for,
                        &i->scheduled_until, &i->postmortem_published_at};
    for (size_t k = 0; k < sizeof times / sizeof times[0]; k++)
        if (*times[k])
            *times[k] += delta;
    for (size_t u = 0; u < i->nupdates; u++) {
        tc_incident_update_t *up = &i->updates[u];
        if (up->created_at)
            up->created_at += delta;
        if (up->updated_at)
            up->updated_at += delta;
        if (up->display_at)
            up->display_at += delta;
    }
}

/* With --shift-to-now: the offset, in whole weeks (so every incident keeps its weekday and time
 * of day), that puts the file's latest instant within the last seven days, where the page's
 * "Past incidents" shows it. */
static int64_t shift_for(json_t *list)
{
    int64_t latest = INT64_MIN;
    size_t i;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        tc_incident_t *inc = tc_incident_from_json(item);
        if (inc && latest_time(inc) > latest)
            latest = latest_time(inc);
        tc_incident_free(inc);
    }
    if (latest == INT64_MIN)
        return 0;
    const int64_t week = 7LL * 86400000LL;
    int64_t d = tc_clock_wall_ms() - week - latest; /* latest + delta in [now - 7 d, now) */
    int64_t weeks = d > 0 ? (d + week - 1) / week : d / week; /* rounded up */
    return weeks * week;
}

/* Whether @p id is one of the config's components (groups get their status from these). */
static bool configured(const tc_config_t *c, const char *id)
{
    for (size_t k = 0; k < c->ncomponents; k++)
        if (strcmp(c->components[k].id, id) == 0)
            return true;
    return false;
}

/* The status changes @p inc records for configured components, oldest first, into @p out
 * (pointing into @p inc); @return their number. */
static size_t incident_changes(const tc_incident_t *inc, const tc_config_t *c,
                               tc_store_log_entry_t **out)
{
    size_t n = 0;
    for (size_t u = 0; u < inc->nupdates; u++)
        n += inc->updates[u].naffected;
    *out = n ? tc_calloc(n, sizeof **out) : NULL;
    n = 0;
    /* Updates are stored newest first, as Statuspage lists them. */
    for (size_t u = inc->nupdates; u-- > 0;) {
        const tc_incident_update_t *up = &inc->updates[u];
        int64_t at = up->display_at ? up->display_at : up->created_at;
        for (size_t k = 0; k < up->naffected; k++) {
            const tc_affected_t *a = &up->affected[k];
            if (!a->code || !configured(c, a->code))
                continue;
            (*out)[n++] = (tc_store_log_entry_t){a->code, at, a->new_status};
        }
    }
    return n;
}

/* Where each component's imported history begins: before the first change any incident of
 * the file records for it, the status that change left (its old_status). */
typedef struct baseline {
    json_t *first;    /* component id -> [at, old status name] of its earliest change */
    int64_t start;    /* the file's earliest incident start */
} baseline_t;

static void baseline_add(baseline_t *b, const tc_incident_t *inc, const tc_config_t *c)
{
    int64_t begun = inc->started_at ? inc->started_at : inc->created_at;
    if (begun && begun < b->start)
        b->start = begun;
    for (size_t u = 0; u < inc->nupdates; u++) {
        const tc_incident_update_t *up = &inc->updates[u];
        int64_t at = up->display_at ? up->display_at : up->created_at;
        for (size_t k = 0; k < up->naffected; k++) {
            const tc_affected_t *a = &up->affected[k];
            if (!a->code || !configured(c, a->code))
                continue;
            json_t *seen = json_object_get(b->first, a->code);
            if (seen && json_integer_value(json_array_get(seen, 0)) <= at)
                continue;
            json_object_set_new(b->first, a->code,
                                json_pack("[Is]", (json_int_t)at, tc_status_name(a->old_status)));
        }
    }
}

/* Record each component's baseline at the start of the UTC day before its history begins (or
 * earlier, where an earlier import or the daemon's own log already began), so that day is
 * covered whole and the baseline sorts before the first change. @return 0 or TC_ESTORE. */
static int baseline_store(const baseline_t *b, tc_store_t *s, char *err, size_t errlen)
{
    const int64_t day = 86400000LL;
    const char *id;
    json_t *first;
    json_object_foreach(b->first, id, first)
    {
        int64_t at = json_integer_value(json_array_get(first, 0));
        if (b->start < at)
            at = b->start;
        at = ((at - 1) / day) * day;
        tc_status_change_t *log = NULL;
        size_t nlog = 0;
        if (tc_store_status_log(s, id, INT64_MIN, &log, &nlog, err, errlen) != 0)
            return TC_ESTORE;
        if (nlog && log[0].at < at)
            at = log[0].at;
        free(log);
        tc_store_log_entry_t e = {id, at, TC_STATUS_OPERATIONAL};
        tc_status_parse(json_string_value(json_array_get(first, 1)), &e.status);
        char source[300];
        snprintf(source, sizeof source, "baseline:%s", id);
        if (tc_store_replace_import_log(s, source, &e, 1, err, errlen) != 0)
            return TC_ESTORE;
    }
    return 0;
}

static json_t *incident_list(json_t *root)
{
    if (json_is_array(root))
        return root;
    json_t *list = json_object_get(root, "incidents");
    if (!list)
        list = json_object_get(root, "scheduled_maintenances");
    return json_is_array(list) ? list : NULL;
}

int tc_cli_import(int argc, char **argv)
{
    const char *to_now = NULL; /* "" when given */
    const tc_cli_opt_t extra[] = {{"shift-to-now", 0, false, &to_now}, {NULL, 0, false, NULL}};
    tc_cli_args_t a = {.config = "tocsin.yaml"};
    int rc;
    if (!tc_cli_opts_parse("import", argc, argv, TC_CLI_CONFIG | TC_CLI_DATA, extra, &a, &rc))
        return rc;
    if (a.next + 2 != argc || strcmp(argv[a.next], "statuspage") != 0)
        return tc_cli_usage_error("import", "use: tocsin import statuspage FILE");
    const char *file = argv[a.next + 1];

    json_error_t jerr;
    json_t *root = json_load_file(file, 0, &jerr);
    if (!root) {
        fprintf(stderr, "%s:%d:%d: %s\n", file, jerr.line, jerr.column, jerr.text);
        return 2;
    }
    json_t *list = incident_list(root);
    if (!list) {
        fprintf(stderr, "%s:1:1: expected a Statuspage incidents.json (an object with "
                        "\"incidents\" or \"scheduled_maintenances\", or a list)\n",
                file);
        json_decref(root);
        return 2;
    }
    tc_config_t *c = NULL;
    if (tc_cli__load_config(a.config, &c) != 0) {
        json_decref(root);
        return 2;
    }
    tc_store_t *s = NULL;
    char err[512];
    rc = 1;
    known_t known = {json_object(), 0};
    baseline_t baseline = {json_object(), INT64_MAX};
    size_t added = 0, changed = 0, same = 0, skipped = 0;
    if (tc_cli__open_store("import", c, a.data, &s) != 0)
        goto out;
    if (tc_store_each_incident(s, remember, &known, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin import: %s\n", err);
        goto out;
    }
    int64_t delta = to_now ? shift_for(list) : 0;
    size_t i, nchanges = 0;
    json_t *item;
    json_array_foreach(list, i, item)
    {
        tc_incident_t *inc = tc_incident_from_json(item);
        if (inc)
            shift(inc, delta);
        if (inc && inc->nupdates) {
            tc_store_log_entry_t *changes = NULL;
            size_t n = incident_changes(inc, c, &changes);
            int failed = tc_store_replace_import_log(s, inc->id, changes, n, err, sizeof err);
            free(changes);
            if (failed) {
                fprintf(stderr, "tocsin import: %s: %s\n", inc->id, err);
                tc_incident_free(inc);
                goto out;
            }
            nchanges += n;
            baseline_add(&baseline, inc, c);
        }
        if (!inc || !inc->nupdates) {
            fprintf(stderr, "%s: entry %zu is not an incident with updates; skipped\n", file, i);
            tc_incident_free(inc);
            skipped++;
            continue;
        }
        /* The source's impact is kept as is: its components are not ours to recompute. */
        inc->impact_override = (int)inc->impact;
        const char *old = json_string_value(json_object_get(known.docs, inc->id));
        json_t *prev = old ? json_loads(old, 0, NULL) : NULL;
        inc->seq = prev ? (uint64_t)json_integer_value(json_object_get(prev, "seq"))
                        : ++known.max_seq;
        json_decref(prev);
        char *text = tc_incident_encode(inc);
        if (old && strcmp(old, text) == 0) {
            same++;
        } else if (tc_store_put_incident(s, inc->id, inc->seq, text, inc->updated_at, err,
                                         sizeof err) != 0) {
            fprintf(stderr, "tocsin import: %s: %s\n", inc->id, err);
            free(text);
            tc_incident_free(inc);
            goto out;
        } else if (old) {
            changed++;
        } else {
            added++;
        }
        free(text);
        tc_incident_free(inc);
    }
    if (baseline_store(&baseline, s, err, sizeof err) != 0) {
        fprintf(stderr, "tocsin import: %s\n", err);
        goto out;
    }
    printf("%s: %zu added, %zu updated, %zu unchanged, %zu skipped; %zu status changes of %zu "
           "components\n",
           file, added, changed, same, skipped, nchanges, json_object_size(baseline.first));
    rc = skipped ? 1 : 0;
out:
    json_decref(baseline.first);
    json_decref(known.docs);
    tc_store_close(s);
    tc_config_free(c);
    json_decref(root);
    return rc;
}
