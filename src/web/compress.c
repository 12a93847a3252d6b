/* gzip (zlib) and brotli precompression; see compress.h. */
#include "web/compress.h"

#include <brotli/encode.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/alloc.h"
#include "core/secret.h"

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

/* ---- chunked gzip ----------------------------------------------------------------------- */

#define CHUNK_MIN (8 * 1024)   /* no cut before this: fewer chunks, each primed by its window */
#define CHUNK_MAX (64 * 1024)  /* always a cut here, whatever the content */
#define CUT_BITS 14            /* a cut where the top 14 bits of the rolling hash are 0: about
                                  every 16 KiB past the minimum */
#define WINDOW (32 * 1024)     /* deflate's: what a chunk's back-references may reach */

/* The gear table of the rolling hash (FastCDC's): random values for each byte, fixed here so
 * the cuts of the same bytes are the same in every run. */
static uint64_t gear[256];
static pthread_once_t gear_once = PTHREAD_ONCE_INIT;

static void gear_init(void)
{
    uint64_t x = 0x6a09e667f3bcc908ULL;
    for (int i = 0; i < 256; i++) {
        uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        gear[i] = z ^ (z >> 31);
    }
}

/* The length of the chunk that starts at @p p (@p n bytes left), and the rolling hash at its
 * end in @p print. The hash is shifted one bit per byte, so it depends on the last 64 bytes
 * only and can start 64 bytes before the minimum. */
static size_t cut(const unsigned char *p, size_t n, uint64_t *print)
{
    size_t max = n < CHUNK_MAX ? n : CHUNK_MAX;
    size_t i = max > CHUNK_MIN ? CHUNK_MIN - 64 : (max > 64 ? max - 64 : 0);
    uint64_t h = 0;
    size_t first_cut = max > CHUNK_MIN ? CHUNK_MIN : max;
    for (; i < first_cut; i++)
        h = (h << 1) + gear[p[i]];
    for (; i < max; i++) {
        h = (h << 1) + gear[p[i]];
        if (!(h >> (64 - CUT_BITS))) {
            i++;
            break;
        }
    }
    *print = h;
    return i;
}

/* The previous version's chunk with the same bytes as [@p off, +@p len) of @p in and the
 * same window before it, or NULL. */
static const tc_gzip_chunk_t *same_chunk(const tc_gzip_prev_t *prev, const size_t *table,
                                         size_t mask, const char *in, size_t off, size_t len,
                                         uint64_t print)
{
    for (size_t i = (print ^ len) & mask; table[i]; i = (i + 1) & mask) {
        const tc_gzip_chunk_t *c = &prev->chunks[table[i] - 1];
        if (c->print != print || c->in_len != len)
            continue;
        size_t w = off < WINDOW ? off : WINDOW, wp = c->in_off < WINDOW ? c->in_off : WINDOW;
        if (w == wp && memcmp(in + off - w, prev->in + c->in_off - w, w + len) == 0)
            return c;
    }
    return NULL;
}

/* Raw deflate of [@p off, +@p len) of @p in primed with the window before it, ended with a
 * sync flush (byte-aligned, not final), at @p out. @return its length, or 0 on failure. */
static size_t deflate_chunk(z_stream *z, const char *in, size_t off, size_t len, char *out,
                            size_t room)
{
    size_t w = off < WINDOW ? off : WINDOW;
    if (deflateReset(z) != Z_OK ||
        (w && deflateSetDictionary(z, (const Bytef *)in + off - w, (uInt)w) != Z_OK))
        return 0;
    z->next_in = (Bytef *)in + off;
    z->avail_in = (uInt)len;
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)room;
    if (deflate(z, Z_SYNC_FLUSH) != Z_OK || z->avail_in != 0)
        return 0;
    return room - z->avail_out;
}

static void put_le32(char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (char)(v >> (8 * i));
}

uint64_t tc_compress_chunks_digest(const tc_gzip_chunk_t *chunks, size_t n)
{
    uint64_t *d = tc_malloc((n ? n : 1) * sizeof *d);
    for (size_t k = 0; k < n; k++)
        d[k] = chunks[k].digest;
    uint64_t h = tc_secret_digest64(d, n * sizeof *d);
    free(d);
    return h;
}

char *tc_compress_gzip_chunked(const char *in, size_t len, const tc_gzip_prev_t *prev,
                               size_t *outlen, tc_gzip_chunk_t **chunks, size_t *nchunks)
{
    static const char header[10] = {0x1f, (char)0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    pthread_once(&gear_once, gear_init);
    *chunks = NULL;
    *nchunks = 0;
    /* The previous chunks by print and length, open addressing (index + 1; 0 is empty). */
    size_t cap = 16, *table = NULL, mask = 0;
    if (prev && prev->nchunks) {
        while (cap < prev->nchunks * 2)
            cap *= 2;
        table = tc_calloc(cap, sizeof *table);
        mask = cap - 1;
        for (size_t k = 0; k < prev->nchunks; k++) {
            size_t i = (prev->chunks[k].print ^ prev->chunks[k].in_len) & mask;
            while (table[i])
                i = (i + 1) & mask;
            table[i] = k + 1;
        }
    }
    z_stream z = {0};
    if (deflateInit2(&z, GZIP_LEVEL, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(table);
        return NULL;
    }
    size_t room = sizeof header + 2 + 8 + deflateBound(&z, (uLong)len) + (len / CHUNK_MIN + 1) * 16;
    char *out = tc_malloc(room);
    size_t pos = sizeof header, n = 0, ccap = len / CHUNK_MIN + 2;
    tc_gzip_chunk_t *c = tc_malloc(ccap * sizeof *c);
    uLong crc = crc32(0, Z_NULL, 0);
    memcpy(out, header, sizeof header);
    bool ok = true;
    for (size_t off = 0; off < len && ok;) {
        uint64_t print;
        size_t clen = cut((const unsigned char *)in + off, len - off, &print);
        const tc_gzip_chunk_t *old =
            table ? same_chunk(prev, table, mask, in, off, clen, print) : NULL;
        tc_gzip_chunk_t *k = &c[n++];
        *k = (tc_gzip_chunk_t){.in_off = off, .in_len = clen, .out_off = pos, .print = print};
        if (old) {
            memcpy(out + pos, prev->gz + old->out_off, old->out_len);
            k->out_len = old->out_len;
            k->crc = old->crc;
            k->digest = old->digest;
        } else {
            k->out_len = deflate_chunk(&z, in, off, clen, out + pos, room - pos - 10);
            k->crc = (uint32_t)crc32(0, (const Bytef *)in + off, (uInt)clen);
            k->digest = tc_secret_digest64(in + off, clen);
            ok = k->out_len > 0;
        }
        crc = crc32_combine(crc, k->crc, (z_off_t)clen);
        pos += k->out_len;
        off += clen;
    }
    deflateEnd(&z);
    free(table);
    if (!ok) {
        free(c);
        free(out);
        return NULL;
    }
    /* An empty final block (fixed Huffman codes: BFINAL, BTYPE 01, end of block), then the
     * gzip trailer: CRC-32 and length. */
    out[pos++] = 0x03;
    out[pos++] = 0x00;
    put_le32(out + pos, (uint32_t)crc);
    put_le32(out + pos + 4, (uint32_t)len);
    pos += 8;
    *outlen = pos;
    *chunks = c;
    *nchunks = n;
    return out;
}
