#!/usr/bin/python3
"""bench.py BUILD_DIR: vmdeck side by side with libvirt's virsh (embedded QEMU driver, one
virsh process fed commands on stdin, as a libvirtd would keep its state) and with raw
qemu-system-x86_64 started by hand (the floor), on the same test guest (type qemu, direct
kernel boot). What flows through: the guest XML in, wall-clock times out (median of
BENCH_REPS runs), printed as a table with ratios against the anchors and the targets.
Nothing is asserted: a benchmark only prints. Every process and temp dir is cleaned up."""

import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

MARKER = b"VMDECK-GUEST-READY"
REPS = int(os.environ.get("BENCH_REPS", "9"))
LIST_DOMAINS = int(os.environ.get("BENCH_LIST_DOMAINS", "1000"))
TIMEOUT = 60.0


def now():
    """Monotonic seconds."""
    return time.monotonic()


def wait_for(pred, what, timeout=TIMEOUT):
    """Poll pred every 2 ms until it is true; raise naming what after timeout."""
    end = now() + timeout
    while not pred():
        if now() > end:
            raise RuntimeError("timed out waiting for " + what)
        time.sleep(0.002)


def file_has(path, needle):
    """Whether the file at path exists and contains needle."""
    try:
        with open(path, "rb") as f:
            return needle in f.read()
    except OSError:
        return False


def qmp_wait_running(path, timeout=TIMEOUT):
    """Connect to a QMP socket (retrying until it exists) and poll query-status until the
    VM is running."""
    end = now() + timeout
    while True:
        try:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.connect(path)
            break
        except OSError:
            s.close()
            if now() > end:
                raise RuntimeError("no QMP socket " + path)
            time.sleep(0.002)
    f = s.makefile("rwb", buffering=0)
    f.readline()  # greeting

    def cmd(name):
        f.write(json.dumps({"execute": name}).encode() + b"\n")
        while True:
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                return reply

    cmd("qmp_capabilities")
    while cmd("query-status").get("return", {}).get("status") != "running":
        if now() > end:
            raise RuntimeError("QMP never said running on " + path)
        time.sleep(0.002)
    return s, f, cmd


def run(argv, env=None, check=True):
    """Run argv (no shell), return stdout text."""
    p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (" ".join(argv), p.stderr.decode().strip()))
    return p.stdout.decode()


