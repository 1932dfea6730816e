/* qmp: QMP over a non-blocking UNIX socket. Bytes flow in through a line buffer (QEMU writes
 * one JSON object per line), each line is parsed with json-c and routed: replies to the
 * waiting qmp_command (matched by "id"), events to the handler or the queue. Commands flow
 * out with send(MSG_NOSIGNAL) so a dead QEMU gives an error, not SIGPIPE. */
#include "drivers/qemu/qmp.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* Longest line accepted from QEMU (query replies are small; this bounds a broken peer). */
#define QMP_MAX_LINE (16u << 20)

struct qmp {
    int fd;
    char *buf; /* received bytes not yet consumed */
    size_t len, cap;
    long next_id;
    bool eof;
    qmp_event_fn fn;
    void *opaque;
    struct json_object **queue; /* events waiting for qmp_next_event */
    size_t nqueue, capqueue;
};

/* Milliseconds on the monotonic clock. */
static long long qmp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (never negative). */
static int qmp_left(long long deadline)
{
    long long left = deadline - qmp_now_ms();
    return left < 0 ? 0 : left > 1000000000 ? 1000000000 : (int)left;
}

/* Wait for the socket to become readable and append what arrives to the buffer. Returns 1
 * when bytes arrived, 0 on timeout, -1 on EOF or error (err set). */
static int qmp_fill(struct qmp *qmp, int timeout_ms, struct vmerr *err)
{
    if (qmp->eof)
        return vmerr_set(err, VMERR_OPERATION_FAILED, "QMP connection closed by QEMU");
    struct pollfd pfd = {.fd = qmp->fd, .events = POLLIN};
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno == EINTR)
        return 0;
    if (r < 0)
        return vmerr_set_errno(err, errno, "QMP poll");
    if (r == 0)
        return 0;
    if (qmp->cap - qmp->len < 4096) {
        size_t cap = qmp->cap ? qmp->cap * 2 : 8192;
        if (cap > QMP_MAX_LINE + 8192)
            return vmerr_set(err, VMERR_OPERATION_FAILED, "QMP line longer than %u bytes",
                             QMP_MAX_LINE);
        char *nb = realloc(qmp->buf, cap);
        if (!nb)
            return vmerr_set_errno(err, ENOMEM, "QMP buffer");
        qmp->buf = nb;
        qmp->cap = cap;
    }
    ssize_t n = recv(qmp->fd, qmp->buf + qmp->len, qmp->cap - qmp->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n < 0)
        return vmerr_set_errno(err, errno, "QMP read");
    if (n == 0) {
        qmp->eof = true;
        return vmerr_set(err, VMERR_OPERATION_FAILED, "QMP connection closed by QEMU");
    }
    qmp->len += (size_t)n;
    return 1;
}

/* Take the next complete line off the buffer and parse it; NULL if no complete line (lines
 * that are not JSON objects are skipped). */
static struct json_object *qmp_take(struct qmp *qmp)
{
    for (;;) {
        char *nl = qmp->len ? memchr(qmp->buf, '\n', qmp->len) : NULL;
        if (!nl)
            return NULL;
        size_t linelen = (size_t)(nl - qmp->buf);
        *nl = '\0';
        struct json_object *obj = json_tokener_parse(qmp->buf);
        memmove(qmp->buf, nl + 1, qmp->len - linelen - 1);
        qmp->len -= linelen + 1;
        if (obj && json_object_is_type(obj, json_type_object))
            return obj;
        json_object_put(obj);
    }
}

