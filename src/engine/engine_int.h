/* The engine's state, shared by the files that make up the engine thread (src/engine/):
 * engine.c (wiring, reload, requests), monitors.c (probe runs and results), cluster.c
 * (several nodes: leading, location states, reloading the others' changes), confirm.c (a
 * failing decision confirmed by fresh runs before it alerts), vantage.c (probe
 * self-health: the node's own network before its monitors' failures count), alerts.c (alerts
 * and the incident policy), schedules.c (recurring maintenance), incidents.c (incident commands, maintenance, automatic
 * incidents), components.c (status derivation and what follows a change), subscribers.c
 * (subscription commands and messages), view.c (the view and its snapshots), mirror.c (the
 * static mirror), rows.c
 * (component rows), accounts.c (the console's users, sessions, audit log) and ids.c. Each calls only the files after it in this list, so the calls
 * between them never go round in a circle. Nothing outside src/engine/ includes this
 * header. */
#ifndef TC_ENGINE_INT_H
#define TC_ENGINE_INT_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "core/curl_glue.h"
#include "core/sdnotify.h"
#include "engine/command.h"
#include "engine/confirm_msg.h"
#include "engine/engine.h"
#include "incident/incident.h"
#include "incident/incident_policy.h"
#include "status/status.h"
#include "status/tracker.h"
#include "notify/notify.h"
#include "probe/probe.h"
#include "sched/sched.h"
#include "store/store.h"
#include "store/store_cluster.h"
#include "store/store_writer.h"
#include "web/http_server.h"
#include "web/render.h"
#include "web/snapshot.h"
#include "web/view.h"

#define RENDER_DELAY_MS 20  /* coalescing window for snapshot renders */
#define HEARTBEAT_MS 1000   /* /healthz reads this heartbeat */
#define FLUSH_MS 1000       /* results are written to the store in batches this often */
#define METRICS_FRESH_MS 1000 /* /metrics rebuilds the monitor figures at most this often */
#define MAX_IN_FLIGHT 4096  /* probes running at once; more are skipped and counted */
#define LAG_WINDOW 4096     /* schedule lags kept for the /metrics quantiles */
#define ROLLUP_MS 300000    /* aggregation and pruning of stored results */
#define CHECKPOINT_MS 5000  /* the store's write-ahead log into its file, on a worker */
#define RESULTS_QUEUED 200000 /* results the writer holds while PostgreSQL is slow or away */
#define CHANGED_MAX 16      /* incidents changed between two renders followed one by one */
#define UPTIME_DAYS 90      /* daily bars on the page */
#define UPTIME_MONTHS 12    /* months in the uptime report (/uptime), the current one included */
#define UPTIME_REPORT_REFRESH_MS 60000 /* the report's figures are at most this old */
#define RECENT 60           /* response times kept per monitor for the page's sparkline */
#define REFRESH_MS 30000   /* re-render for new response times (sparklines) this often */
#define MAINTENANCE_MS 10000 /* how often maintenance windows are checked */
#define REMIND_PRIOR_MS 3600000 /* maintenance reminders go out this long before the start */
#define MAX_REMINDED 8      /* alert rules per monitor that can send reminders */