class Virsh:
    """One long-lived virsh process on qemu:///embed?root=DIR, fed commands on stdin (line
    buffered through stdbuf); virsh -t marks the end of each command's output."""

    def __init__(self, root):
        os.makedirs(root + "/etc", exist_ok=True)
        with open(root + "/etc/qemu.conf", "w") as f:
            f.write('user = "root"\ngroup = "root"\nstdio_handler = "file"\n')
        self.uri = "qemu:///embed?root=" + root
        self.p = subprocess.Popen(["stdbuf", "-oL", "virsh", "-q", "-t", "-c", self.uri],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.do("version")  # driver up, capabilities probed, before anything is timed

    def do(self, line):
        """Run one virsh command (virsh -t prints "(Time: N ms)" after each), return the
        output before that line."""
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        want = line.count("\n") + 1
        buf = b""
        while buf.count(b"(Time: ") < want:
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise RuntimeError("virsh exited during: " + line)
            buf += chunk
        return buf.decode(errors="replace").splitlines()

    def close(self):
        """Quit virsh (the embedded driver stops with it)."""
        try:
            self.p.stdin.write(b"quit\n")
            self.p.stdin.close()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()
            self.p.wait()


def guest_xml(base, name, serial_log=None):
    """The test guest's XML renamed to name; serial_log adds <log file=...> to the serial
    (libvirt's way to keep the console in a file, so the marker can be watched)."""
    xml = re.sub(r"<name>[^<]*</name>", "<name>%s</name>" % name, base, count=1)
    if serial_log:
        xml = xml.replace("<serial type='pty'>",
                          "<serial type='pty'>\n      <log file='%s'/>" % serial_log, 1)
    return xml


def write(path, text):
    """Write text to path."""
    with open(path, "w") as f:
        f.write(text)


def bench_raw(tmp, guest, i):
    """Raw QEMU: spawn, QMP running, marker on the serial file, QMP quit until exit."""
    log = "%s/raw-%d.log" % (tmp, i)
    sock = "%s/raw-%d.qmp" % (tmp, i)
    argv = ["qemu-system-x86_64", "-name", "guest=raw", "-machine", "pc,accel=tcg",
            "-m", "128", "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", guest + "/vmlinuz", "-initrd", guest + "/initramfs.cpio.gz",
            "-append", "console=ttyS0 quiet", "-serial", "file:" + log,
            "-qmp", "unix:%s,server=on,wait=off" % sock]
    t0 = now()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        s, f, cmd = qmp_wait_running(sock)
        t_run = now() - t0
        wait_for(lambda: file_has(log, MARKER), "raw QEMU's marker")
        t_marker = now() - t0
        t1 = now()
        f.write(b'{"execute":"quit"}\n')
        p.wait(timeout=TIMEOUT)
        t_destroy = now() - t1
        s.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    return t_run, t_marker, t_destroy


def bench_vmdeck(vm, xmlpath, runtime, name):
    """vmdeck: define + start (then QMP running on the client socket), marker on the
    console log, destroy; undefine afterwards (not timed)."""
    t0 = now()
    run(vm + ["define", xmlpath])
    run(vm + ["start", name])
    s, f, cmd = qmp_wait_running("%s/qemu/%s.d/qmp.sock" % (runtime, name))
    t_run = now() - t0
    s.close()
    wait_for(lambda: file_has("%s/qemu/%s.d/console.log" % (runtime, name), MARKER),
             "vmdeck's marker")
    t_marker = now() - t0
    t1 = now()
    run(vm + ["destroy", name])
    t_destroy = now() - t1
    run(vm + ["undefine", name])
    return t_run, t_marker, t_destroy


def bench_virsh(virsh, xmlpath, log, name):
    """virsh (embedded driver): define + start (returns once QEMU runs), marker on the
    serial log, destroy; undefine afterwards (not timed)."""
    t0 = now()
    virsh.do("define " + xmlpath)
    virsh.do("start " + name)
    t_run = now() - t0
    wait_for(lambda: file_has(log, MARKER), "virsh's marker")
    t_marker = now() - t0
    t1 = now()
    virsh.do("destroy " + name)
    t_destroy = now() - t1
    virsh.do("undefine " + name)
    try:
        os.unlink(log)
    except OSError:
        pass
    return t_run, t_marker, t_destroy


def bench_noop(vm):
    """Two vmdeck processes that do nothing but start and exit (`vmdeck version`): what
    define + start cost before any work, the part no change inside vmdeck can remove."""
    t0 = now()
    run(vm + ["version"])
    run(vm + ["version"])
    return now() - t0


def median_ms(values):
    """Median of seconds, in milliseconds."""
    return statistics.median(values) * 1000.0


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    vmdeck = build + "/vmdeck"
    guest = build + "/guest"
    base = open(guest + "/demo.xml").read()
    tmp = tempfile.mkdtemp(prefix="vmdeck-bench.")
    env = dict(os.environ, VMDECK_CONFIG_DIR=tmp + "/vm-config",
               VMDECK_RUNTIME_DIR=tmp + "/vm-run")
    os.environ.update(env)
    vm = [vmdeck, "-c", "qemu:///system"]
    virsh = None
    try:
        virsh = Virsh(tmp + "/libvirt")
        write(tmp + "/vmdeck.xml", guest_xml(base, "benchvm"))
        vlog = tmp + "/virsh-serial.log"
        write(tmp + "/virsh.xml", guest_xml(base, "benchvm", vlog))
        res = {"raw": [], "vmdeck": [], "virsh": []}
        noop = []
        for i in range(REPS):
            res["raw"].append(bench_raw(tmp, guest, i))
            res["vmdeck"].append(bench_vmdeck(vm, tmp + "/vmdeck.xml", tmp + "/vm-run", "benchvm"))
            noop.append(bench_noop(vm))
            res["virsh"].append(bench_virsh(virsh, tmp + "/virsh.xml", vlog, "benchvm"))
            print("  run %d/%d done" % (i + 1, REPS), flush=True)
        med = {k: [median_ms([r[j] for r in v]) for j in range(3)] for k, v in res.items()}

        # list --all with LIST_DOMAINS defined domains (the same guest under other names).
        os.makedirs(tmp + "/many", exist_ok=True)
        lines = []
        for i in range(LIST_DOMAINS):
            p = "%s/many/d%04d.xml" % (tmp, i)
            write(p, guest_xml(base, "d%04d" % i))
            lines.append("define " + p)
        for i in range(0, len(lines), 100):
            virsh.do("\n".join(lines[i:i + 100]))
        for i in range(LIST_DOMAINS):
            run(vm + ["define", "%s/many/d%04d.xml" % (tmp, i)])
        t_vm, t_vs, t_vs_fresh = [], [], []
        for _ in range(REPS):
            t0 = now()
            out = run(vm + ["list", "--all", "--name"])
            t_vm.append(now() - t0)
            assert len(out.split()) == LIST_DOMAINS, "vmdeck list --all lost domains"
            t0 = now()
            out = virsh.do("list --all --name")
            t_vs.append(now() - t0)
            got = len(re.findall(r"\bd[0-9]{4}\b", "\n".join(out)))
            assert got == LIST_DOMAINS, "virsh list --all shows %d domains" % got
        virsh.close()
        for _ in range(REPS):
            t0 = now()
            run(["virsh", "-q", "-c", virsh.uri, "list", "--all", "--name"])
            t_vs_fresh.append(now() - t0)
        virsh = None
        lst = [median_ms(t_vm), median_ms(t_vs), median_ms(t_vs_fresh)]

        qv = run(["qemu-system-x86_64", "--version"]).splitlines()[0]
        lv = run(["virsh", "--version"]).strip()
        print()
        print("vmdeck %s, libvirt %s (virsh, qemu:///embed), %s; %d CPUs; median of %d runs"
              % (run([vmdeck, "version"]).strip(), lv, qv, os.cpu_count(), REPS))
        print()
        print("%-34s %10s %10s %10s" % ("ms (median)", "raw QEMU", "vmdeck", "virsh"))
        names = ["define+start until QMP running", "define+start until guest marker",
                 "destroy (raw: QMP quit)"]
        for j, n in enumerate(names):
            print("%-34s %10.0f %10.0f %10.0f" % (n, med["raw"][j], med["vmdeck"][j],
                                                   med["virsh"][j]))
        print("%-34s %10s %10.0f %10.0f" % ("list --all, %d domains" % LIST_DOMAINS, "-",
                                              lst[0], lst[1]))
        print("%-34s %10s %10s %10.0f" % ("  virsh as a new process", "", "", lst[2]))
        print()
        start_ratio = med["vmdeck"][0] / med["raw"][0]
        marker_ratio = med["vmdeck"][1] / med["raw"][1]
        destroy_x = med["virsh"][2] / med["vmdeck"][2]
        list_x = lst[1] / lst[0]

        def verdict(ok):
            return "met" if ok else "MISSED"

        floor = (med["raw"][0] + median_ms(noop)) / med["raw"][0]
        print("floor:   two vmdeck processes doing nothing take %.1f ms, so no define + start "
              "can beat %.2fx raw QEMU here" % (median_ms(noop), floor))
        print("start:   vmdeck/raw = %.2f (target <= 1.10: %s); to the marker %.2f; "
              "virsh/vmdeck = %.2f" % (start_ratio, verdict(start_ratio <= 1.10), marker_ratio,
                                       med["virsh"][0] / med["vmdeck"][0]))
        print("destroy: virsh/vmdeck = %.1fx (target >= 10x: %s)"
              % (destroy_x, verdict(destroy_x >= 10)))
        cmd_x = lst[2] / lst[0]
        print("list:    virsh/vmdeck = %.1fx, both as commands (new processes; target >= 5x: %s);"
              " %.1fx against the in-process virsh answering from memory"
              % (cmd_x, verdict(cmd_x >= 5), list_x))
    finally:
        if virsh:
            virsh.close()
        # Anything of ours still running: vmdeck domains are destroyed through vmdeck.
        for name in ["benchvm"]:
            subprocess.run(vm + ["destroy", name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
