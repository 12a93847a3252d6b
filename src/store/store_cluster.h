/* Several nodes on one PostgreSQL store (docs/DEPLOY.md): what they share beyond store.h's
 * tables, and the link each node keeps to the others through the database.
 *
 * - Location states: each node runs every monitor from its location and turns its own results
 *   into that location's state with the monitor's thresholds (status/tracker.h); it writes the
 *   state when it changes, through the results writer (store_writer.h), beside the results.
 * - Decisions: the leader reads every location's state, decides each monitor's state
 *   (status/quorum.h) and writes it, fenced by its term, in the transaction that queues the
 *   alerts and opens or resolves the incident: tc_store_fence() makes that transaction fail
 *   once another node has taken over, so a node that only believes it leads changes nothing.
 * - The link (tc_store_link_*): a thread with a session of its own that holds the leader's
 *   advisory lock while this node leads, keeps the node's heartbeat, LISTENs for the other
 *   nodes' changes, NOTIFYs its own, and reads the location states that changed (leader);
 *   it also carries a confirmation's messages (engine/confirm.c): the leader's question "run
 *   this monitor now" to every node and each node's answer, as NOTIFY payloads, kept nowhere
 *   (a question lost with a node is answered by the leader's deadline).
 *
 * Every function here is for PostgreSQL stores only: with a SQLite store (one node) there is
 * nothing to share, and they answer TC_EINVAL. Rows handed out are owned by the caller (free
 * with the matching _free function); rows passed in are borrowed for the call. */
#ifndef TC_STORE_CLUSTER_H
#define TC_STORE_CLUSTER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status/status.h"
#include "store/store.h"

/* One location's state of one monitor, as the node probing from there judged its results. */
typedef struct tc_location_state {
    char *monitor;            /* the monitor's config id */
    char *location;           /* node.location of the node that probes from there */
    char *node;               /* that node's name */
    tc_monitor_state_t state;
    int64_t since;            /* wall ms the location entered the state */
    char *reason;             /* exact (on-call alerts): the failed condition, a share, ... */
    char *problem;            /* words people read: "failing", "slow", ... */
    char *summary;            /* "HTTP 503 from /health (expected 200)" */
    int status_code;          /* of the run that made the state; 0 when none */
    double response_ms;
} tc_location_state_t;

/** Write (insert or replace) @p n location states in one statement; the other nodes are told
 *  (NOTIFY) when the caller's transaction commits. @return 0, TC_EINVAL or TC_ESTORE. */
int tc_store_put_locations(tc_store_t *s, const tc_location_state_t *rows, size_t n, char *err,
                           size_t errlen);
/** The location states written since *@p cursor (0: all of them), with *@p cursor moved on.
 *  A state whose transaction was still open at the last read is read again, never missed:
 *  the cursor is the oldest transaction the read could not see yet, so a caller may get a
 *  row twice. @return 0, TC_EINVAL or TC_ESTORE. */
int tc_store_locations_since(tc_store_t *s, int64_t *cursor, tc_location_state_t **out,
                             size_t *n, char *err, size_t errlen);
void tc_store_locations_free(tc_location_state_t *rows, size_t n);

/* The leader's decision about one monitor, which every node shows. */
typedef struct tc_monitor_decision {
    char *monitor;            /* the monitor's config id */
    tc_monitor_state_t state;
    int64_t since;            /* wall ms */
    char *failing;            /* the locations failing, "east,west"; "" when none */
    char *reason;             /* what the decision rests on, for the console */
} tc_monitor_decision_t;

/** Record @p n decisions of the leader of @p term in one statement, in the caller's (fenced)
 *  transaction. A monitor's decision written by a later term is never replaced by one of an
 *  earlier term. @return 0, TC_EINVAL or TC_ESTORE. */
int tc_store_put_decisions(tc_store_t *s, const tc_monitor_decision_t *rows, size_t n,
                           int64_t term, char *err, size_t errlen);
/** The decisions written since *@p cursor (0: all of them), with *@p cursor moved on, as
 *  tc_store_locations_since() reads location states (none missed, some maybe twice).
 *  @return 0, TC_EINVAL or TC_ESTORE. */
int tc_store_decisions_since(tc_store_t *s, int64_t *cursor, tc_monitor_decision_t **out,
                             size_t *n, char *err, size_t errlen);