/* The engine's view of one configured monitor. */
typedef struct mon_slot {
    struct ticket *ticket;        /* the run in flight's, or NULL; borrowed (owned by the run) */
    const tc_monitor_cfg_t *cfg;  /* borrowed from the current config generation */
    const tc_monitor_rules_t *rules; /* cfg's components, incident and alert rules; borrowed */
    tc_monitor_tracker_t tracker;  /* this node's runs: its location's state (tracker.state) */
    tc_monitor_state_t state;     /* the monitor's state, which components and alerts follow:
                                     the tracker's with one node, the leader's decision across
                                     locations with several (cluster.c) */
    char failing_from[160];       /* while regional: the locations failing, "west,south" */
    tc_window_t window;           /* the last runs the tracker reads; storage: samples */
    tc_run_sample_t *samples;     /* owned; max(cfg->window, TC_FLAP_RUNS) runs */
    tc_probe_run_t *run;          /* the run in flight, or NULL */
    struct retry *retry;          /* the re-check waiting to start, or NULL (monitors.c) */
    int attempt;                  /* re-checks made of the current run so far */
    char first_failure[256];      /* why the current run's first attempt failed */
    char last_failure_words[256]; /* the last failed run, in words people read */
    unsigned long checks[3];      /* by verdict: up, degraded, down */
    unsigned long skipped;        /* due while the previous run was still going */
    unsigned long retried;        /* re-checks made */
    unsigned long recovered;      /* runs that failed and passed on a re-check */
    unsigned long pending_runs;   /* runs that had nothing to judge yet (push) */
    double last_ms;               /* latency of the last run */
    int64_t last_at;              /* wall ms of the last run, 0 before the first */
    char last_reason[512];
    int64_t last_failure_at;      /* wall ms of the last run that was not up, 0 before one */
    char last_failure[512];       /* its reason */
    bool paused;                  /* a person paused it: not scheduled, feeds nothing */
    int64_t paused_at;            /* wall ms */
    char paused_by[80];           /* "user:NAME" */
    tc_push_state_t push;         /* what a push monitor heard */
    double recent[RECENT];        /* ring of the last response times, ms */
    size_t nrecent;               /* runs recorded in the ring (may exceed RECENT) */
    int64_t alerted_at[MAX_REMINDED]; /* per alert rule: when its channel was last told */
    signed char vote;             /* vantage.c: the latest run's say on the node's own
                                     network: 0 none, 1 passed, 2 failed */
    /* A failing decision's confirmation (confirm.c; the leader's side, then this node's). */
    char confirming[160];         /* while one waits: the locations asked, "east, west" */
    bool confirm_pass;            /* just confirmed: the next decision into it goes ahead */
    int64_t confirm_quiet_until;  /* monotonic ms: a failure not confirmed waits till then */
    int64_t confirm_asked;        /* the question this node's next run answers; 0: none */
} mon_slot_t;

/* What an automatic incident says about a monitor's state, in words people read (titles
 * and bodies on the page, feeds, the API, subscriber messages); see probe_words.c. */
typedef struct auto_words {
    const char *problem; /* "failing", "slow", "degraded", "unstable" ({{problem}}) */
    const char *summary; /* what shows it: "HTTP 503 from /health (expected 200)" ({{reason}}) */
    const char *exact;   /* the exact failed condition or error ({{condition}}) */
} auto_words_t;

/* What a monitor's state change rests on, for its alerts and its automatic incident: made
 * from this node's last run (monitors.c) or, when a leader decides from other locations, from
 * what their nodes stored with their states (cluster.c). Strings borrowed for the call. */
typedef struct change_facts {
    const char *why;          /* exact, for on-call alerts: the failed condition, a failure
                                 share, flapping */
    const char *problem;      /* words people read: "failing", "slow", ... ({{problem}}) */
    const char *summary;      /* "HTTP 503 from /health (expected 200)" ({{reason}}) */
    int status_code;          /* of the run behind it, 0 when none */
    double response_ms;
} change_facts_t;

/* A console request waiting for a run's result ("check now"). */
typedef struct check_waiter {
    tc_engine_check_fn done;
    void *arg;
    struct check_waiter *next;
} check_waiter_t;

/* Passed through a probe run so its result finds its slot, unless the config changed. */
typedef struct ticket {
    struct tc_engine *d;
    size_t slot;
    uint64_t epoch;
    int64_t due, started;         /* monotonic ms: when the run was planned (0: not a scheduled
                                     run) and when it started */
    check_waiter_t *waiters;      /* owned; told when the run ends, however it ends */
} ticket_t;

/* One component's status log over the uptime report's months (which hold the page's 90
 * days), kept between renders: it changes only when a status changes (status_changes moves)
 * or a month begins (the window's first midnight moves), so a render reads the store for no
 * other reason. */
