/* A snapshot: the immutable set of public documents rendered for one state of the engine,
 * each with its precompressed variants (gzip, brotli) and a strong ETag per variant. The
 * engine builds one per coalesced change and hands it to the HTTP server, which serves only
 * from it.
 *
 * Documents are shared: a document whose bytes did not change is the same object in every
 * snapshot that shows it, compressed once and served from responses built once (issue 16: a
 * write costs what it changes, not what is stored). Ownership is counted, on the engine
 * thread only: a snapshot is held by whoever builds or serves it and freed when the last
 * holder releases it; a document is held by the snapshots that contain it. What the HTTP
 * server built on a document (doc->served) is freed when the last snapshot lets go of it;
 * the bytes live on while a response still being sent refers to them (doc->refs). */
#ifndef TC_SNAPSHOT_H
#define TC_SNAPSHOT_H

#include <stdatomic.h>
#include <stdbool.h>
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
    char *data;     /* owned by the document; NULL when this coding is not offered */
    size_t len;
    char etag[40];  /* quoted strong ETag, e.g. "\"5f1c9e2a7b3d4c10-gz\"" */
} tc_variant_t;

typedef struct tc_doc {
    char *path;               /* owned, e.g. "/api/v2/summary.json" */
    tc_route_t route;
    const char *content_type; /* static */
    const char *cache_control;/* static */
    tc_variant_t var[TC_ENC_COUNT];
    uint64_t hash;            /* BLAKE2b-64 of the identity bytes, or of the digests of its
                                 gzip chunks when it has them (the ETags are made of it) */
    uint64_t key;             /* the renderer's fingerprint of what the document shows, when it
                                 has one (0: none): equal keys mean the same bytes without
                                 rendering (render.c) */
    unsigned holders;         /* engine thread: snapshots that contain it */
    /* One for all the holders together, plus one per response of the HTTP server that still
     * points into the bytes; the bytes are freed with the last (any thread). */
    _Atomic unsigned refs;
    /* With a chunked gzip variant (large documents, snapshot.c): its chunks, owned, so the
     * next version of the document compresses only what changed. */
    struct tc_gzip_chunk *gz_chunks;
    size_t ngz_chunks;
    void *served;             /* the HTTP server's responses for it, built once; or NULL */
    void (*served_free)(void *served); /* frees them; called when the last holder lets go */
    /* Made when first asked for (a page the snapshot offers, below) and kept while the
     * budget for such pages allows; the least recently used go first. */
    bool on_demand;
    _Atomic int64_t used;     /* with on_demand: when it was last served (coarse ms, any
                                 thread; only for choosing what to drop) */
} tc_doc_t;

typedef struct tc_snapshot {
    uint64_t generation; /* increases with every snapshot the engine publishes */
    /* The snapshot before, borrowed while this one is built: documents whose bytes (or key)
     * are the same are taken from it instead of being compressed again. NULL: none. */
    const struct tc_snapshot *prev;
    tc_doc_t **docs;     /* held; in the order added */
    size_t ndocs;
    size_t cap;
    /* By path hash, open addressing, made by tc_snapshot_seal(); the hash is kept beside the
     * pointer so a probe touches no document but the one it finds. */
    struct tc_snapshot_slot {
        uint64_t hash;
        tc_doc_t *doc;
    } *index;
    size_t index_cap;    /* a power of two, or 0 */
    /* The pages made when first asked for (tc_snapshot_set_offers()), held: a request for
     * one that is not among the documents goes to the engine, which makes it; any other
     * unknown path is a 404 without it. NULL: none. */
    struct tc_offers *offers;
    unsigned holders;    /* engine thread */
} tc_snapshot_t;

/* A set of paths (by their hashes) that exist as pages made on demand: made by the renderer
 * when the pages that exist change, and shared by every snapshot until then. Counted on the
 * engine thread; read by any thread while a snapshot holding it is held. */
typedef struct tc_offers {
    uint64_t *set;       /* open addressing, at most half full; 0 is an empty slot */
    size_t cap;          /* a power of two */
    unsigned holders;
} tc_offers_t;

