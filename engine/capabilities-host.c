/* capabilities-host: what the running host is, for the <host> part of capabilities XML. The
 * kernel's machine name (uname) flows in and comes out in libvirt's arch spelling; the text
 * of /proc/cpuinfo flows in and the CPU flags capabilities XML lists (vmx, svm, pae) come
 * out as host features. Which domain types really run is the drivers' business. */
#include "engine/capabilities.h"

#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "engine/store.h"

/* cpuinfo flag -> host feature, for the flags capabilities XML has a name for, in the order
 * libvirt's schema requires (pae before vmx and svm). */
static const char *const capabilities_host_flags[] = {"pae", "vmx", "svm"};

/* libvirt's arch name for the kernel's machine name. */
char *capabilities_host_arch(void)
{
    struct utsname u;
    if (uname(&u) < 0)
        return strdup("x86_64");
    const char *m = u.machine;
    if (!strcmp(m, "i386") || !strcmp(m, "i486") || !strcmp(m, "i586") || !strcmp(m, "i686"))
        m = "i686";
    else if (!strcmp(m, "arm64"))
        m = "aarch64";
    else if (!strcmp(m, "amd64"))
        m = "x86_64";
    return strdup(m);
}

/* Whether the flags list (space separated, up to end) has flag. */
static bool capabilities_host_has_flag(const char *list, const char *end, const char *flag)
{
    size_t n = strlen(flag);
    const char *p = list;
    while (p < end) {
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        const char *w = p;
        while (p < end && *p != ' ' && *p != '\t')
            p++;
        if ((size_t)(p - w) == n && !strncmp(w, flag, n))
            return true;
    }
    return false;
}

/* Host features from the first "flags" line of /proc/cpuinfo text (x86 prints one per CPU,
 * all alike); returns how many flags lines the text has. */
int capabilities_host_parse_cpuinfo(struct capabilities *caps, const char *cpuinfo)
{
    int lines = 0;
    for (const char *line = cpuinfo; line && *line;) {
        const char *eol = strchr(line, '\n');
        if (!eol)
            eol = line + strlen(line);
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon && !strncmp(line, "flags", 5) &&
            strspn(line + 5, " \t") == (size_t)(colon - line - 5)) {
            if (lines++ == 0)
                for (size_t i = 0; i < sizeof(capabilities_host_flags) / sizeof(char *); i++)
                    if (capabilities_host_has_flag(colon + 1, eol, capabilities_host_flags[i]))
                        capabilities_add_host_feature(caps, capabilities_host_flags[i]);
        }
        line = *eol ? eol + 1 : eol;
    }
    return lines;
}

/* A document with this host's arch and CPU features. */
struct capabilities *capabilities_host_probe(const char *cpuinfo_path)
{
    char *arch = capabilities_host_arch();
    struct capabilities *caps = capabilities_new(arch);
    free(arch);
    char *text = store_read_file(cpuinfo_path ? cpuinfo_path : "/proc/cpuinfo", NULL, NULL);
    if (text)
        capabilities_host_parse_cpuinfo(caps, text);
    free(text);
    return caps;
}