typedef struct uptime_log {
    char *row_id;                 /* owned */
    int64_t from;                 /* the window's first midnight it was read for */
    uint64_t status_changes;      /* the engine's count of status changes when it was read */
    tc_status_change_t *log;      /* owned */
    size_t nlog;
    tc_uptime_day_t months[UPTIME_MONTHS]; /* the report's months from it, as of uptime_at */
} uptime_log_t;

struct tc_engine {
    uv_loop_t loop;
    uv_signal_t sighup, sigterm, sigint;
    uv_timer_t heartbeat_timer, render_timer;
    _Atomic int64_t heartbeat;  /* monotonic ms, read by HTTP threads */
    tc_sdnotify_t *sd;          /* owned; systemd notifications, NULL outside systemd */
    int64_t watchdog_sent;      /* monotonic ms of the last WATCHDOG=1 */
    const tc_engine_opts_t *opts;
    tc_config_t *config;        /* owned; the current generation */
    tc_zone_t *zone;            /* owned; config->page.time_zone, loaded with the generation */
    tc_store_t *store;          /* owned */
    tc_store_writer_t *writer;  /* owned; PostgreSQL only: writes result batches off the loop */
    tc_store_link_t *link;      /* owned; PostgreSQL only: the link to the other nodes */
    struct tc_cluster *cluster; /* owned; cluster.c's state; NULL without a link */
    bool leading;               /* this node decides monitor states, alerts, incidents,
                                   maintenance, rollups and delivers the outbox: always with
                                   one node (SQLite), the lock's holder with several */
    bool announce;              /* a change to tell the other nodes about at the next render */
    char user_agent[160];       /* what probes send (probe.h) */
    int lock_fd;                /* owned: DATA/tocsin.lock, held while serving (dirlock.h) */
    tc_http_t *http;            /* owned */
    tc_http_t *admin_http;      /* owned; the console's own server (admin.listen), or NULL */
    tc_store_row_t *rows;       /* owned; groups then components, as configured */
    size_t nrows;
    uint64_t generation;        /* of the last published snapshot */
    tc_render_state_t *render_state; /* owned; what the next render can share (render.h) */
    uptime_log_t *uptime_logs;  /* owned; per showcased row, as of the last render (view.c) */
    int64_t uptime_at;          /* wall ms the logs' months were computed for (view.c) */
    uint64_t status_changes;    /* bumped by every stored status change and row adoption */
    /* The view of the current state, built on first use after a change (view.c). Every
     * change to what it shows (rows, incidents, the config) clears view_valid, as a plain
     * store so that the bottom files need not call up. */
    tc_view_t view;             /* owned arrays (rows, incidents) while view_built */
    bool view_built, view_valid;
    /* Bumped when an incident is added or removed; the view's order of the incidents is kept
     * while it is the same (view.c), so a write checks the order instead of sorting. */
    uint64_t incident_set, view_incident_set;
    /* The incidents by id (incidents.c): indexes into incidents, made again when the set
     * changed, so a command finds its incident without comparing every id. */
    struct incident_slot {
        uint64_t hash;          /* 0: empty */
        size_t index;
    } *incident_index;          /* owned; open addressing */
    size_t incident_index_cap;  /* a power of two, or 0 */
    uint64_t incident_index_set;/* the incident_set it was made for */
    size_t nuptime_logs;
    int64_t started_at;         /* wall ms */
    /* Monitoring. */
    tc_curl_t *curl;            /* owned */
    tc_sched_t *sched;          /* owned */
    tc_probe_env_t probe_env;
    mon_slot_t *monitors;       /* owned; one per config monitor */
    size_t nmonitors;
    uint64_t monitor_epoch;     /* bumped when monitors are rebuilt; stale results are dropped */
    int in_flight;
    struct retry *retries;      /* owned; re-checks waiting for their timer (monitors.c) */
    struct confirm_wait *confirm_waits; /* owned; confirmations the leader waits for (confirm.c) */
    int64_t confirm_seq;        /* the last confirmation question's id */
    unsigned long confirmations[3]; /* by tc_confirm_outcome_t, for /metrics */
    struct vantage *vantage;    /* owned; probe self-health (vantage.c), made by the first
                                   tc_engine__vantage_recount() */
    int background;             /* tc_engine_in_background() jobs not yet done */
    bool mirror_busy;           /* an export is being written (mirror.c) */
    bool mirror_stale;          /* a snapshot came meanwhile: export again after it */
    unsigned long mirror_failures;
    uv_timer_t flush_timer, refresh_timer, rollup_timer;
    uv_timer_t rollup_step;     /* runs the slices of a rollup pass */
    uv_timer_t checkpoint_timer; /* moves the store's write-ahead log into its file */
    bool checkpointing;         /* a checkpoint is running on a worker */
    int64_t rollup_now;         /* wall ms the running pass aggregates up to */
    int64_t rollup_cursor;      /* last monitor key the running pass finished */
    unsigned long rollup_passes; /* completed passes, for /metrics */
    int64_t rollup_slice_max_us; /* the longest tc_store_rollup() call so far, for /metrics */
    uv_async_t requests;        /* woken by HTTP threads when a request waits for us */
    tc_store_result_t *pending; /* results not yet written; ids borrowed from the config */
    char **pending_reasons;     /* owned copies of the reasons */
    size_t npending, cap_pending;
    int64_t lags[LAG_WINDOW];   /* ring of recent schedule lags, ms */
    size_t nlags;
    int fresh_results;          /* results arrived since the last render */
    int64_t metrics_mono;       /* when the monitor figures of /metrics were last built */
    /* Incidents and maintenances. */
    tc_incident_t **incidents;  /* owned; in creation order */
    size_t nincidents;
    uint64_t next_seq;          /* numeric id of the next incident */
    uint64_t incident_versions; /* the last version given to an incident (incident.h) */
    /* shortlist.c: the incidents not closed and every maintenance (in creation order, but
     * one that opens again goes last), the latest updated_at of all, and the incidents
     * added or changed since the last render (SIZE_MAX: not known, or too many). */
    tc_incident_t **shortlist;  /* owned array; the incidents are incidents' */
    size_t nshortlist, shortlist_cap;
    int64_t incidents_updated_at;
    const tc_incident_t *changed[CHANGED_MAX];
    size_t nchanged;
    uv_timer_t maintenance_timer;
    tc_notify_t *notify;        /* owned; the outbox delivery worker (NULL once stopped) */
    int stopping;               /* shutting down: engine requests get 503 */
    size_t *feed_start;         /* owned; per row, where its monitors start in feed_slots */
    size_t *feed_slots;         /* owned; monitor slot indexes grouped by the row they feed */
    struct tc_sub_state *subs;  /* owned; subscribers.c's signing key and rate limiter */
    tc_schedule_t *schedules;   /* owned; recurring maintenance windows, by id */
    size_t nschedules;
    struct tc_login_limits *logins; /* owned; accounts.c's login rate limits, made on first use */
    bool reloading;             /* a SIGHUP's config is being read on a worker (engine.c) */
    bool reload_again;          /* another SIGHUP came meanwhile */
    bool quiet;                 /* an update with deliver_notifications: false is being
                                   committed: component changes tell no subscriber */
};

