/* XML 1.0 characters and escaping; see xml.h. */
#include "web/xml.h"

#include <string.h>

size_t tc_xml_char(const unsigned char *s, size_t avail, unsigned long *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned long v;
    if (c < 0x80) {
        if (cp)
            *cp = c;
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
    }
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (avail < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3f);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10ffff)))
        return 0; /* overlong or beyond Unicode */
    if ((v >= 0xd800 && v <= 0xdfff) || v == 0xfffe || v == 0xffff)
        return 0; /* surrogates and the two non-characters XML 1.0 excludes */
    if (cp)
        *cp = v;
    return len;
}

void tc_xml_text(tc_buf_t *b, const char *s, size_t len, int apos)
{
    const char *run = s;
    const char *end = s + len;
    while (s < end) {
        const char *rep;
        size_t n = 1;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'':
            if (!apos) {
                s++;
                continue;
            }
            rep = "&apos;";
            break;
        default:
            n = tc_xml_char((const unsigned char *)s, (size_t)(end - s), NULL);
            if (n) {
                s += n;
                continue;
            }
            n = 1;
            rep = "";
        }
        tc_buf_append(b, run, (size_t)(s - run));
        tc_buf_puts(b, rep);
        s += n;
        run = s;
    }
    tc_buf_append(b, run, (size_t)(end - run));
}

void tc_xml_str(tc_buf_t *b, const char *s, int apos)
{
    if (s)
        tc_xml_text(b, s, strlen(s), apos);
}
