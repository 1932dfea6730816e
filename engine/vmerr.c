/* vmerr: filling and printing the one error type (see vmerr.h). */
#include "engine/vmerr.h"

#include <stdio.h>
#include <string.h>

/* Store a formatted message, collapsing newlines so the message stays on one line. */
static void vmerr_vformat(struct vmerr *err, enum vmerr_code code, const char *fmt, va_list ap)
{
    err->code = code;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(err->message);
    while (n > 0 && err->message[n - 1] == ' ')
        err->message[--n] = '\0';
}

/* Set err to code with a printf-style message. */
int vmerr_set(struct vmerr *err, enum vmerr_code code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vmerr_clear(err);
    vmerr_vformat(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

/* Set a system error: the message followed by strerror(errnum). */
int vmerr_set_errno(struct vmerr *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vmerr_clear(err);
    vmerr_vformat(err, VMERR_SYSTEM, fmt, ap);
    va_end(ap);
    size_t n = strlen(err->message);
    snprintf(err->message + n, sizeof(err->message) - n, ": %s", strerror(errnum));
    return -1;
}

/* Set an XML error with its location. */
int vmerr_set_xml(struct vmerr *err, const char *file, int line, const char *field,
                  const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vmerr_clear(err);
    vmerr_vformat(err, VMERR_XML, fmt, ap);
    va_end(ap);
    snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
    err->line = line;
    snprintf(err->field, sizeof(err->field), "%s", field ? field : "");
    return -1;
}

/* Reset err to the no-error state. */
void vmerr_clear(struct vmerr *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

/* Render err as one line: "FILE:LINE: message" for XML errors, else the message. */
const char *vmerr_line(const struct vmerr *err, char *buf, size_t len)
{
    if (err->code == VMERR_XML && err->file[0] && err->line > 0)
        snprintf(buf, len, "%s:%d: %s", err->file, err->line, err->message);
    else if (err->code == VMERR_XML && err->line > 0)
        snprintf(buf, len, "line %d: %s", err->line, err->message);
    else
        snprintf(buf, len, "%s", err->message[0] ? err->message : "unknown error");
    return buf;
}
