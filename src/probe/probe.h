/* Probes: one run of one monitor against its target, on the engine's loop. This header is
 * what the engine and the config see: the monitor definition, the result a run produces and
 * the run lifecycle. Kinds (http, tcp, ...) implement probe_int.h.
 *
 * Async contract: if tc_probe_start() returns an error, @p done never fires; otherwise it
 * fires exactly once, from the loop, with the result judged against the monitor's conditions
 * (or with result->canceled set after tc_probe_cancel()). The run frees itself after @p done
 * returns; @p done must not keep the result pointer. */
#ifndef TC_PROBE_H
#define TC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "eval/cond.h"

typedef struct tc_probe_type tc_probe_type_t;
typedef struct tc_probe_run tc_probe_run_t;
typedef struct tc_curl tc_curl_t;
typedef struct uv_loop_s uv_loop_t;

typedef enum {
    TC_VERDICT_UP,       /* every condition holds and no degraded condition failed */
    TC_VERDICT_DEGRADED, /* conditions hold but a degraded condition failed */
    TC_VERDICT_DOWN,     /* a condition failed, or the target could not be reached */
} tc_verdict_t;

/* A monitor as configured: what a run needs and how its result is judged. What the engine
 * then does with a verdict (the components it feeds, incidents, alert rules) is not here but
 * in the config's tc_monitor_rules_t, which points back at this. Immutable; owned by the
 * config generation. */
typedef struct tc_monitor_cfg {
    char *id;
    char *name;
    const tc_probe_type_t *type;  /* static descriptor of the kind */
    void *kind_cfg;               /* owned; parsed and freed by the kind */
    long interval_ms;             /* default 60 s */
    long timeout_ms;              /* default 10 s */
    tc_cond_t **conditions;       /* owned; all must hold for up */
    size_t nconditions;
    tc_cond_t **degraded;         /* owned; checked when up, any failing means degraded */
    size_t ndegraded;
    int failure_threshold;        /* consecutive failures before down (default 3) */
    int success_threshold;        /* consecutive successes before up again (default 2) */
    uint64_t fingerprint;         /* hash of the monitor's YAML as written (keys, values with
                                     ${VAR} expanded): equal means the same config, so a
                                     reload keeps the monitor's place in the schedule */
    /* Detection beyond consecutive thresholds (status/tracker.h, PROBES.md "Detection"). */
    int window;                   /* runs the failure share and [RESPONSE_TIME_Pnn] look at
                                     (default 20) */
    double degraded_ratio;        /* failure share that makes it degraded; 0 = off (default) */
    double down_ratio;            /* failure share that makes it down; 0 = off (default) */
    bool flap_detection;          /* default true */
    double flap_start, flap_stop; /* weighted percent state change (default 20 and 5) */
    int retries;                  /* re-checks of a failed run before it counts (default 0) */
    long retry_interval_ms;       /* pause before each re-check (default 2 s) */
} tc_monitor_cfg_t;

/* What one run measured and how it was judged. Fields a kind does not measure stay zero. */
typedef struct tc_result {
    int64_t started_at;      /* wall ms */
    int64_t connecting_mono; /* when the run began its first connection (monotonic ms): the
                                schedule lag counts to here; 0 when it opened none or the
                                kind does not say (dns, postgres, push) */
    int64_t finished_at;     /* wall ms; [CERTIFICATE_EXPIRATION] counts from here */
    bool connected;          /* a connection to the target was established */
    int status_code;         /* HTTP status, 0 when none */
    double response_ms;      /* total time */
    double dns_ms, connect_ms, tls_ms, first_byte_ms; /* phase end times from the start */
    tc_buf_t body;           /* capped response body (or bytes read, for tcp) */
    tc_buf_t headers;        /* "Name: value\n" lines of the final response */
    int64_t cert_expires_at; /* wall ms of the leaf certificate's notAfter; 0 when unknown */
    char ip[64];             /* address connected to (dns: the first address answered) */
    char dns_rcode[16];      /* dns: NOERROR, NXDOMAIN, SERVFAIL, ...; "" when no answer */
    char error[256];         /* transport error (or, with failed, the kind's reason), "" when none */
    bool failed;             /* the kind itself judged the run down, reason in error (statuspage:
                                the vendor's outage or a bad feed; http-steps: a step failed);
                                conditions cannot make such a run up */
    char degraded[256];      /* the kind's own reason to call the run degraded (statuspage: the
                                vendor reports a minor problem), "" when none */
    tc_buf_t values;         /* kind placeholders as "NAME=value\n" or "NAME.key=value\n" lines
                                (VENDOR_INDICATOR, STEP_TIME.name); see tc_probe__set_value() */
    tc_buf_t details;        /* lines `tocsin probe` prints for the kind (http-steps: each step) */
    double window_ms[3];     /* p50, p95, p99 response time over the monitor's window, this
                                run included ([RESPONSE_TIME_P50] ...) */
    size_t window_runs;      /* runs with a response time behind window_ms; 0: missing */
    bool pending;            /* the kind has nothing to judge yet (push: no push heard since
                                the start): not a result, neither up nor down */
    bool canceled;           /* the run was stopped by tc_probe_cancel() */
    tc_verdict_t verdict;
    char reason[512];        /* why down or degraded: the error or the failed condition */
    const tc_cond_t *blamed; /* the condition that made it down or degraded (the monitor's,
                                borrowed), NULL when an error or the kind decided */
} tc_result_t;

