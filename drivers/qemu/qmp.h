/* qmp: a QEMU Machine Protocol client over a UNIX socket, on json-c. Commands flow out as
 * one JSON object per line; replies and asynchronous events flow back the same way. Events
 * that arrive while waiting for a reply (or when the caller reads) are handed to a callback
 * if one is set, else queued for qmp_next_event. */
#ifndef VMDECK_QMP_H
#define VMDECK_QMP_H

#include <json-c/json.h>
#include <stdbool.h>

#include "engine/vmerr.h"

struct qmp;

/* Called for each asynchronous event: name ("STOP", "SHUTDOWN", ...) and its "data" object
 * (may be NULL). The objects are only valid during the call. */
typedef void (*qmp_event_fn)(void *opaque, const char *event, struct json_object *data);

/* Connect to the QMP socket at path, read the greeting and negotiate capabilities, all
 * within timeout_ms. One attempt: a missing socket or refused connection fails at once. */
struct qmp *qmp_connect(const char *path, int timeout_ms, struct vmerr *err);
/* A UNIX socket connected to path (a listener's backlog accepts it even before the
 * listening program reads it); -1 with err set. */
int qmp_socket_connect(const char *path, struct vmerr *err);
/* qmp_connect's second half on a connected socket fd (taken over, also on failure); what
 * names the socket in messages. */
struct qmp *qmp_open_fd(int fd, const char *what, int timeout_ms, struct vmerr *err);
/* Close the connection and free queued events. NULL is fine. */
void qmp_close(struct qmp *qmp);
/* The socket fd, for poll(). */
int qmp_fd(const struct qmp *qmp);
/* Deliver events to fn from now on (queued ones at once); fn NULL queues them again. */
void qmp_set_event_handler(struct qmp *qmp, qmp_event_fn fn, void *opaque);
/* Run command name with args (NULL or an object; ownership is taken) and wait up to
 * timeout_ms for its reply. Returns the "return" value (caller puts it with json_object_put)
 * or NULL with err holding QEMU's error description (VMERR_OPERATION_FAILED), a timeout
 * (VMERR_TIMEOUT) or a lost connection. */
struct json_object *qmp_command(struct qmp *qmp, const char *name, struct json_object *args,
                                int timeout_ms, struct vmerr *err);
/* Same as qmp_command for commands whose result is not needed; 0 or -1. */
int qmp_command_simple(struct qmp *qmp, const char *name, struct json_object *args, int timeout_ms,
                       struct vmerr *err);
/* Dispatch the events already buffered and whatever can be read now without blocking (call
 * when qmp_fd polls readable, and after commands). -1 with err set when the connection is
 * closed or broken. */
int qmp_read_events(struct qmp *qmp, struct vmerr *err);
/* Pop the oldest queued event (when no handler is set); NULL if none. The caller puts it.
 * The object has "event" and optionally "data" members. */
struct json_object *qmp_next_event(struct qmp *qmp);
/* Wait up to timeout_ms for an event named name (others are dispatched or queued as usual);
 * returns it (caller puts it) or NULL with err set (VMERR_TIMEOUT or connection lost). */
struct json_object *qmp_wait_event(struct qmp *qmp, const char *name, int timeout_ms,
                                   struct vmerr *err);

#endif
