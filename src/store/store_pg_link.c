/* The link between a node and the others (store_cluster.h): a thread with its own session to
 * the PostgreSQL store, on which it
 * - beats: the node's row in `node` gets the server's time every second while the engine's
 *   loop turns, so the others can tell live nodes (and their locations) from dead ones;
 * - leads: it takes the leader's advisory lock with pg_try_advisory_lock when it is free,
 *   then moves the term in `leader` (the fencing token of store_cluster.h). The lock lives
 *   as long as this session: a node killed with -9 loses it at once (its socket closes), a
 *   node behind a cut network or on a dead host within the keepalives of the lease session
 *   (store_pg.c), and a node whose loop is stuck gives it up itself;
 * - listens: LISTEN for the other nodes' changes (channel tocsin, the writing node's name as
 *   payload) and, while leading, for location states (tocsin_locations), which it reads
 *   here, off the engine's loop, and hands over with tc_store_link_take();
 * - announces: NOTIFY tocsin when the engine asks;
 * - carries a confirmation's questions (channel tocsin_confirm) and answers
 *   (tocsin_confirmed) both ways, payloads as the engine wrote them.
 * The engine is woken (opts.wake) when what tc_store_link_status() shows changes or states
 * wait to be taken. One mutex guards what both threads touch; the thread never holds it while
 * it talks to the server. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "store/store_cluster.h"
#include "store/store_pg_int.h"

#define MODULE "cluster"
#define TICK_MS 1000          /* beat, try the lock, read the nodes */
#define NODE_STALE_MS 10000   /* a node whose beat is older is not alive */
#define LOOP_STALE_MS 10000   /* an engine loop that has not turned for this long leads nobody */
#define RECONNECT_MS 2000     /* between attempts to open the session */
/* Held by the leader's session; a constant of our own ("tocsinL" in ASCII, as store_pg.c's
 * migration lock is "tocsin"). */
#define LEADER_LOCK "8245358858766659660"
/* The server's clock in ms: every node's beat and age are measured on one clock. */
#define SERVER_NOW "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

struct tc_store_link {
    char *node, *location, *dsn; /* owned copies */
    bool can_lead;
    _Atomic int64_t *heartbeat;
    void (*wake)(void *arg);
    void *wake_arg;
    pthread_t thread;
    int pipe[2];                 /* the engine's pokes (announce, stop) wake the thread */
    int64_t started_at;          /* wall ms */
    /* Guarded by lock. */
    pthread_mutex_t lock;
    tc_store_link_status_t st;
    bool stopping, announce;
    tc_location_state_t *pending; /* read, not taken yet */
    size_t npending;
    bool complete;               /* pending starts with every state (the lead was just taken) */
    tc_link_msg_t *outbox, *inbox; /* confirmation messages to send, and heard */
    size_t noutbox, ninbox;
    /* The thread's own. */
    tc_store_t *s;               /* the session; NULL while not connected */
    int pid;                     /* the server process of the session that LISTENs */
    int64_t cursor;              /* tc_store_locations_since()'s, while leading */
    bool read_all;               /* the next read is the first of this lead */
    bool want_states;            /* tocsin_locations was heard while leading: read them now */
    int64_t retry_at;            /* monotonic ms of the next attempt to connect */
};

static void poke(tc_store_link_t *l)
{
    char c = 1;
    ssize_t rc = write(l->pipe[1], &c, 1); /* a full pipe has pokes enough already */
    (void)rc;
}

static void drain_pokes(tc_store_link_t *l)
{
    char buf[64];
    while (read(l->pipe[0], buf, sizeof buf) > 0)
        ;
}