/** @return the route's label for /metrics, e.g. "/api/v2/summary.json". */
const char *tc_route_name(tc_route_t r);

/** A new snapshot with one holder, the caller. */
tc_snapshot_t *tc_snapshot_new(uint64_t generation);

/** Add a document, taking ownership of @p body (malloc'd, @p len bytes). When the previous
 *  snapshot has the same bytes at @p path, its document is shared and @p body freed;
 *  otherwise the gzip and brotli variants and the ETags are computed here, once. */
void tc_snapshot_add(tc_snapshot_t *s, const char *path, tc_route_t route,
                     const char *content_type, char *body, size_t len);
/** The same, remembering @p key (non-zero), the renderer's fingerprint of the inputs. */
void tc_snapshot_add_keyed(tc_snapshot_t *s, const char *path, tc_route_t route,
                           const char *content_type, char *body, size_t len, uint64_t key);
/** Share the previous snapshot's document at @p path if it was made for @p key (non-zero).
 *  @return true when it was added, false when the caller must render it. */
bool tc_snapshot_reuse(tc_snapshot_t *s, const char *path, uint64_t key);
/** Share the previous snapshot's document at @p path as a page made on demand (subject to
 *  tc_snapshot_trim()) if it was made for @p key (non-zero). @return true when it was. */
bool tc_snapshot_keep_on_demand(tc_snapshot_t *s, const char *path, uint64_t key);
/** The hash by which a path is offered (and documents are indexed). */
uint64_t tc_snapshot_path_hash(const char *path);
/** A set of the @p n path hashes at @p hashes (duplicates allowed), with one holder. */
tc_offers_t *tc_offers_new(const uint64_t *hashes, size_t n);
/** One holder more, or less (the last frees it; NULL is accepted). Engine thread. */
void tc_offers_hold(tc_offers_t *o);
void tc_offers_release(tc_offers_t *o);
/** Offer the pages of @p o (held by @p s from now on) to be made when first asked for. */
void tc_snapshot_set_offers(tc_snapshot_t *s, tc_offers_t *o);
/** Add a page made on demand (tc_snapshot_add_keyed(), marked on_demand and used now). */
void tc_snapshot_add_on_demand(tc_snapshot_t *s, const char *path, tc_route_t route,
                               const char *content_type, char *body, size_t len, uint64_t key,
                               int64_t now);
/** Drop the least recently used pages made on demand until their bytes (with their
 *  compressed variants) fit in @p budget. Before tc_snapshot_seal(). */
void tc_snapshot_trim(tc_snapshot_t *s, size_t budget);
/** A new snapshot, not sealed, with one holder: @p s's documents (shared) and offers. */
tc_snapshot_t *tc_snapshot_extend(const tc_snapshot_t *s, uint64_t generation);
/** Index the documents so tc_snapshot_find() can find them (a path added twice: the last
 *  one wins), and forget prev. */
void tc_snapshot_seal(tc_snapshot_t *s);
/** @return the document at @p path (exact match), or NULL. Needs tc_snapshot_seal(). Any
 *  thread, while the snapshot is held. */
const tc_doc_t *tc_snapshot_find(const tc_snapshot_t *s, const char *path);
/** @return whether @p path is offered to be made on demand (the page exists; it may or may
 *  not be among the documents now). Needs tc_snapshot_seal(). Any thread, while held. */
bool tc_snapshot_offers(const tc_snapshot_t *s, const char *path);
/** One more holder. Engine thread. */
void tc_snapshot_hold(tc_snapshot_t *s);
/** One holder less; the last frees the snapshot and lets go of its documents. NULL is
 *  accepted. Engine thread. */
void tc_snapshot_release(tc_snapshot_t *s);
/** A reference to @p d's bytes for a response that points into them; any thread drops it
 *  with tc_doc_unref(). */
void tc_doc_ref(tc_doc_t *d);
void tc_doc_unref(tc_doc_t *d);

#endif
