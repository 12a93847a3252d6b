/* sRGB colours as the page's branding names them ("#0b5cad", "#fff") and their WCAG 2.x
 * contrast, so a colour that text cannot be read in is refused when the config is loaded
 * rather than found by a reader. Pure arithmetic; no allocation. */
#ifndef TC_COLOR_H
#define TC_COLOR_H

#include <stdbool.h>

typedef struct tc_color {
    unsigned char r, g, b;
} tc_color_t;

#define TC_COLOR_TEXT_CONTRAST 4.5 /* WCAG 2.x AA for normal text (1.4.3) */

/** Parse "#rgb" or "#rrggbb" (hex digits in either case) into @p out.
 *  @return true when @p s is one of those, and nothing else. */
bool tc_color_parse(const char *s, tc_color_t *out);

/** Format @p c as "#rrggbb" (lower case) into @p out, which needs 8 bytes. */
void tc_color_format(tc_color_t c, char out[8]);

/** The WCAG relative luminance of @p c, 0 (black) to 1 (white). */
double tc_color_luminance(tc_color_t c);

/** The WCAG contrast ratio of @p a and @p b, 1 to 21, in either order. */
double tc_color_contrast(tc_color_t a, tc_color_t b);

/** @p c mixed with white, by @p t (0: @p c, 1: white), each channel rounded. */
tc_color_t tc_color_tint(tc_color_t c, double t);

/** Write @p ratio for a person into @p out (16 bytes): "2.4:1". A ratio under @p needed
 *  never reads as reaching it ("4.49:1", not "4.5:1"). */
void tc_color_format_ratio(double ratio, double needed, char out[16]);

#endif