typedef void (*tc_probe_done_fn)(const tc_monitor_cfg_t *m, tc_result_t *result, void *arg);

/* What a push monitor has heard from its service, kept by the engine. */
typedef struct tc_push_state {
    int64_t watching_since; /* wall ms the engine started watching (its start, or a reload
                               that added the monitor) */
    bool heard_before;   /* the store holds results of this monitor from before */
    int64_t last_at;     /* wall ms of the last push; 0 before the first */
    bool last_down;      /* the last push said status=down */
    double last_ping_ms; /* the ping= the service reported, or 0 */
    char last_msg[200];  /* the msg= of the last push */
} tc_push_state_t;

/* What runs need from the engine; borrowed, outlives every run. */
typedef struct tc_probe_env {
    uv_loop_t *loop;
    tc_curl_t *curl;
    /* The push state of a monitor (NULL when unknown); for the push kind. */
    const tc_push_state_t *(*push_state)(void *ctx, const tc_monitor_cfg_t *m);
    void *push_ctx;
    /* Before judging: fill @p r's window_ms and window_runs from the monitor's recent runs
     * and @p r itself; @p done_arg is the run's done argument. NULL: the window is the run
     * alone. */
    void (*fill_window)(void *done_arg, tc_result_t *r);
    /* The User-Agent probes send unless the monitor sets its own header: "tocsin/VERSION
     * (LOCATION)" on a node with a location; NULL: "tocsin/VERSION". */
    const char *user_agent;
} tc_probe_env_t;

/** Write the User-Agent probes send from @p location ("" or NULL: none) into @p out:
 *  "tocsin/VERSION (LOCATION)", or "tocsin/VERSION" without a location. */
void tc_probe_user_agent(const char *location, char *out, size_t size);

/** The token a push monitor is called with, or NULL when @p m is not a push monitor. */
const char *tc_probe_push_token(const tc_monitor_cfg_t *m);

/** @return the kind named @p name ("http", "tcp", ...) or NULL. */
const tc_probe_type_t *tc_probe_find_type(const char *name);
/** @return the kind's name. */
const char *tc_probe_type_name(const tc_probe_type_t *t);
/** @return a comma-separated list of the known kinds, for error messages. */
const char *tc_probe_type_list(void);

/** Start one run of @p m. @return 0 (and *out, valid until @p done fires) or a TC_E* code. */
int tc_probe_start(const tc_monitor_cfg_t *m, tc_probe_env_t *env, tc_probe_done_fn done,
                   void *arg, tc_probe_run_t **out);
/** Stop a run; its done callback still fires once, with result->canceled set. */
void tc_probe_cancel(tc_probe_run_t *run);

/** Judge @p r against @p m's conditions: sets verdict and reason. Pure. When @p explain is
 *  not NULL, every condition is written there as "PASS|FAIL  text  (actual values)\n". */
void tc_probe_judge(const tc_monitor_cfg_t *m, tc_result_t *r, tc_buf_t *explain);

/** Condition lookup (tc_cond_lookup_fn) over a tc_result_t. @return 0, or TC_ENOENT for a
 *  placeholder no kind fills. */
int tc_probe_lookup(void *result, const char *name, const char *key, tc_value_t *out);

/** @return "up", "degraded" or "down". */
const char *tc_verdict_name(tc_verdict_t v);

/** Append words people read about why judged run @p r of @p m is down or degraded: "HTTP
 *  503 from /health (expected 200)", "answered in 1.2 s (limit 800 ms)", "p95 1.9 s over the
 *  last 20 checks", "no answer within 10 s". No condition syntax and nothing the target
 *  sent as text, so they go into Markdown, JSON and feeds as they are; on-call alerts keep
 *  r->reason (probe_words.c). */
void tc_probe_words(const tc_monitor_cfg_t *m, const tc_result_t *r, tc_buf_t *out);
/** The word for what is wrong with judged run @p r: "failing" (down), "slow" (degraded by a
 *  time over its limit) or "degraded". */
const char *tc_probe_problem(const tc_result_t *r);

/* ---- the node's self-check (engine/vantage.c) builds its runs here, not from YAML ---- */

/** Fill @p m as a tcp monitor that connects to @p host port @p port within @p timeout_ms
 *  and hangs up: up when the connection is made, and with @p refused_passes also when the
 *  host refuses it (it answered, so it is reachable: how a gateway that listens on nothing
 *  is knocked at). Release with tc_monitor_cfg_clear(). */
void tc_probe_connect_monitor(tc_monitor_cfg_t *m, const char *id, const char *host, int port,
                              bool refused_passes, long timeout_ms);

/** Fill @p m as a dns monitor asking @p resolver ("IP", "IP:PORT", "[V6]:PORT"; NULL for
 *  the system's, from /etc/resolv.conf) for the root zone's NS records within
 *  @p timeout_ms: up when an answer comes back, whatever its rcode (in the result's
 *  dns_rcode). Release with tc_monitor_cfg_clear().
 *  @return 0, or TC_EINVAL when @p resolver is not an address (@p m is then untouched). */
int tc_probe_resolver_monitor(tc_monitor_cfg_t *m, const char *id, const char *resolver,
                              long timeout_ms);

/** Release what the monitor definition owns (not the struct itself). */
void tc_monitor_cfg_clear(tc_monitor_cfg_t *m);

#endif
