/* qemu-capabilities-kvm: does KVM really run guests here? Creating a VM is not enough: on
 * hosts with broken nested virtualization /dev/kvm accepts VMs and vCPUs, a real-mode
 * instruction or two even run, but guest code then crawls (about 1 us per instruction) and a
 * Linux guest never boots. So a child process (the deadline is kept by the parent, which
 * SIGKILLs it) builds a tiny VM whose vCPU starts in real mode, switches itself to 64-bit long
 * mode the way a kernel does, reports through port 0x10, runs a 100,000- and then a
 * 10,000,000-iteration loop and halts. Its progress flows to the parent as text lines over a
 * pipe; a definite yes or no with a one-line reason flows out. The answer is cached per boot
 * and /dev/kvm node in the capabilities cache. */
#include "drivers/qemu/qemu-capabilities.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#endif

#include "drivers/qemu/qemu-argv.h"
#include "engine/store.h"

/* The API version every KVM since Linux 2.6.22 reports. */
#define QEMU_KVM_API 12
/* Iterations of the two guest loops (the second must take well under the deadline). */
#define QEMU_KVM_SHORT_LOOP 100000
#define QEMU_KVM_LONG_LOOP 10000000

/* Microseconds on the monotonic clock. */
static long long qemu_capabilities_kvm_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Write a whole line to fd (the child's report to the parent). */
static void qemu_capabilities_kvm_say(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* printf-style report line from the child. */
static void qemu_capabilities_kvm_say(int fd, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    for (int off = 0; off < n;) {
        ssize_t w = write(fd, line + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (int)w;
    }
}

#if defined(__x86_64__) || defined(__i386__)

/* The guest program, loaded at 0x1000 and entered in real mode (CS=0, IP=0x1000):
 *   cli; lgdtl 0x600; CR0.PE=1; ljmpl $8,pm32            (16-bit)
 *   pm32: ds=es=ss=0x10; CR4.PAE=1; CR3=0x2000; EFER.LME=1 (rdmsr/wrmsr); CR0.PG=1;
 *         ljmp $0x18,lm64                                 (32-bit)
 *   lm64: out 1,$0x10; loop 100000; out 2,$0x10; loop 10000000; out 42,$0x10; hlt (64-bit)
 * Assembled with GNU as (.code16/.code32/.code64) and ld -Ttext=0x1000 --oformat binary. */
static const unsigned char qemu_capabilities_kvm_code[] = {
    0xfa, 0x66, 0x0f, 0x01, 0x16, 0x00, 0x06, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f,
    0x22, 0xc0, 0x66, 0xea, 0x19, 0x10, 0x00, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e,
    0xd8, 0x8e, 0xc0, 0x8e, 0xd0, 0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0, 0xb8,
    0x00, 0x20, 0x00, 0x00, 0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x0d,
    0x00, 0x01, 0x00, 0x00, 0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f,
    0x22, 0xc0, 0xea, 0x54, 0x10, 0x00, 0x00, 0x18, 0x00, 0xb0, 0x01, 0xe6, 0x10, 0xb9, 0xa0,
    0x86, 0x01, 0x00, 0xff, 0xc9, 0x75, 0xfc, 0xb0, 0x02, 0xe6, 0x10, 0xb9, 0x80, 0x96, 0x98,
    0x00, 0xff, 0xc9, 0x75, 0xfc, 0xb0, 0x2a, 0xe6, 0x10, 0xf4,
};

/* Guest memory: 2 MiB from guest physical 0, identity-mapped by one 2 MiB page. */
#define QEMU_KVM_MEM (2u << 20)

/* Lay out the guest's memory: GDT (null, code32, data, code64) at 0x500, its descriptor at
 * 0x600, the program at 0x1000 and the page tables at 0x2000 (PML4), 0x3000 (PDPT), 0x4000
 * (PD). */
static void qemu_capabilities_kvm_layout(unsigned char *mem)
{
    const uint64_t gdt[4] = {0, 0x00cf9a000000ffffULL, 0x00cf92000000ffffULL,
                             0x00af9a000000ffffULL};
    memcpy(mem + 0x500, gdt, sizeof(gdt));
    const uint16_t limit = sizeof(gdt) - 1;
    const uint32_t base = 0x500;
    memcpy(mem + 0x600, &limit, sizeof(limit));
    memcpy(mem + 0x602, &base, sizeof(base));
    memcpy(mem + 0x1000, qemu_capabilities_kvm_code, sizeof(qemu_capabilities_kvm_code));
    const uint64_t pml4 = 0x3000 | 3, pdpt = 0x4000 | 3, pd = 0x83; /* present, rw, 2M */
    memcpy(mem + 0x2000, &pml4, sizeof(pml4));
    memcpy(mem + 0x3000, &pdpt, sizeof(pdpt));
    memcpy(mem + 0x4000, &pd, sizeof(pd));
}

/* The child's work: build the VM and run the vCPU, reporting every step on fd. */
static void qemu_capabilities_kvm_child(const char *device, int fd)
{
    int kvm = open(device, O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        qemu_capabilities_kvm_say(fd, "fail cannot open %s: %s", device, strerror(errno));
        return;
    }
    int version = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (version != QEMU_KVM_API) {
        qemu_capabilities_kvm_say(fd, "fail %s: KVM API version %d, expected %d", device, version,
                                  QEMU_KVM_API);
        return;
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot create a VM: %s", device, strerror(errno));
        return;
    }
    unsigned char *mem = mmap(NULL, QEMU_KVM_MEM, PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) {
        qemu_capabilities_kvm_say(fd, "fail cannot map guest memory: %s", strerror(errno));
        return;
    }
    qemu_capabilities_kvm_layout(mem);
    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = QEMU_KVM_MEM,
        .userspace_addr = (uint64_t)(uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot give the VM memory: %s", device,
                                  strerror(errno));
        return;
    }
    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (vcpu < 0 || run_size <= 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot create a vCPU: %s", device, strerror(errno));
        return;
    }
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot map the vCPU: %s", device, strerror(errno));
        return;
    }
    /* without a CPUID the guest may not enable long mode: give it what the host supports */
    struct {
        struct kvm_cpuid2 head;
        struct kvm_cpuid_entry2 entries[256];
    } cpuid;
    memset(&cpuid, 0, sizeof(cpuid));
    cpuid.head.nent = 256;
    if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &cpuid) < 0 ||
        ioctl(vcpu, KVM_SET_CPUID2, &cpuid) < 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot set the vCPU's CPUID: %s", device,
                                  strerror(errno));
        return;
    }
    struct kvm_sregs sregs;
    struct kvm_regs regs = {.rip = 0x1000, .rflags = 2};
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: KVM_GET_SREGS: %s", device, strerror(errno));
        return;
    }
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
        qemu_capabilities_kvm_say(fd, "fail %s: cannot set the vCPU's registers: %s", device,
                                  strerror(errno));
        return;
    }
    long long start = qemu_capabilities_kvm_now_us();
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR)
                continue;
            qemu_capabilities_kvm_say(fd, "fail %s: KVM_RUN: %s", device, strerror(errno));
            return;
        }
        long long t = qemu_capabilities_kvm_now_us() - start;
        if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
            run->io.port == 0x10 && run->io.size == 1) {
            unsigned value = ((unsigned char *)run)[run->io.data_offset];
            qemu_capabilities_kvm_say(fd, "stage %u %lld", value, t);
            continue;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            qemu_capabilities_kvm_say(fd, "halt %lld", t);
            return;
        }
        qemu_capabilities_kvm_say(fd,
                                  "fail %s: the test vCPU stopped with KVM exit reason %u "
                                  "(expected port I/O or HLT)",
                                  device, run->exit_reason);
        return;
    }
}

