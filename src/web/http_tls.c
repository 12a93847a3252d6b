/* HTTPS for the HTTP server, through libmicrohttpd's GnuTLS support: certificates loaded and
 * checked here, handed to GnuTLS by a certificate callback instead of fixed at start, so that
 * a reload (SIGHUP) gives new handshakes the new certificate while connections already open
 * carry on with theirs; TLS 1.2 and 1.3 only; and the Strict-Transport-Security header. This
 * is the only file that includes GnuTLS. */
#include "web/http_server_int.h"

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/clock.h"
#include "core/err.h"

#define MAX_CHAIN 16 /* certificates in one chain file; real chains hold 2 to 4 */
/* How long a replaced certificate is kept. GnuTLS reads the one it was given during the
 * handshake (bounded by the header deadline or the connection timeout, seconds), and
 * nothing reads it afterwards; an hour leaves a wide margin and costs a few KiB a reload. */
#define CERT_GRACE_MS (3600 * 1000)

/* No SSL 3, TLS 1.0 or 1.1 (RFC 8996); GnuTLS's NORMAL ciphers otherwise. */
static const char priorities[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2";

struct tc_http_cert {
    gnutls_pcert_st chain[MAX_CHAIN]; /* leaf first, as the file lists them */
    unsigned nchain;
    gnutls_privkey_t key;
    int64_t expires;                  /* the leaf's notAfter, wall ms */
    int64_t retired_mono;             /* when it stopped being current (retired list) */
    struct tc_http_cert *next;        /* retired list link */
};

/* The public key of @p pcert and of @p key, in DER, are the same bytes. */
static int key_matches(gnutls_pcert_st *pcert, gnutls_privkey_t key)
{
    gnutls_pubkey_t from_key = NULL;
    gnutls_datum_t a = {NULL, 0}, b = {NULL, 0};
    int same = 0;
    if (gnutls_pubkey_init(&from_key) == 0 &&
        gnutls_pubkey_import_privkey(from_key, key, 0, 0) == 0 &&
        gnutls_pubkey_export2(from_key, GNUTLS_X509_FMT_DER, &a) == 0 &&
        gnutls_pubkey_export2(pcert->pubkey, GNUTLS_X509_FMT_DER, &b) == 0)
        same = a.size == b.size && memcmp(a.data, b.data, a.size) == 0;
    gnutls_free(a.data);
    gnutls_free(b.data);
    if (from_key)
        gnutls_pubkey_deinit(from_key);
    return same;
}

static int64_t leaf_expiry(gnutls_pcert_st *leaf)
{
    gnutls_x509_crt_t crt = NULL;
    int64_t at = 0;
    if (gnutls_pcert_export_x509(leaf, &crt) == 0) {
        at = (int64_t)gnutls_x509_crt_get_expiration_time(crt) * 1000;
        gnutls_x509_crt_deinit(crt);
    }
    return at;
}

int tc_http_cert_load(const char *cert_path, const char *key_path, tc_http_cert_t **out,
                      char *err, size_t errlen)
{
    *out = NULL;
    gnutls_datum_t pem = {NULL, 0}, key_pem = {NULL, 0};
    tc_http_cert_t *c = tc_calloc(1, sizeof *c);
    int rc = TC_EIO, g;
    if ((g = gnutls_load_file(cert_path, &pem)) < 0) {
        snprintf(err, errlen, "cannot read the certificate \"%s\": %s", cert_path,
                 gnutls_strerror(g));
        goto out;
    }
    c->nchain = MAX_CHAIN;
    if ((g = gnutls_pcert_list_import_x509_raw(c->chain, &c->nchain, &pem, GNUTLS_X509_FMT_PEM,
                                               0)) < 0) {
        c->nchain = 0;
        snprintf(err, errlen, "the certificate \"%s\" holds no PEM certificate chain: %s",
                 cert_path, gnutls_strerror(g));
        goto out;
    }
    if ((g = gnutls_load_file(key_path, &key_pem)) < 0) {
        snprintf(err, errlen, "cannot read the key \"%s\": %s", key_path, gnutls_strerror(g));
        goto out;
    }
    if ((g = gnutls_privkey_init(&c->key)) < 0 ||
        (g = gnutls_privkey_import_x509_raw(c->key, &key_pem, GNUTLS_X509_FMT_PEM, NULL, 0)) <
            0) {
        snprintf(err, errlen, "the key \"%s\" holds no unencrypted PEM private key: %s",
                 key_path, gnutls_strerror(g));
        goto out;
    }
    if (!key_matches(&c->chain[0], c->key)) {
        snprintf(err, errlen, "the key \"%s\" does not belong to the certificate \"%s\"",
                 key_path, cert_path);
        goto out;
    }
    c->expires = leaf_expiry(&c->chain[0]);
    *out = c;
    c = NULL;
    rc = 0;
out:
    gnutls_free(pem.data);
    if (key_pem.data) {
        gnutls_memset(key_pem.data, 0, key_pem.size);
        gnutls_free(key_pem.data);
    }
    tc_http_cert_free(c);
    return rc;
}

int64_t tc_http_cert_expires(const tc_http_cert_t *c)
{
    return c->expires;
}

void tc_http_cert_free(tc_http_cert_t *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->nchain; i++)
        gnutls_pcert_deinit(&c->chain[i]);
    if (c->key)
        gnutls_privkey_deinit(c->key);
    free(c);
}

