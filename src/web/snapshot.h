/* A snapshot: the immutable set of public documents rendered for one state of the engine,
 * each with its precompressed variants (gzip, brotli) and a strong ETag per variant. The
 * engine builds one per coalesced change and hands it to the HTTP server, which serves only
 * from it. A snapshot and its documents have one owner at a time: the engine while it is
 * built, then whoever it is handed to (see tc_http_publish()). */
#ifndef TC_SNAPSHOT_H
#define TC_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    TC_ENC_IDENTITY, /* no content coding */
    TC_ENC_GZIP,     /* Content-Encoding: gzip */
    TC_ENC_BR,       /* Content-Encoding: br */
    TC_ENC_COUNT,
} tc_encoding_t;

/* Routes are what /metrics counts requests by; a bounded set, unlike paths. */
typedef enum {
    TC_ROUTE_PAGE,       /* / */
    TC_ROUTE_SUMMARY,    /* /api/v2/summary.json */
    TC_ROUTE_STATUS,     /* /api/v2/status.json */
    TC_ROUTE_COMPONENTS, /* /api/v2/components.json */
    TC_ROUTE_HISTORY,    /* /history and /history/YYYY-MM */
    TC_ROUTE_INCIDENT,   /* /incidents/<id> */
    TC_ROUTE_FEED,       /* /history.atom and /history.rss */
    TC_ROUTE_INCIDENTS,  /* /api/v2/incidents*.json and scheduled-maintenances*.json */
    TC_ROUTE_BADGE,      /* /badges/... (SVG and shields.io JSON) */
    TC_ROUTE_UPTIME,     /* /uptime and /api/v2/uptime.json */
    TC_ROUTE_EMBED,      /* /embed (the one page that may be framed) and /embed.js */
    TC_ROUTE_ASSET,      /* /favicon.ico and /robots.txt */
    TC_ROUTE_HEALTHZ,    /* /healthz */
    TC_ROUTE_METRICS,    /* /metrics */
    TC_ROUTE_ENGINE,     /* answered by the engine: /api/push/..., /v1/... */
    TC_ROUTE_OTHER,      /* anything unknown */
    TC_ROUTE_COUNT,
} tc_route_t;

typedef struct tc_variant {
    char *data;     /* owned; NULL when this coding is not offered (not smaller) */
    size_t len;
    char etag[40];  /* quoted strong ETag, e.g. "\"5f1c9e2a7b3d4c10-gz\"" */
} tc_variant_t;

typedef struct tc_doc {
    char *path;               /* owned, e.g. "/api/v2/summary.json" */
    tc_route_t route;
    const char *content_type; /* static */
    const char *cache_control;/* static */
    tc_variant_t var[TC_ENC_COUNT];
} tc_doc_t;

/* Compressed variants of earlier documents, kept by the engine across snapshots: a write
 * changes a few documents, and compressing the unchanged ones again cost ~0.4 s per write
 * (BENCHMARKS.md, part 2). Engine thread only. */
typedef struct tc_snapshot_cache tc_snapshot_cache_t;

typedef struct tc_snapshot {
    uint64_t generation; /* increases with every snapshot the engine publishes */
    tc_snapshot_cache_t *cache; /* borrowed, or NULL */
    tc_doc_t *docs;      /* owned; sorted by path after tc_snapshot_seal() */
    size_t ndocs;
    size_t cap;
} tc_snapshot_t;

/** @return the route's label for /metrics, e.g. "/api/v2/summary.json". */
const char *tc_route_name(tc_route_t r);

tc_snapshot_t *tc_snapshot_new(uint64_t generation);
tc_snapshot_cache_t *tc_snapshot_cache_new(void);
void tc_snapshot_cache_free(tc_snapshot_cache_t *c);

/** Add a document, taking ownership of @p body (malloc'd, @p len bytes); the gzip and brotli
 *  variants and the ETags are computed here, once — or copied from the snapshot's cache when
 *  an earlier snapshot had the same bytes. */
void tc_snapshot_add(tc_snapshot_t *s, const char *path, tc_route_t route,
                     const char *content_type, char *body, size_t len);
/** Sort the documents so tc_snapshot_find() can search them, and drop cache entries this
 *  snapshot did not use. */
void tc_snapshot_seal(tc_snapshot_t *s);
/** @return the document at @p path (exact match), or NULL. Needs tc_snapshot_seal(). */
const tc_doc_t *tc_snapshot_find(const tc_snapshot_t *s, const char *path);
/** Free the snapshot with every variant still owned by it. NULL is accepted. */
void tc_snapshot_free(tc_snapshot_t *s);

#endif