typedef struct tc_engine tc_engine_t;

/** A new random 12-character id (incidents, updates, messages, subscribers). */
void tc_engine__new_id(char out[13]);

/** Ask for a new snapshot (coalesced) after a change this node made and committed: with
 *  several nodes, the others are told once it is rendered (view.c). */
void tc_engine__request_render(tc_engine_t *d);
/** Ask for a new snapshot of what the clock, the results or another node changed (the
 *  others are not told). */
void tc_engine__refresh_render(tc_engine_t *d);
/** Recompute component statuses (person > incidents > maintenance > monitors) and store and
 *  render what changed. */
void tc_engine__derive_components(tc_engine_t *d);
/* ---- rows.c (calls no other engine file) ---- */

/** Take the rows of config generation @p c, keeping stored statuses and overrides.
 *  @return 0 or TC_ESTORE (the running rows are then unchanged). */
int tc_engine__adopt_rows(tc_engine_t *d, const tc_config_t *c);
/** Rebuild the index of which monitor slots feed which row (after monitors change). */
void tc_engine__index_feeds(tc_engine_t *d);

/* ---- shortlist.c (calls no other engine file) ---- */

/** Make the short list, the latest change and the changed set from every incident (after
 *  they were loaded, one was deleted, or all freed). */
void tc_engine__shortlist_rebuild(tc_engine_t *d);
/** Incident @p inc was added or changed (its status, times or anything shown). */
void tc_engine__shortlist_note(tc_engine_t *d, tc_incident_t *inc);
void tc_engine__shortlist_free(tc_engine_t *d);
/** The open incidents and maintenances as the status rules see them (status.h); the arrays
 *  point into the incidents. Free the result with free(). */