/* gnutls_certificate_retrieve_function2, asked at each handshake. libmicrohttpd puts the
 * connection in the session's pointer; its record says which server it belongs to. The
 * certificate is lent, not copied: the grace period keeps it alive. */
static int retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **chain, unsigned int *nchain,
                         gnutls_privkey_t *key)
{
    (void)req_ca_dn;
    (void)nreqs;
    (void)pk_algos;
    (void)pk_algos_length;
    struct MHD_Connection *conn = gnutls_session_get_ptr(session);
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    const conn_rec_t *rec = ci ? ci->socket_context : NULL;
    tc_http_cert_t *c = rec ? atomic_load(&rec->h->cert) : NULL;
    if (!c)
        return -1; /* ends the handshake */
    *chain = c->chain;
    *nchain = c->nchain;
    *key = c->key;
    return 0;
}

void tc_http__tls_init(tc_http_t *h, tc_http_cert_t *cert, long hsts_seconds)
{
    atomic_store(&h->cert, cert);
    if (cert && hsts_seconds > 0)
        snprintf(h->hsts, sizeof h->hsts, "max-age=%ld", hsts_seconds);
}

void tc_http__tls_options(const tc_http_t *h, struct MHD_OptionItem items[3])
{
    items[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (!atomic_load(&h->cert))
        return;
    /* A function pointer passed as the item's pointer, as libmicrohttpd reads it back. */
    items[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
                                       (void *)(uintptr_t)retrieve_cert};
    items[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)priorities};
    items[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

void tc_http__hsts(const tc_http_t *h, struct MHD_Response *r)
{
    if (h->hsts[0])
        MHD_add_response_header(r, "Strict-Transport-Security", h->hsts);
}

int tc_http_use_cert(tc_http_t *h, tc_http_cert_t *cert)
{
    tc_http_cert_t *old = atomic_load(&h->cert);
    if (!old) {
        tc_http_cert_free(cert);
        return TC_EINVAL;
    }
    atomic_store(&h->cert, cert);
    old->retired_mono = tc_clock_mono_ms();
    old->next = h->retired_certs;
    h->retired_certs = old;
    return 0;
}

void tc_http__certs_reap(tc_http_t *h, int all)
{
    int64_t now = tc_clock_mono_ms();
    tc_http_cert_t **p = &h->retired_certs;
    while (*p) {
        tc_http_cert_t *c = *p;
        if (all || now - c->retired_mono >= CERT_GRACE_MS) {
            *p = c->next;
            tc_http_cert_free(c);
        } else {
            p = &c->next;
        }
    }
    if (all)
        tc_http_cert_free(atomic_exchange(&h->cert, NULL));
}
