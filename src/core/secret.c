/* libsodium wrappers; see secret.h. */
#include "core/secret.h"

#include <sodium.h>
#include <string.h>

int tc_secret_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void tc_secret_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

void tc_secret_new_key(char out[TC_SECRET_KEY_LEN])
{
    unsigned char raw[24];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, "tc_", 3);
    sodium_bin2hex(out + 3, TC_SECRET_KEY_LEN - 3, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
}

void tc_secret_hash(const char *key, unsigned char out[TC_SECRET_HASH_LEN])
{
    crypto_generichash(out, TC_SECRET_HASH_LEN, (const unsigned char *)key, strlen(key), NULL, 0);
}

bool tc_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}

void tc_secret_hmac_hex(const char *key, const char *data, char out[TC_SECRET_HMAC_HEX])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, strlen(data));
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(out, TC_SECRET_HMAC_HEX, mac, sizeof mac);
}
