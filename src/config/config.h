/* The validated, immutable configuration: page, server, storage, groups, components and
 * monitors.
 * A tc_config_t is built whole from a file and either accepted or refused with every error
 * as "FILE:LINE:COL: what is wrong"; a running daemon swaps generations only when the new
 * file validates (STYLE.md rule 17). All strings belong to the config and live until
 * tc_config_free(). */
#ifndef TC_CONFIG_H
#define TC_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/lang.h"
#include "notify/notify.h"
#include "incident/coverage.h"
#include "incident/recurrence.h"
#include "probe/probe.h"
#include "status/rollup.h"

typedef struct tc_group_cfg {
    char *id;          /* unique among groups and components */
    char *name;
    char *description; /* NULL when not given */
    int position;      /* 1-based order among top-level rows */
} tc_group_cfg_t;

typedef struct tc_component_cfg {
    char *id;          /* unique among groups and components */
    char *name;
    char *description; /* NULL when not given */
    char *group;       /* id of a tc_group_cfg_t, or NULL for a top-level component */
    int position;      /* 1-based order within its group (or the top level) */
    bool showcase;     /* show uptime bars */
    bool only_show_if_degraded; /* hide the row while operational */
    char *fallback;    /* advice shown while degraded or worse ("switch to Gladia"), or NULL */
    char *vendor_url;  /* the vendor's status page, linked next to the advice, or NULL */
} tc_component_cfg_t;

/* A recurring maintenance window (recurring_maintenance:), or one made in the console or
 * through the API (the engine keeps those in the store, in the same shape). */
typedef struct tc_schedule_cfg {
    char *id;
    char *name;                /* the maintenance's title */
    char *message;             /* its first update (Markdown), or NULL for the usual text */
    tc_recurrence_t rule;
    char **components;         /* ids of the components it covers */
    size_t ncomponents;
    bool notify;               /* tell subscribers (default true) */
} tc_schedule_cfg_t;

/* An incident template (incident_templates:): what the console's "new incident" form starts
 * from. */
typedef struct tc_template_cfg {
    char *id;
    char *name;                /* the incident's title */
    char *message;             /* its first update (Markdown) */
    int status;                /* a tc_incident_status_t, or -1 for the form's default */
    char **components;         /* component ids ... */
    tc_status_t *component_status; /* ... and the status each gets */
    size_t ncomponents;
} tc_template_cfg_t;

/* What the engine does with one monitor's verdicts: the components it feeds, its automatic
 * incidents and its alert rules. Kept apart from the monitor itself (tc_monitor_cfg_t, what a
 * probe run needs) so that probes know nothing of components, incidents or notifiers. */
typedef struct tc_monitor_rules {
    const tc_monitor_cfg_t *monitor; /* the monitor these rules belong to */
    char **components;            /* owned; ids of the components this monitor feeds */
    size_t ncomponents;
    tc_status_t down_status;      /* major_outage (default) or partial_outage */
    tc_status_t regional_status;  /* with several locations, while some fail (fewer than the
                                     quorum): partial_outage (default), degraded_performance
                                     or major_outage */
    int quorum;                   /* locations that must agree: TC_QUORUM_MAJORITY (0) or N */
    long regional_after_ms;       /* how long a minority must fail to be a regional failure
                                     (default 3 intervals) */
    bool confirm;                 /* a failure alerts only once fresh runs from the live
                                     locations confirm it (status/confirm.h); default false */
    bool auto_incident;           /* open/resolve incidents from this monitor's state */
    char *incident_title;         /* owned; template with {{monitor}} {{component}}
                                     {{problem}} {{reason}} {{condition}} {{fallback}}
                                     (default: the advice, when a fed component has it) */
    char *incident_body;          /* owned; same placeholders */
    tc_alert_cfg_t *alerts;       /* owned; which channels hear about this monitor */
    size_t nalerts;
} tc_monitor_rules_t;

/* A target of the node's self-check (self_check.targets). */
typedef struct tc_self_target {
    char *host; /* owned; NULL for the node's default gateway, read when the check runs */
    int port;
} tc_self_target_t;