tc_status_open_t *tc_engine__open_for_status(const tc_engine_t *d, size_t *n);

/* ---- cluster.c (calls alerts.c and the files after it) ---- */

/** With a PostgreSQL store: start the link to the other nodes (store_cluster.h), give it a
 *  moment to take the lead, show the leader's decisions, and take the lead when it has it.
 *  Without one, this node leads. @return 0, or -1 after logging why. */
int tc_engine__cluster_start(tc_engine_t *d);
/** Stop the link and free cluster.c's state (before the loop's handles close). */
void tc_engine__cluster_stop(tc_engine_t *d);
/** This node's run of @p slot moved its location's state from @p before to @p after (equal
 *  when it did not move), for the reasons @p f: with one node that is the monitor's state
 *  (alerts, incident, components, as the policy says); with several it is written for the
 *  leader, which decides the monitor's state from every location's. */
void tc_engine__location_result(tc_engine_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                                tc_monitor_state_t after, const change_facts_t *f);
/** The engine is stopping (its monitors still there): store the decisions taken. */
void tc_engine__cluster_stopping(tc_engine_t *d);
/** The HTTP server is up: with several nodes, /healthz answers with the cluster's JSON from
 *  now on. */
void tc_engine__cluster_serving(tc_engine_t *d);
/** With several nodes, give /healthz the figures as they are now (the results waiting for
 *  the store move with every flush); nothing with one node. */
void tc_engine__cluster_health(tc_engine_t *d);
/** Append the cluster's /metrics lines (which node leads) to @p b; nothing with one node. */
void tc_engine__cluster_metrics(tc_engine_t *d, tc_buf_t *b);

/* ---- confirm.c (a failing decision's confirmation; calls no other engine file) ---- */

typedef enum {
    TC_CONFIRM_CONFIRMED, /* the fresh runs hold the failure: it is decided */
    TC_CONFIRM_CLEARED,   /* they do not: no alert, no incident */
    TC_CONFIRM_TIMEOUT,   /* decided at the deadline on the answers that had come */
} tc_confirm_outcome_t;

/** A confirmation ended: the failure @p proposed of monitor slot @p index holds or not; @p f
 *  are the facts of the decision that was held back (borrowed for the call). */
typedef void (*tc_confirm_done_fn)(tc_engine_t *d, size_t index, tc_monitor_state_t proposed,
                                   bool holds, const change_facts_t *f);

/** Whether the leader's decision that monitor slot @p index goes from @p before to @p after
 *  (for the reasons @p f) waits for a confirmation: when the monitor asks for them and the
 *  change is one status/confirm.h names, the @p n live locations @p where (whose votes were
 *  @p votes) are asked for a fresh run and @p done is called once they answered or the
 *  deadline passed. Also true while one waits, or a moment after one cleared the failure.
 *  @return true: decide nothing now; false: decide (no confirmation, or this one's pass). */
bool tc_engine__confirm_hold(tc_engine_t *d, size_t index, tc_monitor_state_t before,
                             tc_monitor_state_t after, const char *const *where,
                             const tc_monitor_state_t *votes, size_t n, const change_facts_t *f,
                             tc_confirm_done_fn done);
