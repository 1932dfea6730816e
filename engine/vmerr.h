/* vmerr: the one error type of vmdeck. Every layer fills a struct vmerr; the CLI prints it
 * on one line, the TUI shows it in the status line. XML errors carry file, line and field. */
#ifndef VMDECK_VMERR_H
#define VMDECK_VMERR_H

#include <stdarg.h>
#include <stddef.h>

enum vmerr_code {
    VMERR_OK = 0,
    VMERR_INTERNAL,          /* a bug or an impossible state */
    VMERR_INVALID_ARG,       /* bad argument from the caller (usage) */
    VMERR_NO_DOMAIN,         /* no domain with that name */
    VMERR_NO_NETWORK,        /* no network with that name */
    VMERR_XML,               /* XML not well formed, or invalid for the schema */
    VMERR_NO_SUPPORT,        /* the driver does not implement this operation */
    VMERR_OPERATION_INVALID, /* not allowed in this state (e.g. start a running domain) */
    VMERR_OPERATION_FAILED,  /* tried and failed (QEMU exited, QMP error, ...) */
    VMERR_SYSTEM,            /* a system call failed; message includes strerror */
    VMERR_TIMEOUT,           /* waited and gave up */
    VMERR_DUPLICATE,         /* an object with that name/uuid already exists */
    VMERR_URI,               /* no driver for that connection URI */
};

struct vmerr {
    enum vmerr_code code;
    char message[1024]; /* one line, no trailing newline */
    char file[256];     /* XML source (file name or "<string>"), "" when not XML */
    int line;           /* XML line number, 0 when unknown */
    char field[64];     /* XML element/attribute the error is about, "" when unknown */
};

/* Set err (if not NULL) to code with a printf-style message; returns -1 for tail calls. */
int vmerr_set(struct vmerr *err, enum vmerr_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same as vmerr_set, appending ": strerror(errnum)". */
int vmerr_set_errno(struct vmerr *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set an XML error at file:line about field (element or attribute name). */
int vmerr_set_xml(struct vmerr *err, const char *file, int line, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Reset err to VMERR_OK. */
void vmerr_clear(struct vmerr *err);
/* Format err as the one line shown to users ("file:line: field: message" for XML). */
const char *vmerr_line(const struct vmerr *err, char *buf, size_t len);

#endif
