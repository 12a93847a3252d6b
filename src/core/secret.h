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

/** Initialise libsodium. @return 0, or TC_EIO when it cannot (no entropy source). */
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

/** @p n random bytes as lowercase hex into @p out (2n + 1 bytes). */
void tc_secret_random_hex(char *out, size_t n);
/** tc_secret_hash() of @p key as lowercase hex into @p out. */
void tc_secret_hash_hex(const char *key, char out[2 * TC_SECRET_HASH_LEN + 1]);

#define TC_SECRET_MAC_HEX 32 /* hex digits of a signed token's MAC (128 bits) */
/** Sign @p data for @p purpose: "<data>.<mac>", the MAC being the first TC_SECRET_MAC_HEX hex
 *  digits of HMAC-SHA256(@p key, purpose ":" data). Tokens of one purpose (an unsubscribe
 *  link) cannot be used for another. @p data must not contain '.'. */
void tc_secret_sign(const char *key, const char *purpose, const char *data, char *out,
                    size_t outlen);
/** Check a token made by tc_secret_sign() (in constant time) and copy its data part into
 *  @p data. @return 0, or TC_EINVAL when it is malformed, too long or not signed with @p key. */
int tc_secret_verify(const char *key, const char *purpose, const char *token, char *data,
                     size_t datalen);

/* Console passwords are chosen by people, so they are stretched: Argon2id with libsodium's
 * "interactive" limits (64 MiB, 2 passes; about 0.1-0.3 s), stored as libsodium's encoded
 * string, which carries its own salt and parameters. */
#define TC_SECRET_PASSWORD_HASH_LEN 128 /* crypto_pwhash_STRBYTES */
/** Hash @p password into @p out. @return 0, or TC_EIO when memory for it is lacking. */
int tc_secret_password_hash(const char *password, char out[TC_SECRET_PASSWORD_HASH_LEN]);
/** @return true when @p password matches @p hash (a tc_secret_password_hash() string). */
bool tc_secret_password_check(const char *hash, const char *password);

/** @p n random bytes as unpadded base64url into @p out (4n/3 + 2 bytes suffice), for tokens
 *  that travel in cookies and forms. */
void tc_secret_random_token(char *out, size_t outlen, size_t n);

/** Compare two strings in time that depends only on their lengths. */
bool tc_secret_equal(const char *a, const char *b);

#endif
