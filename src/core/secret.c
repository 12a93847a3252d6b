/* libsodium wrappers; see secret.h. */
#include "core/secret.h"
#include "core/err.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

int tc_secret_init(void)
{
    return sodium_init() < 0 ? TC_EIO : 0;
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

int tc_secret_password_hash(const char *password, char out[TC_SECRET_PASSWORD_HASH_LEN])
{
    _Static_assert(TC_SECRET_PASSWORD_HASH_LEN == crypto_pwhash_STRBYTES, "hash length");
    return crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : TC_EIO;
}

bool tc_secret_password_check(const char *hash, const char *password)
{
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void tc_secret_random_token(char *out, size_t outlen, size_t n)
{
    unsigned char raw[64];
    if (n > sizeof raw)
        n = sizeof raw;
    randombytes_buf(raw, n);
    sodium_bin2base64(out, outlen, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
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

void tc_secret_random_hex(char *out, size_t n)
{
    unsigned char raw[64];
    if (n > sizeof raw)
        n = sizeof raw;
    randombytes_buf(raw, n);
    sodium_bin2hex(out, 2 * n + 1, raw, n);
    sodium_memzero(raw, sizeof raw);
}

void tc_secret_hash_hex(const char *key, char out[2 * TC_SECRET_HASH_LEN + 1])
{
    unsigned char h[TC_SECRET_HASH_LEN];
    tc_secret_hash(key, h);
    sodium_bin2hex(out, 2 * TC_SECRET_HASH_LEN + 1, h, sizeof h);
}

static void token_mac(const char *key, const char *purpose, const char *data, size_t datalen,
                      char mac[TC_SECRET_MAC_HEX + 1])
{
    unsigned char raw[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, datalen);
    crypto_auth_hmacsha256_final(&st, raw);
    sodium_bin2hex(mac, TC_SECRET_MAC_HEX + 1, raw, TC_SECRET_MAC_HEX / 2);
}

void tc_secret_sign(const char *key, const char *purpose, const char *data, char *out,
                    size_t outlen)
{
    char mac[TC_SECRET_MAC_HEX + 1];
    token_mac(key, purpose, data, strlen(data), mac);
    snprintf(out, outlen, "%s.%s", data, mac);
}

int tc_secret_verify(const char *key, const char *purpose, const char *token, char *data,
                     size_t datalen)
{
    const char *dot = strrchr(token, '.');
    if (!dot || dot == token || (size_t)(dot - token) >= datalen ||
        strlen(dot + 1) != TC_SECRET_MAC_HEX)
        return TC_EINVAL;
    char mac[TC_SECRET_MAC_HEX + 1];
    token_mac(key, purpose, token, (size_t)(dot - token), mac);
    if (sodium_memcmp(mac, dot + 1, TC_SECRET_MAC_HEX) != 0)
        return TC_EINVAL;
    memcpy(data, token, (size_t)(dot - token));
    data[dot - token] = '\0';
    return 0;
}
