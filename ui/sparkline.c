/* sparkline: a minute of samples (CPU %, I/O rates) flows in as an array of doubles and
 * leaves as one line of block characters (▁▂▃▄▅▆▇█), or ASCII levels when the locale
 * is not UTF-8; the list's CPU column and the details graphs draw these strings. */
#include <stdio.h>
#include <string.h>

#include "ui/ui.h"

/* The eight levels, lowest first, in UTF-8 and in ASCII. */
static const char *const sparkline_utf8[8] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                              "\u2585", "\u2586", "\u2587", "\u2588"};
static const char sparkline_ascii[8] = {'_', '.', '-', '=', '+', '*', '#', '@'};

/* Append s to buf (of len bytes, at *used) if it fits. */
static void sparkline_put(char *buf, size_t len, size_t *used, const char *s)
{
    size_t n = strlen(s);
    if (*used + n + 1 > len)
        return;
    memcpy(buf + *used, s, n);
    *used += n;
    buf[*used] = '\0';
}

/* Render values into cells characters (see ui.h). */
void sparkline_render(const double *vals, size_t n, int cells, double max, bool utf8, char *buf,
                      size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    if (cells <= 0)
        return;
    size_t c = (size_t)cells;
    size_t per = n > c ? (n + c - 1) / c : 1; /* samples per cell */
    size_t groups = (n + per - 1) / per;
    for (size_t i = groups; i < c; i++)
        sparkline_put(buf, len, &used, " ");
    /* Groups end at the newest sample, so the oldest group is the short one. */
    for (size_t g = 0; g < groups; g++) {
        size_t end = n - (groups - 1 - g) * per;
        size_t begin = end >= per ? end - per : 0;
        double sum = 0;
        size_t k = 0;
        for (size_t i = begin; i < end; i++)
            if (vals[i] >= 0) {
                sum += vals[i];
                k++;
            }
        if (k == 0) {
            sparkline_put(buf, len, &used, " ");
            continue;
        }
        double v = sum / (double)k;
        int level = max > 0 ? (int)(v / max * 7.0 + 0.5) : 0;
        if (level < 0)
            level = 0;
        if (level > 7)
            level = 7;
        char ascii[2] = {sparkline_ascii[level], '\0'};
        sparkline_put(buf, len, &used, utf8 ? sparkline_utf8[level] : ascii);
    }
}