/** This node's run @p r of @p slot answers the question in slot->confirm_asked. */
void tc_engine__confirm_answer(tc_engine_t *d, mon_slot_t *slot, const tc_result_t *r);
/** A question (run now) or, on the leader, an answer heard over the link. */
void tc_engine__confirm_heard(tc_engine_t *d, const tc_link_msg_t *msg);
/** Append /metrics' tocsin_confirmations_total to @p b. */
void tc_engine__confirm_metrics(tc_engine_t *d, tc_buf_t *b);
/** Forget every wait (at shutdown; the loop still runs to close their timers). */
void tc_engine__confirm_stop(tc_engine_t *d);

/* ---- view.c ---- */

/** Build a complete snapshot (view, 90-day bars, monthly uptime, sparklines, every document;
 *  older incidents' and months' pages only offered unless the render state is eager) of now. */
tc_snapshot_t *tc_engine__build_snapshot(tc_engine_t *d);
/** Make the page a request asks for that the published snapshot offers (an older incident's,
 *  a month's), publish it and answer the request from it (view.c). */
void tc_engine__serve_page(tc_engine_t *d, tc_http_request_t *req);
/** Free the status logs kept between renders (at shutdown). */
void tc_engine__uptime_logs_free(tc_engine_t *d);
/** Free the cached view (at shutdown). */
void tc_engine__view_free(tc_engine_t *d);

/* ---- monitors.c ---- */

/** Start the monitors of config generation @p c, taking threshold state and push state from
 *  the @p nold slots @p old of the previous generation (NULL at start; taken over: freed or
 *  kept as the new slots), and, for monitors whose config is the same (fingerprint), their
 *  next due time from @p old_due (by old slot; NULL at start). */
void tc_engine__start_monitors(tc_engine_t *d, const tc_config_t *c, mon_slot_t *old,
                               size_t nold, const int64_t *old_due);
/** Cancel every run and unschedule every monitor (at shutdown). */
void tc_engine__stop_monitors(tc_engine_t *d);
/** Write the results batched since the last flush. */
void tc_engine__flush_results(tc_engine_t *d);
/** Answer a push monitor's ping (/api/push/<token>). */
void tc_engine__handle_push(tc_engine_t *d, tc_http_request_t *req);
/** The scheduler's callback: monitor slot @p index is due. */
void tc_engine__on_due(size_t index, int64_t lag_ms, void *arg);
/** What push monitor @p m heard (the probe environment's hook). */
const tc_push_state_t *tc_engine__push_state(void *ctx, const tc_monitor_cfg_t *m);
/** The window percentiles of the run whose done argument is @p done_arg (the probe
 *  environment's fill_window hook). */
void tc_engine__fill_window(void *done_arg, tc_result_t *r);
/** Timer callbacks: result batches, the sparklines' re-render, rollup passes and outbox
 *  pruning. */
void tc_engine__on_flush_timer(uv_timer_t *t);
void tc_engine__on_refresh_timer(uv_timer_t *t);
/** Answer GET /metrics: the monitor figures, rebuilt when older than METRICS_FRESH_MS. */
void tc_engine__serve_metrics(tc_engine_t *d, tc_http_request_t *req);
void tc_engine__on_rollup_timer(uv_timer_t *t);
void tc_engine__on_checkpoint_timer(uv_timer_t *t);

/* ---- vantage.c (probe self-health; calls no other engine file) ---- */

/** Count the monitors' votes afresh (after the slots were rebuilt, a pause or a resume) and
 *  take a step; the first call sets the self-check up and runs its first round. */
void tc_engine__vantage_recount(tc_engine_t *d);
/** Record what run @p r of @p slot says of the node's network and take a step.
 *  @return true when the run counts; false when the vantage is being checked or is
 *  impaired: the run is then shown in the slot's last check and nothing else. */
