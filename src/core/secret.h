/* Secrets: random ids and keys, API-key hashing and constant-time comparison, with
 * libsodium (the only file that includes it). Keys are shown once and stored only as a
 * BLAKE2b hash: they are 192-bit random strings, so a fast hash is enough (no password
 * stretching is needed for a secret nobody chose). */
#ifndef TC_SECRET_H
#define TC_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define TC_SECRET_HASH_LEN 32 /* bytes of a key hash */
#define TC_SECRET_KEY_LEN 52  /* "tc_" + 48 hex digits + NUL */

/** Initialise libsodium. @return 0, or -1 when it cannot (no entropy source). */
int tc_secret_init(void);
/** Fill @p buf with @p n cryptographically random bytes. */
void tc_secret_random(void *buf, size_t n);
/** A new API key ("tc_" + 48 hex digits) into @p out. */
void tc_secret_new_key(char out[TC_SECRET_KEY_LEN]);
/** Hash @p key for storage and lookup. */
void tc_secret_hash(const char *key, unsigned char out[TC_SECRET_HASH_LEN]);
#define TC_SECRET_HMAC_HEX 65 /* 64 hex digits + NUL */
/** HMAC-SHA256 of @p data with @p key, as lowercase hex into @p out. */
void tc_secret_hmac_hex(const char *key, const char *data, char out[TC_SECRET_HMAC_HEX]);

/** Compare two strings in time that depends only on their lengths. */
bool tc_secret_equal(const char *a, const char *b);

#endif
