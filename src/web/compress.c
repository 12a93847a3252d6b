/* gzip (zlib) and brotli precompression; see compress.h. */
#include "web/compress.h"

#include <brotli/encode.h>
#include <stdlib.h>
#include <zlib.h>

#include "core/alloc.h"

/* Every write re-renders the documents it changes, so compression is on the engine's path to
 * the page. Measured with the bench history (a 238 KB page): brotli 9 + gzip 9 took ~0.4 s
 * of CPU per write and 250 ms to show it; brotli 5 + gzip 6 took ~50 ms and 43 ms, for
 * responses a few percent larger. */
#define BROTLI_QUALITY 5
#define GZIP_LEVEL 6

char *tc_compress_gzip(const char *in, size_t len, size_t *outlen)
{
    z_stream z = {0};
    /* 15 + 16 asks zlib for a gzip header and trailer instead of a raw zlib stream. */
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 32;
    char *out = tc_malloc(cap);
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

char *tc_compress_brotli(const char *in, size_t len, size_t *outlen)
{
    size_t cap = BrotliEncoderMaxCompressedSize(len);
    if (cap == 0)
        cap = len + 1024;
    char *out = tc_malloc(cap);
    *outlen = cap;
    /* A window no larger than the document saves megabytes of encoder memory per call. */
    int lgwin = BROTLI_MIN_WINDOW_BITS;
    while (lgwin < BROTLI_DEFAULT_WINDOW && ((size_t)1 << lgwin) < len)
        lgwin++;
    if (!BrotliEncoderCompress(BROTLI_QUALITY, lgwin, BROTLI_MODE_TEXT, len,
                               (const uint8_t *)in, outlen, (uint8_t *)out)) {
        free(out);
        return NULL;
    }
    return out;
}