/* A statement whose answer is one value (or none); @p out (may be NULL) gets a copy of it. */
static int one_value(tc_store_t *s, const char *sql, const tc_pg_args_t *a, char *out,
                     size_t outlen)
{
    char err[256];
    PGresult *r = tc_pg__query(s, sql, a, err, sizeof err);
    if (!r) {
        tc_log(TC_LOG_WARN, MODULE, "%s", err);
        return TC_ESTORE;
    }
    if (out)
        snprintf(out, outlen, "%s", PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    return 0;
}

/* A new session (the first, or one after the last went away): nothing it held is held any
 * more, and whatever the others said meanwhile was not heard. */
static int open_session(tc_store_link_t *l, tc_store_link_status_t *st)
{
    char err[512];
    if (!l->s) {
        if (tc_clock_mono_ms() < l->retry_at)
            return -1;
        l->retry_at = tc_clock_mono_ms() + RECONNECT_MS;
        if (tc_pg__open(l->dsn, true, &l->s, err, sizeof err) != 0) {
            if (st->connected)
                tc_log(TC_LOG_ERROR, MODULE, "lost the store: %s", err);
            st->connected = false;
            return -1;
        }
    }
    if (PQstatus(l->s->conn) != CONNECTION_OK) {
        tc_pg_close(l->s);
        l->s = NULL;
        st->connected = false;
        return -1;
    }
    if (PQbackendPID(l->s->conn) == l->pid)
        return 0;
    /* A session made again by a statement's reconnection (store_pg.c) may have taken the lock
     * before this turn noticed it is new: start it from nothing. */
    if (one_value(l->s, "SELECT pg_advisory_unlock_all()", NULL, NULL, 0) != 0 ||
        one_value(l->s, "LISTEN tocsin", NULL, NULL, 0) != 0 ||
        one_value(l->s, "LISTEN tocsin_locations", NULL, NULL, 0) != 0 ||
        one_value(l->s, "LISTEN tocsin_confirm", NULL, NULL, 0) != 0 ||
        one_value(l->s, "LISTEN tocsin_confirmed", NULL, NULL, 0) != 0)
        return -1;
    if (l->pid)
        tc_log(TC_LOG_INFO, MODULE, "connected to the store again");
    l->pid = PQbackendPID(l->s->conn);
    st->connected = true;
    st->leader = false;
    st->term = 0;
    st->changes++; /* the others' notifications while away were missed */
    return 0;
}

/* Take the lock if it is free, then move the term. */
static void try_lead(tc_store_link_t *l, tc_store_link_status_t *st)
{
    char got[8];
    if (one_value(l->s, "SELECT pg_try_advisory_lock(" LEADER_LOCK ")", NULL, got,
                  sizeof got) != 0 ||
        strcmp(got, "t") != 0)
        return;
    tc_pg_args_t a = {0};
    tc_pg__text(&a, l->node);
    char term[32];
    if (one_value(l->s,
                  "INSERT INTO leader VALUES (1, 1, $1, " SERVER_NOW ") ON CONFLICT (id) DO"
                  " UPDATE SET term = leader.term + 1, node = excluded.node,"
                  " since = excluded.since RETURNING term",
                  &a, term, sizeof term) != 0) {
        one_value(l->s, "SELECT pg_advisory_unlock(" LEADER_LOCK ")", NULL, NULL, 0);
        return;
    }
    st->leader = true;
    st->term = strtoll(term, NULL, 10);
    l->cursor = 0;
    l->read_all = true;
    tc_log(TC_LOG_DEBUG, MODULE, "node %s took the lock (term %s)", l->node, term);
}

static void step_down(tc_store_link_t *l, tc_store_link_status_t *st, const char *why)
{
    one_value(l->s, "SELECT pg_advisory_unlock(" LEADER_LOCK ")", NULL, NULL, 0);
    tc_log(TC_LOG_WARN, MODULE, "node %s no longer leads: %s", l->node, why);
    st->leader = false;
    st->term = 0;
}

static void beat(tc_store_link_t *l)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, l->node);
    tc_pg__text(&a, l->location);
    tc_pg__text(&a, l->can_lead ? "full" : "probe");
    tc_pg__text(&a, TC_VERSION);
    tc_pg__int(&a, l->started_at);
    one_value(l->s,
              "INSERT INTO node VALUES ($1, $2, $3, $4, $5, " SERVER_NOW ") ON CONFLICT (name)"
              " DO UPDATE SET location = excluded.location, role = excluded.role,"
              " version = excluded.version, started_at = excluded.started_at,"
              " seen_at = excluded.seen_at",
              &a, NULL, 0);
}

