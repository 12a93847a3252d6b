/* The engine. One libuv loop on this thread owns the config generation, the store handle and
 * the component state; every change ends in tc_daemon's render step, which builds a view,
 * renders a snapshot and publishes it to the HTTP server. Renders are coalesced: a burst of
 * changes within RENDER_DELAY_MS produces one snapshot. */
#include "core/daemon.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "config/config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "status/rollup.h"
#include "store/store.h"
#include "web/http_server.h"
#include "web/render.h"

#define MODULE "engine"
#define RENDER_DELAY_MS 20  /* coalescing window for snapshot renders */
#define HEARTBEAT_MS 1000   /* /healthz reads this heartbeat */
#define REAP_MS 1000        /* how often retired snapshots are freed */

typedef struct tc_daemon {
    uv_loop_t loop;
    uv_signal_t sighup, sigterm, sigint;
    uv_timer_t heartbeat_timer, render_timer;
    _Atomic int64_t heartbeat;  /* monotonic ms, read by HTTP threads */
    const tc_daemon_opts_t *opts;
    tc_config_t *config;        /* owned; the current generation */
    tc_store_t *store;          /* owned */
    tc_http_t *http;            /* owned */
    tc_store_row_t *rows;       /* owned; groups then components, as configured */
    size_t nrows;
    uint64_t generation;        /* of the last published snapshot */
    int64_t started_at;         /* wall ms */
} tc_daemon_t;

/* Print config errors the way compilers do, one per line, for the user fixing the file. */
static void print_config_errors(const char *errors)
{
    fputs(errors, stderr);
}

static int load_config(const tc_daemon_opts_t *opts, tc_config_t **out)
{
    char *errors = NULL;
    int rc = tc_config_load(opts->config_path, out, &errors);
    if (rc) {
        print_config_errors(errors);
        free(errors);
        return rc;
    }
    tc_config_t *c = *out;
    if (opts->listen) {
        char *host = NULL;
        int port = 0;
        if (tc_config_parse_listen(opts->listen, &host, &port) != 0) {
            fprintf(stderr, "tocsin: --listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
            tc_config_free(c);
            *out = NULL;
            return TC_ECONFIG;
        }
        free(c->server.host);
        c->server.host = host;
        c->server.port = port;
    }
    if (opts->data_dir) {
        free(c->storage_path);
        c->storage_path = tc_strdup(opts->data_dir);
    }
    return 0;
}

static tc_store_row_t *rows_from_config(const tc_config_t *c, size_t *n)
{
    *n = c->ngroups + c->ncomponents;
    tc_store_row_t *rows = tc_calloc(*n, sizeof *rows);
    for (size_t i = 0; i < c->ngroups; i++) {
        tc_store_row_t *r = &rows[i];
        r->id = tc_strdup(c->groups[i].id);
        r->name = tc_strdup(c->groups[i].name);
        r->description = c->groups[i].description ? tc_strdup(c->groups[i].description) : NULL;
        r->position = c->groups[i].position;
        r->is_group = true;
        r->showcase = false;
    }
    for (size_t i = 0; i < c->ncomponents; i++) {
        const tc_component_cfg_t *cc = &c->components[i];
        tc_store_row_t *r = &rows[c->ngroups + i];
        r->id = tc_strdup(cc->id);
        r->name = tc_strdup(cc->name);
        r->description = cc->description ? tc_strdup(cc->description) : NULL;
        r->group_id = cc->group ? tc_strdup(cc->group) : NULL;
        r->position = cc->position;
        r->showcase = cc->showcase;
        r->only_show_if_degraded = cc->only_show_if_degraded;
    }
    return rows;
}

/* Make the store match @p c and adopt its rows as the engine's state. */
static int adopt_rows(tc_daemon_t *d, const tc_config_t *c)
{
    size_t n;
    tc_store_row_t *rows = rows_from_config(c, &n);
    char err[512];
    int rc = tc_store_sync_rows(d->store, rows, n, tc_clock_wall_ms(), err, sizeof err);
    if (rc) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot save components: %s", err);
        tc_store_rows_free(rows, n);
        return rc;
    }
    tc_store_rows_free(d->rows, d->nrows);
    d->rows = rows;
    d->nrows = n;
    return 0;
}