#else

/* Hosts other than x86: the test program is x86 code. */
static void qemu_capabilities_kvm_child(const char *device, int fd)
{
    qemu_capabilities_kvm_say(fd, "fail %s: the KVM probe knows only x86 hosts", device);
}

#endif

/* What the parent learnt from the child's lines. */
struct qemu_kvm_progress {
    bool halted, failed;
    char fail[300];
    int stage;                 /* last stage reported (1 long mode, 2 short loop, 42 long) */
    long long t1, t2, t42, th; /* microseconds at stages 1, 2, 42 and HLT */
};

/* Digest one line from the child. */
static void qemu_capabilities_kvm_line(struct qemu_kvm_progress *p, const char *line)
{
    unsigned stage = 0;
    long long t = 0;
    if (!strncmp(line, "fail ", 5)) {
        p->failed = true;
        size_t n = strnlen(line + 5, sizeof(p->fail) - 1);
        memcpy(p->fail, line + 5, n);
        p->fail[n] = '\0';
    } else if (sscanf(line, "stage %u %lld", &stage, &t) == 2) {
        p->stage = (int)stage;
        if (stage == 1)
            p->t1 = t;
        else if (stage == 2)
            p->t2 = t;
        else if (stage == 42)
            p->t42 = t;
    } else if (sscanf(line, "halt %lld", &t) == 1) {
        p->halted = true;
        p->th = t;
    }
}