/* The nodes seen in the last day, and which of them leads. */
static void read_nodes(tc_store_link_t *l, tc_store_link_status_t *st)
{
    char err[256];
    tc_pg_args_t a = {0};
    tc_pg__int(&a, NODE_STALE_MS);
    tc_pg__int(&a, TC_LINK_MAX_NODES);
    /* The node named in `leader` leads while some session holds the lock (pg_locks shows an
     * advisory lock's key as two halves): a leader that died is not named a moment longer
     * than its session lived, whatever its last heartbeat. */
    PGresult *r = tc_pg__query(l->s,
                               "SELECT n.name, n.location, n.role = 'probe',"
                               " n.seen_at > " SERVER_NOW " - $1, COALESCE(n.name = ld.node,"
                               " false) AND EXISTS (SELECT 1 FROM pg_locks WHERE"
                               " locktype = 'advisory' AND granted AND objsubid = 1 AND"
                               " classid = (" LEADER_LOCK "::bigint >> 32)::oid AND"
                               " objid = (" LEADER_LOCK "::bigint & 4294967295)::oid)"
                               " FROM node n LEFT JOIN leader ld ON ld.id = 1 WHERE"
                               " n.seen_at > " SERVER_NOW " - 86400000 ORDER BY n.name LIMIT $2",
                               &a, err, sizeof err);
    if (!r) {
        tc_log(TC_LOG_WARN, MODULE, "%s", err);
        return;
    }
    st->nnodes = 0;
    st->leader_name[0] = '\0';
    for (int i = 0; i < PQntuples(r) && st->nnodes < TC_LINK_MAX_NODES; i++) {
        tc_link_node_t *n = &st->nodes[st->nnodes++];
        snprintf(n->name, sizeof n->name, "%s", PQgetvalue(r, i, 0));
        snprintf(n->location, sizeof n->location, "%s", PQgetvalue(r, i, 1));
        n->probe = tc_pg__bool_at(r, i, 2);
        n->alive = tc_pg__bool_at(r, i, 3);
        n->leader = tc_pg__bool_at(r, i, 4);
        if (n->leader)
            snprintf(st->leader_name, sizeof st->leader_name, "%s", n->name);
    }
    PQclear(r);
    if (st->leader)
        snprintf(st->leader_name, sizeof st->leader_name, "%s", l->node);
}

/* While leading: the location states written since the last read, queued for the engine.
 * @return true when some were queued. */
static bool read_states(tc_store_link_t *l)
{
    char err[256];
    tc_location_state_t *rows = NULL;
    size_t n = 0;
    int64_t cursor = l->cursor;
    if (tc_store_locations_since(l->s, &cursor, &rows, &n, err, sizeof err) != 0) {
        tc_log(TC_LOG_WARN, MODULE, "cannot read location states: %s", err);
        return false;
    }
    l->cursor = cursor;
    bool first = l->read_all;
    l->read_all = false;
    pthread_mutex_lock(&l->lock);
    if (first) {
        /* A new lead starts from every state; whatever an older lead left is stale. */
        tc_store_locations_free(l->pending, l->npending);
        l->pending = NULL;
        l->npending = 0;
        l->complete = true;
    }
    if (n) {
        l->pending = tc_realloc(l->pending, (l->npending + n) * sizeof *l->pending);
        memcpy(l->pending + l->npending, rows, n * sizeof *rows);
        l->npending += n;
    }
    pthread_mutex_unlock(&l->lock);
    free(rows); /* the strings moved into pending */
    return first || n > 0;
}

static void push_msg(tc_link_msg_t **list, size_t *n, bool answer, const char *payload)
{
    *list = tc_realloc(*list, (*n + 1) * sizeof **list);
    (*list)[(*n)++] = (tc_link_msg_t){answer, tc_strdup(payload)};
}

/* The notifications that came in: the other nodes' changes, location states to read, a
 * confirmation's questions and (a leader's) answers. @return true when messages were
 * queued for the engine. */
static bool hear(tc_store_link_t *l, tc_store_link_status_t *st)
{
    if (!PQconsumeInput(l->s->conn))
        return false; /* the session is gone: the next turn finds out */
    tc_link_msg_t *heard = NULL;
    size_t nheard = 0;
    PGnotify *n;
    while ((n = PQnotifies(l->s->conn))) {
        if (strcmp(n->relname, "tocsin_locations") == 0)
            l->want_states = l->want_states || st->leader; /* a leader reads them */
        else if (strcmp(n->relname, "tocsin_confirm") == 0)
            push_msg(&heard, &nheard, false, n->extra);
        else if (strcmp(n->relname, "tocsin_confirmed") == 0 && st->leader)
            push_msg(&heard, &nheard, true, n->extra);
        else if (strcmp(n->relname, "tocsin") == 0 && strcmp(n->extra, l->node) != 0)
            st->changes++;
        PQfreemem(n);
    }
    if (!nheard)
        return false;
    pthread_mutex_lock(&l->lock);
    l->inbox = tc_realloc(l->inbox, (l->ninbox + nheard) * sizeof *l->inbox);
    memcpy(l->inbox + l->ninbox, heard, nheard * sizeof *heard);
    l->ninbox += nheard;
    pthread_mutex_unlock(&l->lock);
    free(heard); /* the payloads moved into the inbox */
    return true;
}

