/* Precompression of snapshot documents: the only file that includes zlib and brotli. Runs
 * once per document per snapshot, never on the request path. */
#ifndef TC_COMPRESS_H
#define TC_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

/** gzip @p len bytes at @p in. @return a malloc'd buffer (length in @p outlen) or NULL when
 *  compression failed. */
char *tc_compress_gzip(const char *in, size_t len, size_t *outlen);
/** brotli @p len bytes at @p in, as tc_compress_gzip(). */
char *tc_compress_brotli(const char *in, size_t len, size_t *outlen);

/* A large document that changes a little at a time (the history, the page under a long
 * incident) is compressed in chunks cut where its content says (a rolling hash, so text
 * inserted above a chunk does not move its cuts), each as raw deflate primed with the 32 KiB
 * before it and ended on a byte boundary: together they are one deflate stream. The next
 * version of the document copies the deflate of every chunk whose bytes and 32 KiB before are
 * the same, and compresses only the others. */
typedef struct tc_gzip_chunk {
    size_t in_off, in_len;   /* the chunk in the document's bytes */
    size_t out_off, out_len; /* its deflate in the gzip bytes */
    uint32_t crc;            /* CRC-32 of its bytes */
    uint64_t print;          /* the rolling hash at its cut: with in_len, where to look */
    uint64_t digest;         /* BLAKE2b-64 of its bytes: the document's is made of these */
} tc_gzip_chunk_t;

/** The previous version of a document, for tc_compress_gzip_chunked(); all NULL/0: none. */
typedef struct tc_gzip_prev {
    const char *in;                /* its bytes */
    size_t len;
    const char *gz;                /* its gzip from tc_compress_gzip_chunked() */
    const tc_gzip_chunk_t *chunks; /* and the chunks it returned */
    size_t nchunks;
} tc_gzip_prev_t;

/** A digest of the whole document from its chunks' (tc_gzip_chunk_t.digest). */
uint64_t tc_compress_chunks_digest(const tc_gzip_chunk_t *chunks, size_t n);

/** gzip @p len bytes at @p in chunk by chunk, copying what @p prev (or NULL) has the same.
 *  @return a malloc'd buffer (length in @p outlen) with its chunks (malloc'd) in @p chunks
 *  and @p nchunks, or NULL when compression failed. */
char *tc_compress_gzip_chunked(const char *in, size_t len, const tc_gzip_prev_t *prev,
                               size_t *outlen, tc_gzip_chunk_t **chunks, size_t *nchunks);

#endif