static int by_position(const void *a, const void *b)
{
    const tc_view_row_t *x = a, *y = b;
    if (x->position != y->position)
        return x->position < y->position ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Lay the rows out in display order: top-level rows by position, each group followed by its
 * children by position; groups take the worst status of their children. */
static tc_view_row_t *build_rows(const tc_daemon_t *d, size_t *n)
{
    tc_view_row_t *all = tc_calloc(d->nrows, sizeof *all);
    for (size_t i = 0; i < d->nrows; i++) {
        const tc_store_row_t *r = &d->rows[i];
        tc_view_row_t *v = &all[i];
        v->id = r->id;
        v->name = r->name;
        v->description = r->description;
        v->group_id = r->group_id;
        v->position = r->position;
        v->is_group = r->is_group;
        v->showcase = r->showcase;
        v->only_show_if_degraded = r->only_show_if_degraded;
        v->status = r->status;
        v->created_at = r->created_at;
        v->updated_at = r->updated_at;
    }
    for (size_t i = 0; i < d->nrows; i++) {
        if (!all[i].is_group)
            continue;
        all[i].status = TC_STATUS_OPERATIONAL;
        for (size_t j = 0; j < d->nrows; j++) {
            if (all[j].group_id && strcmp(all[j].group_id, all[i].id) == 0) {
                all[i].status = tc_status_worst(all[i].status, all[j].status);
                if (all[j].updated_at > all[i].updated_at)
                    all[i].updated_at = all[j].updated_at;
            }
        }
    }
    qsort(all, d->nrows, sizeof *all, by_position);
    tc_view_row_t *ordered = tc_calloc(d->nrows, sizeof *ordered);
    size_t k = 0;
    for (size_t i = 0; i < d->nrows; i++) {
        if (all[i].group_id)
            continue;
        ordered[k++] = all[i];
        if (!all[i].is_group)
            continue;
        for (size_t j = 0; j < d->nrows; j++)
            if (all[j].group_id && strcmp(all[j].group_id, all[i].id) == 0)
                ordered[k++] = all[j];
    }
    free(all);
    *n = k;
    return ordered;
}

static void render_now(tc_daemon_t *d)
{
    const tc_config_t *c = d->config;
    size_t nrows;
    tc_view_row_t *rows = build_rows(d, &nrows);
    tc_status_t *leaves = tc_calloc(nrows, sizeof *leaves);
    size_t nleaves = 0;
    int64_t updated = d->started_at;
    for (size_t i = 0; i < nrows; i++) {
        if (!rows[i].is_group)
            leaves[nleaves++] = rows[i].status;
        if (rows[i].updated_at > updated)
            updated = rows[i].updated_at;
    }
    tc_view_t view = {
        .page_id = c->page.id,
        .page_name = c->page.name,
        .page_url = c->page.url,
        .page_description = c->page.description,
        .time_zone = c->page.time_zone,
        .updated_at = updated,
        .rows = rows,
        .nrows = nrows,
        .rollup = tc_rollup(leaves, nleaves),
    };
    tc_snapshot_t *snap = tc_render(&view, ++d->generation);
    tc_http_publish(d->http, snap);
    free(leaves);
    free(rows);
    tc_log(TC_LOG_DEBUG, MODULE, "published snapshot %llu", (unsigned long long)d->generation);
}

static void on_render_timer(uv_timer_t *t)
{
    render_now(t->data);
}

/* Ask for a new snapshot; changes within the coalescing window share one render. */
static void request_render(tc_daemon_t *d)
{
    if (!uv_is_active((uv_handle_t *)&d->render_timer))
        uv_timer_start(&d->render_timer, on_render_timer, RENDER_DELAY_MS, 0);
}

static void on_heartbeat(uv_timer_t *t)
{
    tc_daemon_t *d = t->data;
    atomic_store(&d->heartbeat, tc_clock_mono_ms());
    tc_http_reap(d->http);
}

static void reload(tc_daemon_t *d)
{
    tc_config_t *next = NULL;
    char *errors = NULL;
    if (tc_config_load(d->opts->config_path, &next, &errors) != 0) {
        /* Report every error on its own line and keep the running generation. */
        char *line = errors;
        while (line && *line) {
            char *end = strchr(line, '\n');
            if (end)
                *end = '\0';
            tc_log(TC_LOG_ERROR, MODULE, "reload refused: %s", line);
            line = end ? end + 1 : NULL;
        }
        free(errors);
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return;
    }
    /* The listen address and data folder are bound at start; they need a restart. */
    const tc_config_t *cur = d->config;
    if (strcmp(next->server.host, cur->server.host) != 0 ||
        next->server.port != cur->server.port ||
        (!d->opts->data_dir && strcmp(next->storage_path, cur->storage_path) != 0))
        tc_log(TC_LOG_WARN, MODULE, "server.listen and storage.path take effect at restart");
    if (adopt_rows(d, next) != 0) {
        tc_config_free(next);
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return;
    }
    tc_config_free(d->config);
    d->config = next;
    tc_clock_use_zone(next->page.time_zone);
    tc_log(TC_LOG_INFO, MODULE, "configuration reloaded: %zu groups, %zu components",
           next->ngroups, next->ncomponents);
    request_render(d);
}

static void on_signal(uv_signal_t *s, int signum)
{
    tc_daemon_t *d = s->data;
    if (signum == SIGHUP) {
        tc_log(TC_LOG_INFO, MODULE, "SIGHUP: reloading %s", d->opts->config_path);
        reload(d);
        return;
    }
    tc_log(TC_LOG_INFO, MODULE, "signal %d: shutting down", signum);
    uv_stop(&d->loop);
}

/* Thousands of simultaneous readers need thousands of descriptors. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int tc_daemon_run(const tc_daemon_opts_t *opts)
{
    tc_daemon_t d;
    memset(&d, 0, sizeof d);
    d.opts = opts;
    d.started_at = tc_clock_wall_ms();
    int exit_code = 1;
    char err[512];

    if (load_config(opts, &d.config) != 0)
        return 2;
    tc_clock_use_zone(d.config->page.time_zone);
    raise_fd_limit();
    if (tc_store_open(d.config->storage_path, &d.store, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot open store: %s", err);
        goto out;
    }
    if (adopt_rows(&d, d.config) != 0)
        goto out;

    atomic_store(&d.heartbeat, tc_clock_mono_ms());
    tc_http_opts_t hopts = {
        .host = d.config->server.host,
        .port = d.config->server.port,
        .connection_limit = d.config->server.connection_limit,
        .per_ip_limit = d.config->server.per_ip_limit,
        .connection_timeout = d.config->server.connection_timeout,
        .heartbeat = &d.heartbeat,
    };
    if (tc_http_start(&hopts, &d.http, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        goto out;
    }
    if (uv_loop_init(&d.loop) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot create the event loop");
        goto out;
    }
    uv_timer_init(&d.loop, &d.render_timer);
    uv_timer_init(&d.loop, &d.heartbeat_timer);
    d.render_timer.data = d.heartbeat_timer.data = &d;
    uv_signal_init(&d.loop, &d.sighup);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    d.sighup.data = d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sighup, on_signal, SIGHUP);
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    uv_timer_start(&d.heartbeat_timer, on_heartbeat, HEARTBEAT_MS, HEARTBEAT_MS);

    render_now(&d);
    tc_log(TC_LOG_INFO, MODULE, "serving \"%s\" on http://%s:%d/ (data in %s, schema v%d)",
           d.config->page.name, d.config->server.host, d.config->server.port,
           d.config->storage_path, tc_store_schema_version(d.store));
    uv_run(&d.loop, UV_RUN_DEFAULT);

    /* Close every handle and let the loop run their close callbacks before freeing it. */
    uv_walk(&d.loop, close_walk, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    uv_loop_close(&d.loop);
    exit_code = 0;
out:
    tc_http_stop(d.http);
    tc_store_close(d.store);
    tc_store_rows_free(d.rows, d.nrows);
    tc_config_free(d.config);
    if (exit_code == 0)
        tc_log(TC_LOG_INFO, MODULE, "stopped");
    return exit_code;
}