/* The confirmation messages the engine queued, sent (or lost, away from the store). */
static void send_msgs(tc_store_link_t *l)
{
    pthread_mutex_lock(&l->lock);
    tc_link_msg_t *out = l->outbox;
    size_t n = l->noutbox;
    l->outbox = NULL;
    l->noutbox = 0;
    pthread_mutex_unlock(&l->lock);
    for (size_t i = 0; i < n && l->s && PQstatus(l->s->conn) == CONNECTION_OK; i++) {
        tc_pg_args_t a = {0};
        tc_pg__text(&a, out[i].answer ? "tocsin_confirmed" : "tocsin_confirm");
        tc_pg__text(&a, out[i].payload);
        one_value(l->s, "SELECT pg_notify($1, $2)", &a, NULL, 0);
    }
    tc_store_link_msgs_free(out, n);
}

static bool same_status(const tc_store_link_status_t *a, const tc_store_link_status_t *b)
{
    if (a->connected != b->connected || a->leader != b->leader || a->term != b->term ||
        a->changes != b->changes || strcmp(a->leader_name, b->leader_name) != 0 ||
        a->nnodes != b->nnodes)
        return false;
    for (size_t i = 0; i < a->nnodes; i++)
        if (strcmp(a->nodes[i].name, b->nodes[i].name) != 0 ||
            a->nodes[i].alive != b->nodes[i].alive || a->nodes[i].leader != b->nodes[i].leader)
            return false;
    return true;
}

/* Tell the others that this node committed a change (they read it again). */
static void announce_change(tc_store_link_t *l)
{
    tc_pg_args_t a = {0};
    tc_pg__text(&a, l->node);
    one_value(l->s, "SELECT pg_notify('tocsin', $1)", &a, NULL, 0);
}

/* One turn: session, beat, lead, nodes, announcements. @return true when messages were
 * queued for the engine. */
static bool turn(tc_store_link_t *l, tc_store_link_status_t *st, bool announce)
{
    if (open_session(l, st) != 0) {
        if (st->leader)
            tc_log(TC_LOG_WARN, MODULE, "node %s no longer leads: the session to the store "
                                        "is gone", l->node);
        /* Away from the store, nothing is known of the others. */
        st->leader = false;
        st->term = 0;
        st->leader_name[0] = '\0';
        st->nnodes = 0;
        return false;
    }
    bool loop_alive = tc_clock_mono_ms() - atomic_load(l->heartbeat) < LOOP_STALE_MS;
    if (loop_alive)
        beat(l);
    if (st->leader && !loop_alive)
        step_down(l, st, "its engine loop has not turned for 10 s");
    else if (!st->leader && l->can_lead && loop_alive)
        try_lead(l, st);
    read_nodes(l, st);
    if (announce)
        announce_change(l);
    send_msgs(l);
    bool heard = hear(l, st);
    /* A session that broke during the turn broke the lock with it. */
    if (PQstatus(l->s->conn) != CONNECTION_OK) {
        st->connected = false;
        st->leader = false;
        st->term = 0;
    }
    return heard;
}

static void *run(void *arg)
{
    tc_store_link_t *l = arg;
    int64_t next_tick = 0;
    for (;;) {
        pthread_mutex_lock(&l->lock);
        bool stopping = l->stopping, announce = l->announce;
        l->announce = false;
        tc_store_link_status_t st = l->st;
        pthread_mutex_unlock(&l->lock);
        if (stopping)
            break;
        bool queued = false, turned = false;
        int64_t now = tc_clock_mono_ms();
        if (now >= next_tick) {
            queued = turn(l, &st, announce);
            turned = true;
            next_tick = now + TICK_MS;
        } else if (l->s && PQstatus(l->s->conn) == CONNECTION_OK) {
            /* Between turns: an announcement and messages go at once, on their own. */
            if (announce)
                announce_change(l);
            send_msgs(l);
            queued = hear(l, &st);
        } else {
            send_msgs(l); /* away from the store: lost, not kept for later */
        }
        /* Location states when told of some, and every tick besides (a notification sent
         * while this session was being replaced is lost). */
        if (st.leader && l->s && (l->want_states || l->read_all || turned))
            queued = read_states(l) || queued;
        l->want_states = false;
        pthread_mutex_lock(&l->lock);
        bool changed = !same_status(&l->st, &st);
        l->st = st;
        pthread_mutex_unlock(&l->lock);
        if (changed || queued)
            l->wake(l->wake_arg);
        /* A session that broke stays readable (end of file): it is not waited on. */
        bool open = l->s && PQstatus(l->s->conn) == CONNECTION_OK;
        struct pollfd fds[2] = {{.fd = l->pipe[0], .events = POLLIN},
                                {.fd = open ? PQsocket(l->s->conn) : -1, .events = POLLIN}};
        int64_t wait = next_tick - tc_clock_mono_ms();
        poll(fds, fds[1].fd >= 0 ? 2 : 1, wait > 0 ? (int)wait : 0);
        drain_pokes(l);
    }
    return NULL;
}

