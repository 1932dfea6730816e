/* qemu-network-exec: the host tools a network start needs (ip, nft, dnsmasq) are run here,
 * without a shell: the tool is found in the system directories, run with posix_spawn and
 * an argv array, stdin from /dev/null, and what it prints on stdout/stderr (into a memfd,
 * so a daemon that keeps them open never blocks us) flows back as one line for the error
 * message. */
#include "drivers/qemu/qemu-network.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Where host tools are looked for, in order (root's PATH may lack the sbin dirs). */
static const char *const qemu_network_tool_dirs[] = {"/usr/sbin", "/sbin", "/usr/bin", "/bin"};

/* The full path of tool into buf; false when none of the system dirs has it. */
bool qemu_network_tool_path(const char *tool, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(qemu_network_tool_dirs) / sizeof(qemu_network_tool_dirs[0]);
         i++) {
        snprintf(buf, len, "%s/%s", qemu_network_tool_dirs[i], tool);
        if (access(buf, X_OK) == 0)
            return true;
    }
    buf[0] = '\0';
    return false;
}

/* Keep the first non-empty line of out in line (trailing blanks cut). */
static void qemu_network_exec_first_line(const char *out, char *line, size_t len)
{
    while (*out == '\n' || *out == ' ')
        out++;
    size_t n = strcspn(out, "\n");
    if (n >= len)
        n = len - 1;
    memcpy(line, out, n);
    while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
        n--;
    line[n] = '\0';
}

/* Run argv (argv[0] a tool name like "ip"), wait for it; 0 when it exits 0. Otherwise -1
 * with why (>= 1 byte) holding its first output line or how it ended. */
int qemu_network_exec(const char *const argv[], char *why, size_t whylen)
{
    char path[64];
    why[0] = '\0';
    if (!qemu_network_tool_path(argv[0], path, sizeof(path))) {
        snprintf(why, whylen, "%s is not installed (looked in /usr/sbin, /sbin, /usr/bin, /bin)",
                 argv[0]);
        return -1;
    }
    int outfd = memfd_create("vmdeck-tool-output", MFD_CLOEXEC);
    if (outfd < 0) {
        snprintf(why, whylen, "cannot run %s: %s", path, strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, outfd, 1);
    posix_spawn_file_actions_adddup2(&fa, outfd, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, deflt;
    sigemptyset(&none);
    sigemptyset(&deflt);
    sigaddset(&deflt, SIGPIPE);
    sigaddset(&deflt, SIGTERM);
    sigaddset(&deflt, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &deflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn(&pid, path, &fa, &attr, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        close(outfd);
        snprintf(why, whylen, "cannot run %s: %s", path, strerror(rc));
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char out[2048];
    ssize_t got = pread(outfd, out, sizeof(out) - 1, 0);
    out[got > 0 ? got : 0] = '\0';
    close(outfd);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    qemu_network_exec_first_line(out, why, whylen);
    if (!why[0] && WIFEXITED(status))
        snprintf(why, whylen, "%s exited with status %d", argv[0], WEXITSTATUS(status));
    else if (!why[0])
        snprintf(why, whylen, "%s was killed by signal %d", argv[0], WTERMSIG(status));
    return -1;
}