/* String member key of obj, or NULL. */
static const char *qmp_str(struct json_object *obj, const char *key)
{
    struct json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Hand an event object to the handler (and drop it) or queue it (keeping the reference). */
static void qmp_route_event(struct qmp *qmp, struct json_object *ev)
{
    if (qmp->fn) {
        struct json_object *data = NULL;
        json_object_object_get_ex(ev, "data", &data);
        qmp->fn(qmp->opaque, qmp_str(ev, "event"), data);
        json_object_put(ev);
        return;
    }
    if (qmp->nqueue == qmp->capqueue) {
        size_t cap = qmp->capqueue ? qmp->capqueue * 2 : 8;
        struct json_object **nq = realloc(qmp->queue, cap * sizeof(*nq));
        if (!nq) {
            json_object_put(ev);
            return;
        }
        qmp->queue = nq;
        qmp->capqueue = cap;
    }
    qmp->queue[qmp->nqueue++] = ev;
}

/* Send all of a message, waiting for the socket to drain until deadline. */
static int qmp_send(struct qmp *qmp, const char *msg, long long deadline, struct vmerr *err)
{
    size_t len = strlen(msg), off = 0;
    while (off < len) {
        ssize_t n = send(qmp->fd, msg + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno != EAGAIN)
            return vmerr_set_errno(err, errno, "QMP write");
        struct pollfd pfd = {.fd = qmp->fd, .events = POLLOUT};
        int left = qmp_left(deadline);
        if (left == 0 || poll(&pfd, 1, left) == 0)
            return vmerr_set(err, VMERR_TIMEOUT, "QMP write timed out");
    }
    return 0;
}

/* A socket connected (or connecting: its listener's backlog holds it) to path. */
int qmp_socket_connect(const char *path, struct vmerr *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return vmerr_set(err, VMERR_OPERATION_FAILED,
                         "QMP socket path %s is too long for a UNIX socket (%zu bytes, max %zu)",
                         path, strlen(path), sizeof(sa.sun_path) - 1);
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return vmerr_set_errno(err, errno, "QMP socket");
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        vmerr_set_errno(err, errno, "cannot connect to QMP socket %s", path);
        close(fd);
        return -1;
    }
    return fd;
}

/* Read the greeting on a connected socket (taken over) and negotiate capabilities. */
struct qmp *qmp_open_fd(int fd, const char *what, int timeout_ms, struct vmerr *err)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct qmp *qmp = calloc(1, sizeof(*qmp));
    if (!qmp)
        abort();
    qmp->fd = fd;
    qmp->next_id = 1;
    long long deadline = qmp_now_ms() + timeout_ms;
    struct json_object *greeting = NULL;
    while (!(greeting = qmp_take(qmp))) {
        int r = qmp_fill(qmp, qmp_left(deadline), err);
        if (r < 0)
            goto fail;
        if (r == 0 && qmp_left(deadline) == 0) {
            vmerr_set(err, VMERR_TIMEOUT, "no QMP greeting on %s within %d ms", what, timeout_ms);
            goto fail;
        }
    }
    bool ok = json_object_object_get_ex(greeting, "QMP", NULL);
    json_object_put(greeting);
    if (!ok) {
        vmerr_set(err, VMERR_OPERATION_FAILED, "%s did not greet with QMP", what);
        goto fail;
    }
    if (qmp_command_simple(qmp, "qmp_capabilities", NULL, qmp_left(deadline) + 1, err) < 0)
        goto fail;
    return qmp;
fail:
    qmp_close(qmp);
    return NULL;
}

/* Connect, read the greeting, negotiate capabilities. */
struct qmp *qmp_connect(const char *path, int timeout_ms, struct vmerr *err)
{
    int fd = qmp_socket_connect(path, err);
    return fd < 0 ? NULL : qmp_open_fd(fd, path, timeout_ms, err);
}

/* Close the socket and drop everything queued. */
void qmp_close(struct qmp *qmp)
{
    if (!qmp)
        return;
    close(qmp->fd);
    for (size_t i = 0; i < qmp->nqueue; i++)
        json_object_put(qmp->queue[i]);
    free(qmp->queue);
    free(qmp->buf);
    free(qmp);
}

/* The socket, for poll(). */
int qmp_fd(const struct qmp *qmp)
{
    return qmp->fd;
}

/* Drain the queue into the handler, if one has been set since events were queued. */
static void qmp_flush_queue(struct qmp *qmp)
{
    if (!qmp->fn)
        return;
    for (size_t i = 0; i < qmp->nqueue; i++) {
        struct json_object *data = NULL;
        json_object_object_get_ex(qmp->queue[i], "data", &data);
        qmp->fn(qmp->opaque, qmp_str(qmp->queue[i], "event"), data);
        json_object_put(qmp->queue[i]);
    }
    qmp->nqueue = 0;
}

/* Set the event handler and hand it what was queued while there was none. */
void qmp_set_event_handler(struct qmp *qmp, qmp_event_fn fn, void *opaque)
{
    qmp->fn = fn;
    qmp->opaque = opaque;
    qmp_flush_queue(qmp);
}