void tc_store_decisions_free(tc_monitor_decision_t *rows, size_t n);

/** Inside a transaction: check that @p term is still the leader's term, and lock it until
 *  the transaction ends, so a node taking over (which moves the term) waits for the
 *  transaction or makes it fail. On a moved term the transaction is marked failed (its
 *  commit rolls everything back). @return 0, TC_ECANCELED (another node leads now; the
 *  reason in @p err), TC_EINVAL or TC_ESTORE. */
int tc_store_fence(tc_store_t *s, int64_t term, char *err, size_t errlen);

/* ---- the link ---- */

typedef struct tc_store_link tc_store_link_t;

typedef struct tc_store_link_opts {
    const char *dsn;          /* the store's libpq connection string */
    const char *node;         /* this node's name and location; copied */
    const char *location;
    bool can_lead;            /* false for probe nodes: they never take the lock */
    /* Monotonic ms of the engine loop's last turn: while it is older than a few seconds the
     * node stops beating and gives up the lead (a stuck loop decides nothing). */
    _Atomic int64_t *heartbeat;
    /* Called on the link's thread when something below changed; must only wake the engine
     * (uv_async_send). */
    void (*wake)(void *arg);
    void *wake_arg;
} tc_store_link_opts_t;

/* A node of the cluster as the store knows it. */
typedef struct tc_link_node {
    char name[65];
    char location[65];
    bool probe;               /* role probe */
    bool alive;               /* its heartbeat is fresh */
    bool leader;
} tc_link_node_t;

#define TC_LINK_MAX_NODES 64  /* listed in the status; more nodes run but are not listed */

/* What the link knows, copied out by tc_store_link_status(). */
typedef struct tc_store_link_status {
    bool connected;           /* its session to the store is up */
    bool leader;              /* this node holds the lock: it leads in term `term` */
    int64_t term;
    char leader_name[65];     /* the node that leads (its heartbeat is fresh); "" when none */
    uint64_t changes;         /* other nodes' NOTIFYs so far, and reconnections (a change may
                                 have been missed): the engine reloads when it moves */
    tc_link_node_t nodes[TC_LINK_MAX_NODES];
    size_t nnodes;
} tc_store_link_status_t;

/** Start the link's thread; it connects (and keeps reconnecting) on its own, so this fails
 *  only when the thread cannot start. @return 0 or TC_EIO with the reason in @p err. */
int tc_store_link_start(const tc_store_link_opts_t *opts, tc_store_link_t **out, char *err,
                        size_t errlen);
/** Copy what the link knows into @p out. Never blocks on the network. */
void tc_store_link_status(tc_store_link_t *l, tc_store_link_status_t *out);
/** Tell the other nodes that this one committed a change (NOTIFY, from the link's thread).
 *  Never blocks on the network. */
void tc_store_link_announce(tc_store_link_t *l);
/** While leading: the location states read since the last call (the first call after taking
 *  the lead has them all, with *@p complete set), handed over to the caller. */
void tc_store_link_take(tc_store_link_t *l, tc_location_state_t **out, size_t *n,
                        bool *complete);
/* A confirmation's message, whose payload the engine writes and reads (engine/confirm.c). */
typedef struct tc_link_msg {
    bool answer;              /* false: a question (every node hears it); true: an answer
                                 (only a leader keeps them) */
    char *payload;            /* owned */
} tc_link_msg_t;

#define TC_LINK_MSG_MAX 7900  /* payload bytes; PostgreSQL's NOTIFY takes fewer than 8000 */

/** Send @p payload (at most TC_LINK_MSG_MAX bytes; longer ones are dropped) to every node,
 *  this one included, as a question or an answer (NOTIFY, from the link's thread). Never
 *  blocks on the network; a message sent while the store is away is lost. */
void tc_store_link_send(tc_store_link_t *l, bool answer, const char *payload);
/** The questions, and while leading the answers, heard since the last call, handed over. */
void tc_store_link_take_msgs(tc_store_link_t *l, tc_link_msg_t **out, size_t *n);
void tc_store_link_msgs_free(tc_link_msg_t *msgs, size_t n);
/** Stop the thread, end the session (which releases the lock) and free. NULL is accepted. */
void tc_store_link_stop(tc_store_link_t *l);

#endif