/* The verdict and its reason from what the child reported before it ended or the deadline. */
static bool qemu_capabilities_kvm_verdict(const struct qemu_kvm_progress *p, const char *device,
                                          int timeout_ms, char *why, size_t why_len)
{
    if (p->failed) {
        snprintf(why, why_len, "%s", p->fail);
        return false;
    }
    if (p->halted && p->stage == 42) {
        snprintf(why, why_len,
                 "%s runs guests: a test vCPU switched from real mode to long mode and ran %d "
                 "million loop iterations in %lld ms",
                 device, QEMU_KVM_LONG_LOOP / 1000000, (p->t42 - p->t1 + 999) / 1000);
        return true;
    }
    if (p->stage >= 2) {
        long long per = (p->t2 - p->t1) * 1000 / QEMU_KVM_SHORT_LOOP;
        snprintf(why, why_len,
                 "%s does not run guests: it creates VMs, but guest code crawls (%lld ns per "
                 "loop iteration, a few ns where KVM works; %d million iterations did not finish "
                 "within %d s), as with broken nested KVM",
                 device, per, QEMU_KVM_LONG_LOOP / 1000000, timeout_ms / 1000);
    } else if (p->stage == 1) {
        snprintf(why, why_len,
                 "%s does not run guests: a test vCPU reached long mode but did not finish a "
                 "%d-iteration loop within %d s (broken nested KVM?)",
                 device, QEMU_KVM_SHORT_LOOP, timeout_ms / 1000);
    } else {
        snprintf(why, why_len,
                 "%s does not run guests: a test vCPU did not get from real mode to long mode "
                 "within %d s (broken nested KVM?)",
                 device, timeout_ms / 1000);
    }
    return false;
}

/* Run the probe child under a deadline and judge its report. */
bool qemu_capabilities_kvm_probe(const char *device, int timeout_ms, char *why, size_t why_len)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        snprintf(why, why_len, "cannot probe %s: pipe: %s", device, strerror(errno));
        return false;
    }
    fflush(NULL); /* the child must not flush the parent's buffered output a second time */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "cannot probe %s: fork: %s", device, strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0) {
        close(fds[0]);
        qemu_capabilities_kvm_child(device, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    struct qemu_kvm_progress p = {0};
    char buf[2048];
    size_t have = 0;
    long long deadline = qemu_capabilities_kvm_now_us() + (long long)timeout_ms * 1000;
    bool eof = false, timed_out = false;
    while (!eof) {
        long long left = deadline - qemu_capabilities_kvm_now_us();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        int r = poll(&pfd, 1, (int)((left + 999) / 1000));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            timed_out = r == 0;
            break;
        }
        ssize_t n = read(fds[0], buf + have, sizeof(buf) - 1 - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eof = true;
            n = 0;
        }
        have += (size_t)n;
        buf[have] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n'))) {
            *nl = '\0';
            qemu_capabilities_kvm_line(&p, buf);
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
        }
        if (have == sizeof(buf) - 1)
            have = 0; /* an overlong line: drop it */
    }
    close(fds[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    if (!timed_out && !p.failed && !p.halted) {
        snprintf(why, why_len, "%s: the KVM probe process ended without an answer", device);
        return false;
    }
    return qemu_capabilities_kvm_verdict(&p, device, timeout_ms, why, why_len);
}

/* This boot's id (the kernel makes a new one at every boot); "" if unknown. */
static void qemu_capabilities_kvm_boot_id(char *out, size_t len)
{
    char *text = store_read_file("/proc/sys/kernel/random/boot_id", NULL, NULL);
    snprintf(out, len, "%s", text ? text : "");
    out[strcspn(out, "\n")] = '\0';
    free(text);
}

/* The KVM answer through the cache: keyed by boot id and the /dev/kvm node (device number,
 * inode, change time). A device this user cannot open needs no cache: that probe is instant. */
bool qemu_capabilities_kvm_cached(struct qemu_capabilities_cache *c, char *why, size_t why_len)
{
    struct stat st;
    if (stat(QEMU_KVM_DEVICE, &st) < 0 || access(QEMU_KVM_DEVICE, R_OK | W_OK) < 0)
        return qemu_capabilities_kvm_probe(QEMU_KVM_DEVICE, QEMU_CAPABILITIES_KVM_TIMEOUT_MS, why,
                                           why_len);
    char boot[64];
    qemu_capabilities_kvm_boot_id(boot, sizeof(boot));
    char *key = store_printf("%s/%llx/%llx/%lld.%09ld", boot, (unsigned long long)st.st_rdev,
                             (unsigned long long)st.st_ino, (long long)st.st_ctim.tv_sec,
                             st.st_ctim.tv_nsec);
    if (c->kvm_key && !strcmp(c->kvm_key, key) && c->kvm_why) {
        free(key);
        snprintf(why, why_len, "%s", c->kvm_why);
        return c->kvm_usable;
    }
    bool ok = qemu_capabilities_kvm_probe(QEMU_KVM_DEVICE, QEMU_CAPABILITIES_KVM_TIMEOUT_MS, why,
                                          why_len);
    free(c->kvm_key);
    free(c->kvm_why);
    c->kvm_key = key;
    c->kvm_usable = ok;
    c->kvm_why = strdup(why);
    c->dirty = true;
    return ok;
}

/* The cached KVM answer for one cache dir. */
bool qemu_capabilities_kvm_usable(const char *cache_dir, char *why, size_t why_len)
{
    struct qemu_capabilities_cache c = {0};
    qemu_capabilities_cache_load(&c, cache_dir);
    bool ok = qemu_capabilities_kvm_cached(&c, why, why_len);
    qemu_capabilities_cache_save(&c);
    qemu_capabilities_cache_clear(&c);
    return ok;
}