/* Execute one command and wait for the reply carrying its id. */
struct json_object *qmp_command(struct qmp *qmp, const char *name, struct json_object *args,
                                int timeout_ms, struct vmerr *err)
{
    long long deadline = qmp_now_ms() + timeout_ms;
    long id = qmp->next_id++;
    struct json_object *msg = json_object_new_object();
    json_object_object_add(msg, "execute", json_object_new_string(name));
    if (args)
        json_object_object_add(msg, "arguments", args);
    json_object_object_add(msg, "id", json_object_new_int64(id));
    char *text = NULL;
    if (asprintf(&text, "%s\n", json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN)) < 0)
        abort();
    json_object_put(msg);
    int rc = qmp_send(qmp, text, deadline, err);
    free(text);
    if (rc < 0)
        return NULL;
    for (;;) {
        struct json_object *obj;
        while ((obj = qmp_take(qmp))) {
            if (json_object_object_get_ex(obj, "event", NULL)) {
                qmp_route_event(qmp, obj);
                continue;
            }
            struct json_object *idv, *ret, *error;
            if (!json_object_object_get_ex(obj, "id", &idv) || json_object_get_int64(idv) != id) {
                json_object_put(obj); /* reply to an earlier command that timed out */
                continue;
            }
            if (json_object_object_get_ex(obj, "return", &ret)) {
                json_object_get(ret);
                json_object_put(obj);
                return ret;
            }
            if (json_object_object_get_ex(obj, "error", &error)) {
                const char *desc = qmp_str(error, "desc");
                vmerr_set(err, VMERR_OPERATION_FAILED, "QMP command '%s' failed: %s", name,
                          desc ? desc : json_object_to_json_string(error));
            } else {
                vmerr_set(err, VMERR_OPERATION_FAILED, "QMP command '%s': malformed reply", name);
            }
            json_object_put(obj);
            return NULL;
        }
        int r = qmp_fill(qmp, qmp_left(deadline), err);
        if (r < 0)
            return NULL;
        if (r == 0 && qmp_left(deadline) == 0) {
            vmerr_set(err, VMERR_TIMEOUT, "QMP command '%s' got no reply within %d ms", name,
                      timeout_ms);
            return NULL;
        }
    }
}

/* Execute a command and drop its result. */
int qmp_command_simple(struct qmp *qmp, const char *name, struct json_object *args, int timeout_ms,
                       struct vmerr *err)
{
    struct json_object *ret = qmp_command(qmp, name, args, timeout_ms, err);
    if (!ret)
        return -1;
    json_object_put(ret);
    return 0;
}

/* Route every complete message already buffered, then whatever can be read without
 * blocking (a command may have left events behind it in the buffer). */
int qmp_read_events(struct qmp *qmp, struct vmerr *err)
{
    qmp_flush_queue(qmp);
    for (;;) {
        struct json_object *obj;
        while ((obj = qmp_take(qmp))) {
            if (json_object_object_get_ex(obj, "event", NULL))
                qmp_route_event(qmp, obj);
            else
                json_object_put(obj);
        }
        int r = qmp_fill(qmp, 0, err);
        if (r <= 0)
            return r < 0 ? -1 : 0;
    }
}

/* Pop the oldest queued event. */
struct json_object *qmp_next_event(struct qmp *qmp)
{
    if (qmp->nqueue == 0)
        return NULL;
    struct json_object *ev = qmp->queue[0];
    memmove(qmp->queue, qmp->queue + 1, (qmp->nqueue - 1) * sizeof(*qmp->queue));
    qmp->nqueue--;
    return ev;
}

/* Remove and return the first queued event named name, if any. */
static struct json_object *qmp_unqueue(struct qmp *qmp, const char *name)
{
    for (size_t i = 0; i < qmp->nqueue; i++) {
        const char *ev = qmp_str(qmp->queue[i], "event");
        if (ev && !strcmp(ev, name)) {
            struct json_object *obj = qmp->queue[i];
            memmove(qmp->queue + i, qmp->queue + i + 1,
                    (qmp->nqueue - i - 1) * sizeof(*qmp->queue));
            qmp->nqueue--;
            return obj;
        }
    }
    return NULL;
}

/* Wait for one event by name. */
struct json_object *qmp_wait_event(struct qmp *qmp, const char *name, int timeout_ms,
                                   struct vmerr *err)
{
    long long deadline = qmp_now_ms() + timeout_ms;
    struct json_object *found = qmp_unqueue(qmp, name);
    while (!found) {
        struct json_object *obj;
        while (!found && (obj = qmp_take(qmp))) {
            const char *ev = qmp_str(obj, "event");
            if (ev && !strcmp(ev, name))
                found = obj;
            else if (ev)
                qmp_route_event(qmp, obj);
            else
                json_object_put(obj);
        }
        if (found)
            break;
        int r = qmp_fill(qmp, qmp_left(deadline), err);
        if (r < 0)
            return NULL;
        if (r == 0 && qmp_left(deadline) == 0) {
            vmerr_set(err, VMERR_TIMEOUT, "no QMP event %s within %d ms", name, timeout_ms);
            return NULL;
        }
    }
    return found;
}