bool tc_engine__vantage_counts(tc_engine_t *d, mon_slot_t *slot, const tc_result_t *r);
/** Append the vantage's /metrics lines to @p b. */
void tc_engine__vantage_metrics(tc_engine_t *d, tc_buf_t *b);
/** Stop the rounds and cancel a round in flight (at shutdown; the loop still runs). */
void tc_engine__vantage_stop(tc_engine_t *d);
/** Free the vantage's state (after the loop is closed). */
void tc_engine__vantage_free(tc_engine_t *d);

/** @return the row of component or group @p id, or NULL. */
tc_store_row_t *tc_engine__row(tc_engine_t *d, const char *id);

/** Load the stored incidents at start (and on reload). @return 0 or TC_ESTORE. */
int tc_engine__load_incidents(tc_engine_t *d);
/** Free every incident. */
void tc_engine__free_incidents(tc_engine_t *d);
/** Move maintenances whose window started or ended (when they asked for it). */
void tc_engine__maintenance_tick(tc_engine_t *d);
/** A monitor's state changed (or, with @p before == @p after, is still down or degraded):
 *  queue its alerts and carry out its automatic incident, as incident_policy.h decides, in
 *  the caller's transaction (alerts.c), with what @p f says of it. */
void tc_engine__monitor_changed(tc_engine_t *d, mon_slot_t *slot, tc_monitor_state_t before,
                                tc_monitor_state_t after, const change_facts_t *f);
/** The words people read for state @p after of this node's monitor @p slot, whose last run
 *  was @p r: a failure share or flapping is described as such, anything else by the run
 *  (alerts.c). */
void tc_engine__run_words(const mon_slot_t *slot, tc_monitor_state_t after, const tc_result_t *r,
                          tc_buf_t *problem, tc_buf_t *summary);

/** Subscribers (subscribers.c). Load or create the key that signs unsubscribe links.
 *  @return 0 or TC_ESTORE. */
int tc_engine__subscribers_init(tc_engine_t *d);
void tc_engine__subscribers_free(tc_engine_t *d);
/** Bring the stored recurring windows in step with the config's (at start and reload) and
 *  load them all. @return 0 or TC_ESTORE. */
int tc_engine__schedules_load(tc_engine_t *d);
/** Make the windows of the coming week into scheduled maintenances (maintenance timer). */
void tc_engine__schedules_tick(tc_engine_t *d);
void tc_engine__schedules_free(tc_engine_t *d);
/** Export @p snap (about to be published) to the config's export.dir in the background. */
void tc_engine__mirror(tc_engine_t *d, const tc_snapshot_t *snap);
/** Export @p snap to @p dir now, on this thread (`tocsin export`). @return 0 or TC_EIO. */
int tc_engine__mirror_now(tc_engine_t *d, const tc_snapshot_t *snap, const char *dir);
/** Free accounts.c's state (the login rate limits). */
void tc_engine__accounts_free(tc_engine_t *d);
/** Queue subscriber messages for the latest update of @p inc (unless it asked for no
 *  notifications), in the caller's transaction. */
void tc_engine__notify_incident(tc_engine_t *d, const tc_incident_t *inc);
/** Remind subscribers that maintenance @p inc starts within the hour (e-mails with a
 *  "Reminder" subject; webhooks get the incident with meta.event "maintenance_reminder"). */
void tc_engine__notify_reminder(tc_engine_t *d, const tc_incident_t *inc);
/** Queue subscriber messages for component @p row, whose status changed from @p old. */
void tc_engine__notify_component(tc_engine_t *d, const tc_store_row_t *row, tc_status_t old,
                                 int64_t now);

/** The open automatic incident of monitor @p monitor_id, or NULL. */
tc_incident_t *tc_engine__monitor_incident(tc_engine_t *d, const char *monitor_id);
/** Carry out the policy's incident decision @p what for the monitor of @p rules, now in
 *  state @p after, described by @p words (incidents.c). */
void tc_engine__auto_incident(tc_engine_t *d, const tc_monitor_rules_t *rules,
                              tc_policy_incident_t what, tc_monitor_state_t after,
                              const auto_words_t *words);

#endif