int tc_store_link_start(const tc_store_link_opts_t *opts, tc_store_link_t **out, char *err,
                        size_t errlen)
{
    *out = NULL;
    tc_store_link_t *l = tc_calloc(1, sizeof *l);
    l->node = tc_strdup(opts->node);
    l->location = tc_strdup(opts->location ? opts->location : "");
    l->dsn = tc_strdup(opts->dsn);
    l->can_lead = opts->can_lead;
    l->heartbeat = opts->heartbeat;
    l->wake = opts->wake;
    l->wake_arg = opts->wake_arg;
    l->started_at = tc_clock_wall_ms();
    pthread_mutex_init(&l->lock, NULL);
    if (pipe(l->pipe) != 0 || fcntl(l->pipe[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(l->pipe[1], F_SETFL, O_NONBLOCK) != 0 || fcntl(l->pipe[0], F_SETFD, FD_CLOEXEC) ||
        fcntl(l->pipe[1], F_SETFD, FD_CLOEXEC)) {
        snprintf(err, errlen, "cannot start the cluster link: %s", strerror(errno));
        goto fail;
    }
    if (pthread_create(&l->thread, NULL, run, l) != 0) {
        snprintf(err, errlen, "cannot start the cluster link's thread");
        close(l->pipe[0]);
        close(l->pipe[1]);
        goto fail;
    }
    *out = l;
    return 0;
fail:
    pthread_mutex_destroy(&l->lock);
    free(l->node);
    free(l->location);
    free(l->dsn);
    free(l);
    return TC_EIO;
}

void tc_store_link_status(tc_store_link_t *l, tc_store_link_status_t *out)
{
    pthread_mutex_lock(&l->lock);
    *out = l->st;
    pthread_mutex_unlock(&l->lock);
}

void tc_store_link_announce(tc_store_link_t *l)
{
    pthread_mutex_lock(&l->lock);
    l->announce = true;
    pthread_mutex_unlock(&l->lock);
    poke(l);
}

void tc_store_link_take(tc_store_link_t *l, tc_location_state_t **out, size_t *n,
                        bool *complete)
{
    pthread_mutex_lock(&l->lock);
    *out = l->pending;
    *n = l->npending;
    *complete = l->complete;
    l->pending = NULL;
    l->npending = 0;
    l->complete = false;
    pthread_mutex_unlock(&l->lock);
}

void tc_store_link_send(tc_store_link_t *l, bool answer, const char *payload)
{
    if (strlen(payload) > TC_LINK_MSG_MAX) {
        tc_log(TC_LOG_WARN, MODULE, "a confirmation message of %zu bytes is too long; dropped",
               strlen(payload));
        return;
    }
    pthread_mutex_lock(&l->lock);
    push_msg(&l->outbox, &l->noutbox, answer, payload);
    pthread_mutex_unlock(&l->lock);
    poke(l);
}

void tc_store_link_take_msgs(tc_store_link_t *l, tc_link_msg_t **out, size_t *n)
{
    pthread_mutex_lock(&l->lock);
    *out = l->inbox;
    *n = l->ninbox;
    l->inbox = NULL;
    l->ninbox = 0;
    pthread_mutex_unlock(&l->lock);
}

void tc_store_link_msgs_free(tc_link_msg_t *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(msgs[i].payload);
    free(msgs);
}

void tc_store_link_stop(tc_store_link_t *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stopping = true;
    pthread_mutex_unlock(&l->lock);
    poke(l);
    pthread_join(l->thread, NULL);
    /* Ending the session releases the lock: the next leader need not wait for keepalives. */
    tc_pg_close(l->s);
    close(l->pipe[0]);
    close(l->pipe[1]);
    tc_store_locations_free(l->pending, l->npending);
    tc_store_link_msgs_free(l->outbox, l->noutbox);
    tc_store_link_msgs_free(l->inbox, l->ninbox);
    pthread_mutex_destroy(&l->lock);
    /* The dsn may hold a password. */
    memset(l->dsn, 0, strlen(l->dsn));
    free(l->dsn);
    free(l->node);
    free(l->location);
    free(l);
}
