/* The HTTP server: the only module that includes <microhttpd.h>. It answers every request
 * from the snapshot last given to tc_http_publish() (plus /healthz and /metrics), so the
 * request path never touches the store and never renders.
 *
 * Threads: libmicrohttpd runs its own pool of threads; tc_http_start(), tc_http_publish(),
 * tc_http_reap() and tc_http_stop() are called from the engine thread only. */
#ifndef TC_HTTP_SERVER_H
#define TC_HTTP_SERVER_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "web/snapshot.h"

typedef struct tc_http tc_http_t;

typedef struct tc_http_opts {
    const char *host;         /* address to listen on */
    int port;
    int threads;              /* request threads; 0 means one per core */
    int connection_limit;     /* simultaneous connections in all */
    int per_ip_limit;         /* per client address; 0 means none */
    int connection_timeout;   /* seconds before an idle connection is closed */
    /* Monotonic ms of the engine loop's last heartbeat; /healthz fails when it is stale.
     * Owned by the caller and must outlive the server. */
    const _Atomic int64_t *heartbeat;
} tc_http_opts_t;

/** Bind and start serving (404 for everything until the first publish).
 *  @return 0, or TC_EIO with the reason in @p err. */
int tc_http_start(const tc_http_opts_t *opts, tc_http_t **out, char *err, size_t errlen);

/** Serve @p snap from now on. Takes ownership of @p snap. The previous snapshot is retired:
 *  requests already holding it finish with it, and tc_http_reap() frees it later. */
void tc_http_publish(tc_http_t *h, tc_snapshot_t *snap);

/** Replace the engine-supplied part of /metrics (monitor states, schedule lag) with @p text
 *  of @p len bytes, taking ownership of it. */
void tc_http_set_metrics(tc_http_t *h, char *text, size_t len);

/** Free snapshots retired long enough ago that no request can still be reading them. */
void tc_http_reap(tc_http_t *h);

/** Stop accepting, finish with the pool threads and free everything. NULL is accepted. */
void tc_http_stop(tc_http_t *h);

#endif
