/* The engine's wiring: the one libuv loop on this thread, which owns the config generation,
 * the store handle and all domain state. It starts and stops the parts (components, view,
 * monitors, incidents, subscribers, notifications), reloads the config as a transaction on
 * SIGHUP, and answers the requests the HTTP threads queue for it (the write API through
 * api/, pushes, subscriptions). */
#include "engine/engine.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uv.h>

#include "admin/admin.h"
#include "api/api.h"
#include "config/config.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/curl_glue.h"
#include "core/dirlock.h"
#include "core/err.h"
#include "core/log.h"
#include "engine/engine_int.h"
#include "probe/probe.h"
#include "sched/sched.h"
#include "store/store.h"
#include "web/http_server.h"
#include "web/render.h"

#define MODULE "engine"

/* Load the config file and apply the command line's overrides to it, so a reload compares
 * like with like. @return 0, or TC_ECONFIG with "FILE:LINE:COL: msg" lines in *errors. */
static int load_config(const tc_engine_opts_t *opts, tc_config_t **out, char **errors)
{
    int rc = tc_config_load(opts->config_path, out, errors);
    if (rc)
        return rc;
    tc_config_t *c = *out;
    if (opts->listen) {
        char *host = NULL;
        int port = 0;
        if (tc_config_parse_listen(opts->listen, &host, &port) != 0) {
            *errors = tc_strdup("--listen must be HOST:PORT, e.g. 127.0.0.1:8080\n");
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
    char err[256];
    if (tc_config_set_node(c, opts->node, opts->location, err, sizeof err) != 0) {
        tc_buf_t b;
        tc_buf_init(&b, 0);
        tc_buf_printf(&b, "%s\n", err);
        *errors = tc_buf_steal(&b, NULL);
        tc_config_free(c);
        *out = NULL;
        return TC_ECONFIG;
    }
    return 0;
}

/* Tell systemd (when it started us with Type=notify) how the engine is doing. */
static void notify_systemd(tc_engine_t *d, tc_sdnotify_state_t state, const char *status)
{
    char err[256];
    if (tc_sdnotify_send(d->sd, state, status, err, sizeof err) != 0)
        tc_log(TC_LOG_WARN, MODULE, "%s", err);
}

/* The heartbeat proves the loop turns: /healthz reads it, and systemd's watchdog is fed from
 * here (every half interval), so a loop that stops turning gets the daemon restarted. */
static void on_heartbeat(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    int64_t now = tc_clock_mono_ms();
    atomic_store(&d->heartbeat, now);
    int64_t watchdog = tc_sdnotify_watchdog_ms(d->sd);
    if (watchdog > 0 && now - d->watchdog_sent >= watchdog / 2) {
        d->watchdog_sent = now;
        notify_systemd(d, TC_SDNOTIFY_WATCHDOG, NULL);
    }
    tc_http_reap(d->http);
    if (d->admin_http)
        tc_http_reap(d->admin_http);
}

/* Maintenance windows open and close, and recurring ones are planned, by the leader alone:
 * two nodes would each add the update. */
static void on_maintenance_timer(uv_timer_t *t)
{
    tc_engine_t *d = t->data;
    if (!d->leading)
        return;
    tc_engine__schedules_tick(d);
    tc_engine__maintenance_tick(d);
}

/* ---- what the notify worker needs (notify.h's tc_notify_ops_t) ----
 * The worker runs on this loop and reaches the store and the config only through these, so
 * notify/ never includes store.h and the store handle stays on the engine thread. The
 * store's outbox rows and the worker's messages are separate records: each layer keeps its
 * own, and this is the one place that maps between them. */

static int outbox_due(void *ctx, int64_t now, const char *const *skip, size_t nskip,
                      size_t limit, tc_notify_msg_t *out, size_t *n, char *err, size_t errlen)
{
    tc_engine_t *d = ctx;
    tc_outbox_t *rows = NULL;
    size_t nrows = 0;
    *n = 0;
    /* The leader delivers; the others' outbox rows wait for it (claims keep two nodes that
     * both believe they lead from taking one message, store.h). */
    if (!d->leading)
        return 0;
    int rc = tc_store_outbox_due(d->store, now, d->config->node.name, skip, nskip, limit, &rows,
                                 &nrows, err, errlen);
    for (size_t i = 0; rc == 0 && i < nrows && i < limit; i++) {
        tc_outbox_t *r = &rows[i];
        out[(*n)++] = (tc_notify_msg_t){
            .id = r->id,
            .target = r->target,
            .kind = r->kind,
            .url = r->url,
            .payload = r->payload,
            .expires_at = r->expires_at,
            .attempts = r->attempts,
        };
        /* The strings moved to the worker; the rest of the row is freed below. */
        r->id = r->target = r->kind = r->url = r->payload = NULL;
    }
    tc_store_outbox_free(rows, nrows);
    return rc;
}

static int outbox_mark(void *ctx, const char *id, tc_notify_state_t state, int attempts,
                       int64_t next_at, const char *error, char *err, size_t errlen)
{
    static const char *const names[] = {
        [TC_NOTIFY_PENDING] = "pending",
        [TC_NOTIFY_DELIVERED] = "delivered",
        [TC_NOTIFY_DEAD] = "dead",
    };
    tc_engine_t *d = ctx;
    return tc_store_outbox_mark(d->store, id, names[state], attempts, next_at, error, err,
                                errlen);
}

static const tc_channel_cfg_t *channel_lookup(void *ctx, const char *id)
{
    tc_engine_t *d = ctx;
    if (!id)
        id = d->config->subscribers.email_channel;
    return id ? tc_config_channel(d->config, id) : NULL;
}

static const tc_notify_ops_t notify_ops = {
    .due = outbox_due,
    .mark = outbox_mark,
    .channel = channel_lookup,
};

/* ---- requests the HTTP server hands to the engine ---- */

static void on_requests(uv_async_t *a)
{
    tc_engine_t *d = a->data;
    tc_http_request_t *req;
    while ((req = tc_http_take(d->http)) ||
           (d->admin_http && (req = tc_http_take(d->admin_http)))) {
        if (d->stopping) {
            tc_http_reply(req, 503, "{\"error\":\"shutting down; try again shortly\"}");
            continue;
        }
        if (d->config->node.probe_only) {
            tc_http_reply(req, 404, "{\"error\":\"this node only probes (node.role: probe); "
                                    "ask another node\"}");
            continue;
        }
        const char *path = tc_http_path(req);
        if (tc_http_on_demand(req))
            tc_engine__serve_page(d, req);
        else if (strncmp(path, "/api/push/", 10) == 0)
            tc_engine__handle_push(d, req);
        else if (strcmp(path, "/metrics") == 0)
            tc_engine__serve_metrics(d, req);
        else if (strncmp(path, "/admin", 6) == 0)
            tc_admin_handle(d, req);
        else
            tc_api_handle(d, req);
    }
}

static void wake_engine(void *arg)
{
    uv_async_send(arg);
}

/* server.tls's certificate, once read: say which file and when it expires. */
static void log_cert(const tc_zone_t *zone, const tc_config_t *c, const tc_http_cert_t *cert)
{
    char when[40];
    tc_clock_format_iso(zone, tc_http_cert_expires(cert), when, sizeof when);
    tc_log(tc_http_cert_expires(cert) < tc_clock_wall_ms() ? TC_LOG_WARN : TC_LOG_INFO, MODULE,
           "TLS certificate %s (expires %s)", c->server.tls.cert, when);
}

/* server.tls's certificate and key at start, read and checked now. @return 0 with *out NULL
 * without TLS, 0 with the pair, or -1 after logging why it cannot be used. */
static int load_cert(const tc_engine_t *d, const tc_config_t *c, tc_http_cert_t **out)
{
    char err[1024];
    *out = NULL;
    if (!c->server.tls.cert)
        return 0;
    if (tc_http_cert_load(c->server.tls.cert, c->server.tls.key, out, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "server.tls: %s", err);
        return -1;
    }
    log_cert(d->zone, c, *out);
    return 0;
}

/* What is bound at start and needs a restart to change. */
static int bound_at_start_changed(const tc_config_t *cur, const tc_config_t *next)
{
    const char *rc = cur->server.tls.redirect_host, *rn = next->server.tls.redirect_host;
    return strcmp(next->server.host, cur->server.host) != 0 ||
           next->server.port != cur->server.port ||
           strcmp(next->storage_path, cur->storage_path) != 0 ||
           !next->storage_dsn != !cur->storage_dsn ||
           (next->storage_dsn && strcmp(next->storage_dsn, cur->storage_dsn) != 0) ||
           strcmp(next->node.name, cur->node.name) != 0 ||
           strcmp(next->node.location, cur->node.location) != 0 ||
           next->node.probe_only != cur->node.probe_only ||
           !next->server.tls.cert != !cur->server.tls.cert || !rc != !rn ||
           (rc && (strcmp(rc, rn) != 0 ||
                   cur->server.tls.redirect_port != next->server.tls.redirect_port));
}

/* What a reload reads off the engine thread: the config, its zone (tzdata as it is now) and
 * server.tls's pair (so a renewed certificate at the same path is picked up). With 10,000
 * monitors, parsing was most of the engine's stall. */
typedef struct reload_job {
    const tc_engine_opts_t *opts;
    int64_t read_ms;
    tc_config_t *next;
    char *errors;        /* the config's errors, one a line */
    int rc;              /* load_config()'s */
    tc_zone_t *zone;
    tc_http_cert_t *cert;
    char refused[1024];  /* why the zone or the pair cannot be used, or "" */
} reload_job_t;

static void reload_read(void *arg)
{
    reload_job_t *j = arg;
    int64_t t0 = tc_clock_mono_ms();
    j->rc = load_config(j->opts, &j->next, &j->errors);
    if (j->rc == 0 &&
        tc_zone_load(j->next->page.time_zone, &j->zone, j->refused, sizeof j->refused) == 0 &&
        j->next->server.tls.cert) {
        char err[sizeof j->refused - 16];
        if (tc_http_cert_load(j->next->server.tls.cert, j->next->server.tls.key, &j->cert, err,
                              sizeof err) != 0)
            snprintf(j->refused, sizeof j->refused, "server.tls: %s", err);
    }
    j->read_ms = tc_clock_mono_ms() - t0;
}

static void reload_job_free(reload_job_t *j)
{
    tc_config_free(j->next);
    free(j->errors);
    tc_zone_free(j->zone);
    tc_http_cert_free(j->cert);
    free(j);
}

static void start_reload(tc_engine_t *d);

static void free_generation(void *arg)
{
    tc_config_free(arg);
}

static void generation_freed(tc_engine_t *d, void *arg)
{
    (void)d;
    (void)arg;
}

/* The engine's part of a reload: swap generations. Takes what @p j holds that it uses.
 * @return 0 when the new generation runs, -1 when the running one stays. */
static int apply_config(tc_engine_t *d, reload_job_t *j)
{
    int64_t t0 = tc_clock_mono_ms();
    if (j->rc != 0) {
        /* Report every error on its own line and keep the running generation. */
        char *line = j->errors;
        while (line && *line) {
            char *end = strchr(line, '\n');
            if (end)
                *end = '\0';
            tc_log(TC_LOG_ERROR, MODULE, "reload refused: %s", line);
            line = end ? end + 1 : NULL;
        }
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return -1;
    }
    /* The zone belongs to the generation: loaded before the swap, so a failure keeps the
     * running generation whole. */
    if (j->refused[0]) {
        tc_log(TC_LOG_ERROR, MODULE, "reload refused: %s", j->refused);
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return -1;
    }
    tc_config_t *next = j->next;
    if (j->cert)
        log_cert(j->zone, next, j->cert);
    /* The listen addresses, TLS on or off and the data folder are bound at start. */
    if (bound_at_start_changed(d->config, next))
        tc_log(TC_LOG_WARN, MODULE, "server.listen, server.tls (on or off, redirect_from), "
                                    "storage.path, storage.postgres and node take effect at restart");
    if (tc_engine__adopt_rows(d, next) != 0) {
        tc_log(TC_LOG_WARN, MODULE, "keeping the running configuration");
        return -1;
    }
    /* The old slots (and their threshold state) go to the new generation's monitors. */
    mon_slot_t *old = d->monitors;
    size_t nold = d->nmonitors;
    d->monitors = NULL;
    d->nmonitors = 0;
    d->monitor_epoch++;
    int64_t *old_due = tc_calloc(nold ? nold : 1, sizeof *old_due);
    tc_sched_dues(d->sched, old_due, nold);
    tc_sched_clear(d->sched);
    /* A run in flight points into the old generation, which is freed below: it is stopped,
     * and an unchanged monitor runs again at once. */
    int64_t now = tc_clock_mono_ms();
    for (size_t i = 0; i < nold; i++) {
        if (old[i].run) {
            old_due[i] = now;
            tc_probe_cancel(old[i].run);
        }
    }
    tc_engine__flush_results(d);
    tc_engine__start_monitors(d, next, old, nold, old_due);
    tc_engine__index_feeds(d);
    free(old_due);
    d->view_valid = false; /* it points into the old generation */
    /* Nothing points into the old generation any more. Freeing 10,000 monitors' configs
     * took a third of the engine's part of a reload: a worker does it. */
    tc_engine_in_background(d, free_generation, generation_freed, d->config);
    d->config = next;
    j->next = NULL;
    tc_render_state_eager(d->render_state, next->export_.dir != NULL);
    tc_engine__vantage_recount(d);
    /* New handshakes get the certificate as the files are now; open connections carry on. */
    if (j->cert)
        tc_http_use_cert(d->http, j->cert);
    j->cert = NULL;
    tc_zone_free(d->zone);
    d->zone = j->zone;
    j->zone = NULL;
    tc_notify_allow_private(d->notify, next->subscribers.allow_private_webhooks);
    /* Incidents may have been imported by `tocsin import` while we ran; reading them all again
     * otherwise (seconds for 10,000) would also give each a new version, so every page about
     * them would be made again. */
    bool changed = true;
    char serr[256];
    if (tc_store_changed_elsewhere(d->store, &changed, serr, sizeof serr) != 0)
        tc_log(TC_LOG_WARN, MODULE, "%s; reading the incidents again", serr);
    if (changed)
        tc_engine__load_incidents(d);
    tc_engine__schedules_load(d);
    tc_engine__derive_components(d);
    tc_log(TC_LOG_INFO, MODULE,
           "configuration reloaded: %zu groups, %zu components, %zu monitors (read in %lld ms "
           "on a worker, applied in %lld ms)",
           next->ngroups, next->ncomponents, next->nmonitors, (long long)j->read_ms,
           (long long)(tc_clock_mono_ms() - t0));
    tc_engine__request_render(d);
    return 0;
}

static void reload_apply(tc_engine_t *d, void *arg)
{
    reload_job_t *j = arg;
    d->reloading = false;
    if (!d->stopping) {
        if (apply_config(d, j) == 0)
            notify_systemd(d, TC_SDNOTIFY_READY, "configuration reloaded");
        else
            notify_systemd(d, TC_SDNOTIFY_READY, "reload refused (see the log); running "
                                                 "the previous configuration");
        if (d->reload_again)
            start_reload(d);
    }
    reload_job_free(j);
}

/* One reload at a time: a SIGHUP during one asks for another after it, which reads the
 * file as it is then. */
static void start_reload(tc_engine_t *d)
{
    if (d->reloading) {
        d->reload_again = true;
        return;
    }
    d->reloading = true;
    d->reload_again = false;
    notify_systemd(d, TC_SDNOTIFY_RELOADING, "reloading the configuration");
    reload_job_t *j = tc_calloc(1, sizeof *j);
    j->opts = d->opts;
    tc_engine_in_background(d, reload_read, reload_apply, j);
}

static void on_signal(uv_signal_t *s, int signum)
{
    tc_engine_t *d = s->data;
    if (signum == SIGHUP) {
        tc_log(TC_LOG_INFO, MODULE, "SIGHUP: reloading %s", d->opts->config_path);
        start_reload(d);
        return;
    }
    tc_log(TC_LOG_INFO, MODULE, "signal %d: shutting down", signum);
    notify_systemd(d, TC_SDNOTIFY_STOPPING, "shutting down");
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

/* Stop the monitors and the notify worker and free what they ran on, while the loop still
 * runs to close their handles. */
static void stop_parts(tc_engine_t *d)
{
    tc_engine__cluster_stopping(d);
    uv_timer_stop(&d->refresh_timer);
    uv_timer_stop(&d->maintenance_timer);
    uv_timer_stop(&d->rollup_timer);
    uv_timer_stop(&d->rollup_step);
    uv_timer_stop(&d->checkpoint_timer);
    tc_engine__stop_monitors(d);
    tc_engine__vantage_stop(d);
    tc_engine__confirm_stop(d);
    tc_notify_free(d->notify);
    d->notify = NULL;
    /* Cancelled runs close their handles asynchronously; let them report before every
     * remaining handle is closed (bounded, in case one never does). */
    int64_t give_up = tc_clock_mono_ms() + 5000;
    while (d->in_flight > 0 && tc_clock_mono_ms() < give_up)
        uv_run(&d->loop, UV_RUN_ONCE);
    /* Background jobs answer suspended requests, which must be answered before the HTTP
     * server stops; they take a fraction of a second each. */
    while (d->background > 0)
        uv_run(&d->loop, UV_RUN_ONCE);
    tc_sched_free(d->sched);
    d->sched = NULL;
    tc_curl_free(d->curl);
    d->curl = NULL;
}

int tc_engine_run(const tc_engine_opts_t *opts)
{
    tc_engine_t d;
    memset(&d, 0, sizeof d);
    d.lock_fd = -1;
    d.opts = opts;
    d.started_at = tc_clock_wall_ms();
    int exit_code = 1;
    int loop_ready = 0;
    char err[512];

    char *errors = NULL;
    if (load_config(opts, &d.config, &errors) != 0) {
        /* Printed as they are, one per line, like a compiler's, for the user fixing it. */
        fputs(errors, stderr);
        free(errors);
        return 2;
    }
    d.render_state = tc_render_state_new(); /* freed on every path below, at out: */
    /* A static export needs every page; a served page makes older ones when asked for. */
    tc_render_state_eager(d.render_state, opts->export_to || d.config->export_.dir);
    /* Before any thread starts: loading sets TZ for a moment (core/clock.h). */
    if (tc_zone_load(d.config->page.time_zone, &d.zone, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        goto out;
    }
    /* Before any thread starts: it clears systemd's variables from the environment. */
    if (tc_sdnotify_open(&d.sd, err, sizeof err) != 0)
        tc_log(TC_LOG_ERROR, MODULE, "systemd notifications are off: %s", err);
    raise_fd_limit();
    if (tc_dir_lock(d.config->storage_path, &d.lock_fd, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        goto out;
    }
    if (tc_store_open(d.config->storage_path, d.config->storage_dsn, &d.store, err,
                      sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot open store: %s", err);
        goto out;
    }
    /* The store's checkpoints run on a worker (checkpoint_timer below), not in a commit. */
    if (tc_store_defer_checkpoints(d.store, err, sizeof err) != 0)
        tc_log(TC_LOG_WARN, MODULE, "%s; the store checkpoints as it commits", err);
    /* PostgreSQL: result batches go through a writer thread with its own connection. */
    if (d.config->storage_dsn &&
        tc_store_writer_start(d.config->storage_path, d.config->storage_dsn, RESULTS_QUEUED,
                              &d.writer, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot start the results writer: %s", err);
        goto out;
    }
    if (tc_engine__subscribers_init(&d) != 0 || tc_engine__adopt_rows(&d, d.config) != 0 ||
        tc_engine__load_incidents(&d) != 0 || tc_engine__schedules_load(&d) != 0)
        goto out;

    if (uv_loop_init(&d.loop) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "cannot create the event loop");
        goto out;
    }
    loop_ready = 1;
    uv_async_init(&d.loop, &d.requests, on_requests);
    d.requests.data = &d;
    /* Handlers before the port opens: a client that saw the page may send SIGHUP at once,
     * and its default action would end the process. libuv queues the signal until the loop
     * runs. */
    uv_signal_init(&d.loop, &d.sighup);
    uv_signal_init(&d.loop, &d.sigterm);
    uv_signal_init(&d.loop, &d.sigint);
    d.sighup.data = d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sighup, on_signal, SIGHUP);
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_signal, SIGINT);
    atomic_store(&d.heartbeat, tc_clock_mono_ms());
    tc_http_opts_t hopts = {
        .host = d.config->server.host,
        .port = d.config->server.port,
        .connection_limit = d.config->server.connection_limit,
        .per_ip_limit = d.config->server.per_ip_limit,
        .connection_timeout = d.config->server.connection_timeout,
        .header_timeout = d.config->server.header_timeout,
        .body_timeout = d.config->server.body_timeout,
        .trusted_proxies = (const char *const *)d.config->server.trusted_proxies,
        .trusted_proxy_header = d.config->server.trusted_proxy_header,
        .heartbeat = &d.heartbeat,
        .wake = wake_engine,
        .wake_arg = &d.requests,
        .console = d.config->admin.host ? TC_HTTP_CONSOLE_NONE : TC_HTTP_CONSOLE_ALSO,
    };
    uv_timer_init(&d.loop, &d.render_timer);
    uv_timer_init(&d.loop, &d.heartbeat_timer);
    d.render_timer.data = d.heartbeat_timer.data = &d;
    /* A short systemd watchdog needs a faster beat to be fed every half interval. */
    int64_t beat = HEARTBEAT_MS, watchdog = tc_sdnotify_watchdog_ms(d.sd);
    if (watchdog > 0 && watchdog / 4 < beat)
        beat = watchdog >= 4 ? watchdog / 4 : 1;
    uv_timer_start(&d.heartbeat_timer, on_heartbeat, (uint64_t)beat, (uint64_t)beat);
    uv_timer_init(&d.loop, &d.flush_timer);
    uv_timer_init(&d.loop, &d.refresh_timer);
    uv_timer_init(&d.loop, &d.rollup_timer);
    uv_timer_init(&d.loop, &d.rollup_step);
    d.flush_timer.data = d.refresh_timer.data = d.rollup_timer.data = d.rollup_step.data = &d;
    uv_timer_start(&d.rollup_timer, tc_engine__on_rollup_timer, 0, ROLLUP_MS);
    uv_timer_init(&d.loop, &d.maintenance_timer);
    d.maintenance_timer.data = &d;
    uv_timer_start(&d.maintenance_timer, on_maintenance_timer, 0, MAINTENANCE_MS);
    uv_timer_start(&d.flush_timer, tc_engine__on_flush_timer, FLUSH_MS, FLUSH_MS);
    uv_timer_start(&d.refresh_timer, tc_engine__on_refresh_timer, REFRESH_MS, REFRESH_MS);
    uv_timer_init(&d.loop, &d.checkpoint_timer);
    d.checkpoint_timer.data = &d;
    uv_timer_start(&d.checkpoint_timer, tc_engine__on_checkpoint_timer, CHECKPOINT_MS,
                   CHECKPOINT_MS);

    /* Monitors before the port opens: their slots pick up threshold state and response
     * times from the store, so the first page already shows them. Their first runs wait for
     * the loop. */
    d.curl = tc_curl_new(&d.loop);
    d.sched = tc_sched_new(&d.loop, tc_engine__on_due, &d);
    d.probe_env.loop = &d.loop;
    d.probe_env.curl = d.curl;
    d.probe_env.push_state = tc_engine__push_state;
    d.probe_env.push_ctx = &d;
    d.probe_env.fill_window = tc_engine__fill_window;
    tc_probe_user_agent(d.config->node.location, d.user_agent, sizeof d.user_agent);
    d.probe_env.user_agent = d.user_agent;
    d.notify = tc_notify_new(&d.loop, d.curl, &notify_ops, &d);
    tc_notify_allow_private(d.notify, d.config->subscribers.allow_private_webhooks);
    tc_engine__start_monitors(&d, d.config, NULL, 0, NULL);
    tc_engine__vantage_recount(&d);
    tc_engine__index_feeds(&d);
    if (tc_engine__cluster_start(&d) != 0) {
        stop_parts(&d);
        goto out;
    }
    tc_engine__derive_components(&d);

    if (opts->export_to) {
        /* `tocsin export`: the page as the store has it (monitor states as last stored). */
        tc_snapshot_t *snap = tc_engine__build_snapshot(&d);
        int rc = tc_engine__mirror_now(&d, snap, opts->export_to);
        tc_snapshot_release(snap);
        stop_parts(&d);
        exit_code = rc ? 1 : 0;
        goto out;
    }
    if (load_cert(&d, d.config, &hopts.cert) != 0) {
        stop_parts(&d);
        goto out;
    }
    hopts.hsts_seconds = d.config->server.tls.hsts_ms / 1000;
    hopts.redirect_host = d.config->server.tls.redirect_host;
    hopts.redirect_port = d.config->server.tls.redirect_port;
    const char *scheme = hopts.cert ? "https" : "http";
    /* The first snapshot is ready before the port opens, so no reader ever gets a 503. */
    tc_snapshot_t *first = NULL;
    if (d.config->node.probe_only) {
        /* A probe serves /healthz and /metrics only: its page would be another node's. */
        first = tc_snapshot_new(0);
        tc_snapshot_seal(first);
    } else {
        first = tc_engine__build_snapshot(&d);
        tc_engine__mirror(&d, first);
    }
    if (tc_http_start(&hopts, first, &d.http, err, sizeof err) != 0) {
        tc_log(TC_LOG_ERROR, MODULE, "%s", err);
        stop_parts(&d);
        goto out;
    }
    tc_engine__cluster_serving(&d);

    if (d.config->admin.host) {
        /* The console on its own address: same engine, same limits, nothing else served. */
        tc_http_opts_t aopts = hopts;
        aopts.host = d.config->admin.host;
        aopts.port = d.config->admin.port;
        aopts.console = TC_HTTP_CONSOLE_ONLY;
        /* Plain HTTP: an address of its own is meant for loopback or an internal network. */
        aopts.cert = NULL;
        aopts.redirect_host = NULL;
        if (tc_http_start(&aopts, tc_render_console_only(0), &d.admin_http, err, sizeof err) !=
            0) {
            tc_log(TC_LOG_ERROR, MODULE, "console: %s", err);
            stop_parts(&d);
            goto out;
        }
        tc_log(TC_LOG_INFO, MODULE, "console on http://%s:%d/admin/ (not on the page's port)",
               d.config->admin.host, d.config->admin.port);
    }
    if (hopts.redirect_host)
        tc_log(TC_LOG_INFO, MODULE, "http://%s:%d/ redirects to https", hopts.redirect_host,
               hopts.redirect_port);
    tc_log(TC_LOG_INFO, MODULE,
           "serving \"%s\" on %s://%s:%d/ (%zu monitors, data in %s, %s store schema v%d)",
           d.config->page.name, scheme, d.config->server.host, d.config->server.port,
           d.config->nmonitors, d.config->storage_path, tc_store_kind(d.store),
           tc_store_schema_version(d.store));
    /* Ready only now: the first snapshot is published and every port is bound. */
    char status[512];
    snprintf(status, sizeof status, "serving \"%s\" on %s://%s:%d/ (%zu monitors)",
             d.config->page.name, scheme, d.config->server.host, d.config->server.port,
             d.config->nmonitors);
    notify_systemd(&d, TC_SDNOTIFY_READY, status);
    uv_run(&d.loop, UV_RUN_DEFAULT);

    /* From here on, requests that reach the engine are refused: the notify worker and the
     * monitors are going away while the loop still runs to close their handles. */
    d.stopping = 1;
    stop_parts(&d);
    exit_code = 0;
out:
    /* The HTTP threads and the link wake the loop; stop them before the loop's handles go. */
    tc_http_stop(d.admin_http);
    tc_http_stop(d.http);
    tc_engine__cluster_stop(&d);
    if (loop_ready) {
        /* Close every handle and let the loop run their close callbacks before freeing it. */
        uv_walk(&d.loop, close_walk, NULL);
        uv_run(&d.loop, UV_RUN_DEFAULT);
        uv_loop_close(&d.loop);
    }
    /* After stop_parts()'s last flush: what is queued is saved, within a few seconds. */
    tc_store_writer_stop(d.writer, 5000);
    tc_store_close(d.store);
    tc_dir_unlock(d.lock_fd);
    tc_store_rows_free(d.rows, d.nrows);
    free(d.pending);
    free(d.feed_start);
    free(d.feed_slots);
    free(d.pending_reasons);
    tc_engine__free_incidents(&d);
    tc_engine__accounts_free(&d);
    tc_engine__schedules_free(&d);
    tc_render_state_free(d.render_state);
    tc_engine__uptime_logs_free(&d);
    tc_engine__view_free(&d);
    tc_engine__vantage_free(&d);
    tc_engine__subscribers_free(&d);
    tc_config_free(d.config);
    tc_zone_free(d.zone);
    tc_sdnotify_close(d.sd);
    if (exit_code == 0)
        tc_log(TC_LOG_INFO, MODULE, "stopped");
    return exit_code;
}
