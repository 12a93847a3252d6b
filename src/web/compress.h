/* Precompression of snapshot documents: the only file that includes zlib and brotli. Runs
 * once per document per snapshot, never on the request path. */
#ifndef TC_COMPRESS_H
#define TC_COMPRESS_H

#include <stddef.h>

/** gzip @p len bytes at @p in. @return a malloc'd buffer (length in @p outlen) or NULL when
 *  compression failed. */
char *tc_compress_gzip(const char *in, size_t len, size_t *outlen);
/** brotli @p len bytes at @p in, as tc_compress_gzip(). */
char *tc_compress_brotli(const char *in, size_t len, size_t *outlen);

#endif