typedef struct tc_config {
    char *path;             /* the file this was loaded from */
    struct {
        char *id;
        char *name;
        char *url;          /* canonical page URL; "" when not given */
        char *time_zone;    /* IANA name, checked against the tz database */
        char *notice;       /* a sentence shown at the top of every page, or NULL */
        char *description;  /* NULL when not given */
        char *impact_labels[5]; /* by tc_impact_t: how /history names an impact; NULL for
                                   the page language's default */
        char *favicon;          /* bytes of page.favicon's file, served as /favicon.ico;
                                   NULL for tocsin's own icon */
        size_t favicon_len;
        const char *favicon_type; /* static: "image/x-icon", "image/png" or "image/svg+xml" */
        char *logo;             /* bytes of page.logo's file, shown in the header; or NULL */
        size_t logo_len;
        const char *logo_type;  /* static: its Content-Type */
        const char *logo_path;  /* static: where it is served, e.g. "/logo.svg" */
        char accent[8];         /* page.accent for light pages, "#rrggbb"; "" for tocsin's */
        char accent_dark[8];    /* for dark pages: given, or derived from accent; "" when
                                   accent is not set */
        char *css;              /* page.css's text, appended to the stylesheet; or NULL */
        char **links;           /* page.links as name, url, name, url, ..., NULL; or NULL */
        char *footer;           /* page.footer: a line of text in every page's footer */
        tc_lang_t language;     /* page.language: the pages' and e-mails' words (en) */
    } page;
    struct {
        char *host;         /* listen address, e.g. "127.0.0.1" */
        int port;
        int connection_limit;    /* simultaneous connections in all */
        int per_ip_limit;        /* per client address (IPv6: per /64); 0: none; default 64 */
        int connection_timeout;  /* seconds an idle connection is kept */
        int header_timeout;      /* seconds to deliver request line + headers; 0: none */
        int body_timeout;        /* seconds to deliver a body after the headers; 0: none */
        char **trusted_proxies;  /* NULL-terminated "ADDR" or "ADDR/BITS"; NULL when none */
        char *trusted_proxy_header; /* e.g. "X-Forwarded-For"; NULL when none */
        struct {
            char *cert;          /* PEM chain, absolute path; NULL: plain HTTP */
            char *key;           /* PEM private key, absolute path */
            long hsts_ms;        /* Strict-Transport-Security max-age; 0: not sent */
            char *redirect_host; /* plain-HTTP listener that redirects to https; or NULL */
            int redirect_port;
        } tls;                   /* bound at start, except the files (reread on SIGHUP) */
    } server;
    char *storage_path;     /* data directory, absolute or relative to the config file */
    char *storage_dsn;      /* storage.postgres.dsn: the PostgreSQL store's libpq connection
                               string (may hold a password; never logged), NULL for SQLite */
    long raw_retention_ms;  /* raw probe results are kept this long (default 7 days) */
    long aggregate_retention_ms; /* hourly/daily aggregates and status changes (400 days) */
    tc_group_cfg_t *groups;
    size_t ngroups;
    tc_component_cfg_t *components;
    size_t ncomponents;
    tc_monitor_cfg_t *monitors;
    tc_monitor_rules_t *monitor_rules; /* monitor_rules[i] is monitors[i]'s */
    size_t nmonitors;
    tc_channel_cfg_t *channels;
    size_t nchannels;
    long notify_retry_ms;   /* how long a notification is retried (default 24 h) */
    long notify_keep_delivered_ms; /* delivered outbox rows are kept this long (30 days) */
    long notify_keep_dead_ms;      /* dead outbox rows are kept this long (90 days) */
    struct {
        char *email_channel;      /* id of an email channel to send through; NULL: no e-mail
                                     subscriptions */
        bool allow_private_webhooks; /* webhooks to loopback/private addresses (tests, LANs) */
        int rate_limit;           /* subscribe requests per client address per minute */
    } subscribers;
    tc_schedule_cfg_t *schedules; /* recurring_maintenance: */
    size_t nschedules;
    tc_template_cfg_t *templates; /* incident_templates: */
    size_t ntemplates;
    struct {
        char *dir;                /* export.dir: keep a static mirror here, or NULL */
        char *command;            /* run after each refresh (rsync, object store), or NULL */
        long timeout_ms;          /* the command's time limit (default 60 s) */
    } export_;
    struct {
        char *host;               /* admin.listen: the console's own address, or NULL to serve
                                     it beside the page */
        int port;
        bool secure_cookie;       /* mark the session cookie Secure (served over https by a
                                     proxy in front) */
    } admin;
    struct {
        bool enabled;             /* probe self-health (default true) */
        tc_self_target_t *targets; /* what the node must reach (default: its gateway) */
        size_t ntargets;
        char *resolver;           /* "IP[:PORT]" to ask, or NULL for the system's resolver */
        bool resolver_off;        /* resolver: none */
        long interval_ms;         /* how often it checks itself (30 s), and when most
                                     monitors fail at once */
        long timeout_ms;          /* each check's time limit (2 s) */
        int min_failing;          /* monitors that must fail together (5) ... */
        double failing_ratio;     /* ... and the share of them (0.5) */
    } self_check;
    struct {
        char *name;               /* node.name (--node): this node among the nodes sharing a
                                     PostgreSQL store; NULL until the engine sets the host's
                                     name (docs/DEPLOY.md) */
        char *location;           /* node.location (--location): where this node probes from;
                                     "" when not set (one place) */
        bool probe_only;          /* node.role: probe — runs monitors and writes results only:
                                     never leads, serves /healthz and /metrics alone */
    } node;
} tc_config_t;

/** Load and validate @p path.
 *  @param out receives the config on success (the caller frees it with tc_config_free()).
 *  @param errors receives, on failure, a malloc'd text of "FILE:LINE:COL: msg" lines that
 *         the caller frees.
 *  @return 0 or TC_ECONFIG. */
int tc_config_load(const char *path, tc_config_t **out, char **errors);

/** Same as tc_config_load() on text held in memory; @p name appears in messages. */
int tc_config_parse(const char *name, const char *text, size_t len, tc_config_t **out,
                    char **errors);

/** Parse "HOST:PORT", ":PORT" or "[V6]:PORT". @return 0 or TC_EINVAL. */
int tc_config_parse_listen(const char *s, char **host, int *port);

/** @return the channel @p id of @p c, or NULL. */
const tc_channel_cfg_t *tc_config_channel(const tc_config_t *c, const char *id);

/** For the coverage report: every component (not group) with the ids of the monitors that
 *  feed it, borrowed from @p c. Free the array with tc_config_cover_feeds_free(). */
tc_cover_feed_t *tc_config_cover_feeds(const tc_config_t *c, size_t *n);
void tc_config_cover_feeds_free(tc_cover_feed_t *feeds, size_t n);

void tc_config_free(tc_config_t *c);

/** The node's name and location from the command line (--node, --location; NULL keeps the
 *  file's), checked as node.name and node.location are; a node without a name takes its
 *  host's. @return 0, or TC_EINVAL with the reason in @p err. */
int tc_config_set_node(tc_config_t *c, const char *name, const char *location, char *err,
                       size_t errlen);

#endif
