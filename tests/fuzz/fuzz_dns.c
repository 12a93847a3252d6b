/* libFuzzer driver for DNS answers: the dns probe's format_answers() and rcode_name() on a
 * message as a resolver (or an attacker on the path) could send it. The file under test is
 * included to reach its static functions.
 *
 * Input: the first byte picks the query type (A, NS, CNAME, MX, TXT, AAAA or, for other
 * values, the byte itself), the rest is the DNS message.
 *
 * Run: build-fuzz/fuzz_dns tests/fuzz/corpus/dns */
#include "probe/probe_dns.c"

#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int types[] = {1, 2, 5, 15, 16, 28};
    if (size < 1)
        return 0;
    int qtype = data[0] < 6 * 16 ? types[data[0] % 6] : data[0];
    size_t alen = size - 1;
    /* An exact-size copy so a read past the message is caught (c-ares reads from abuf). */
    unsigned char *abuf = malloc(alen ? alen : 1);
    if (alen)
        memcpy(abuf, data + 1, alen);
    tc_buf_t out;
    tc_buf_init(&out, 4096);
    char ip[64] = "";
    format_answers(abuf, (int)alen, qtype, &out, ip, sizeof ip);
    if (out.data && strlen(out.data) > out.len) {
        fprintf(stderr, "fuzz_dns: output length does not match its text\n");
        abort();
    }
    char rcode[16];
    rcode_name(alen >= 4 ? abuf[3] & 0x0f : data[0], rcode, sizeof rcode);
    tc_buf_free(&out);
    free(abuf);
    return 0;
}
