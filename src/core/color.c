/* Colours and WCAG 2.x contrast (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance). */
#include "core/color.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool tc_color_parse(const char *s, tc_color_t *out)
{
    size_t len = s ? strlen(s) : 0;
    if ((len != 4 && len != 7) || s[0] != '#')
        return false;
    int v[6];
    for (size_t i = 1; i < len; i++)
        if ((v[i - 1] = hex(s[i])) < 0)
            return false;
    if (len == 4) /* "#abc" is "#aabbcc" */
        *out = (tc_color_t){(unsigned char)(v[0] * 17), (unsigned char)(v[1] * 17),
                            (unsigned char)(v[2] * 17)};
    else
        *out = (tc_color_t){(unsigned char)(v[0] * 16 + v[1]), (unsigned char)(v[2] * 16 + v[3]),
                            (unsigned char)(v[4] * 16 + v[5])};
    return true;
}

void tc_color_format(tc_color_t c, char out[8])
{
    snprintf(out, 8, "#%02x%02x%02x", c.r, c.g, c.b);
}

static double linear(unsigned char channel)
{
    double c = channel / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double tc_color_luminance(tc_color_t c)
{
    return 0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
}

double tc_color_contrast(tc_color_t a, tc_color_t b)
{
    double la = tc_color_luminance(a), lb = tc_color_luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

tc_color_t tc_color_tint(tc_color_t c, double t)
{
    return (tc_color_t){(unsigned char)lround(c.r + (255 - c.r) * t),
                        (unsigned char)lround(c.g + (255 - c.g) * t),
                        (unsigned char)lround(c.b + (255 - c.b) * t)};
}

void tc_color_format_ratio(double ratio, double needed, char out[16])
{
    snprintf(out, 16, "%.1f:1", ratio);
    double shown = strtod(out, NULL);
    /* 4.47 rounds to "4.5": say "4.47" so the refusal does not contradict itself. */
    if (ratio < needed && shown >= needed)
        snprintf(out, 16, "%.2f:1", floor(ratio * 100) / 100);
}
