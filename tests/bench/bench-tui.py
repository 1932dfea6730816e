#!/usr/bin/python3
"""bench-tui.py BUILD_DIR: the TUI's first complete frame and its peak memory (`make
bench-tui`). vmdeck runs on a pseudo-terminal (TERM=xterm-256color, 80x24) as an
administrator would start it, in two setups: the test driver loaded from a generated node
file with 1,000 domains and 100 networks (test:///PATH.xml), and the QEMU driver with 1,000
defined domains (private config/runtime dirs; each domain defined through `vmdeck define`,
so the list summaries exist as they would on a real host). What flows through: bytes from
the pty master, timed from the spawn until the frame's last byte (the hint bar has been
drawn on the bottom row and the terminal then stays silent for QUIET_MS); peak RSS is the
child's VmHWM once the frame is drawn (start-up and the first frame included). Medians of BENCH_TUI_REPS runs are printed
with ratios against the targets (<= 50 ms, <= 16 MiB). Nothing is asserted: a benchmark
only prints. Every process and temp dir is cleaned up."""

import fcntl
import os
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import uuid

REPS = int(os.environ.get("BENCH_TUI_REPS", "11"))
DOMAINS = int(os.environ.get("BENCH_TUI_DOMAINS", "1000"))
NETWORKS = int(os.environ.get("BENCH_TUI_NETWORKS", "100"))
QUIET_MS = 300
TIMEOUT = 30.0
TARGET_MS = 50.0
TARGET_MIB = 16.0
# The cursor moved to the bottom row (xterm's vpa or cup): the hint bar, the frame's last line.
HINT = re.compile(rb"\x1b\[24(d|;\d+H)")


def node_xml(ndom, nnet):
    """A libvirt-style node file: ndom domains (every fourth shut off, the rest running as
    libvirt's test driver starts them), nnet NAT networks with DHCP."""
    out = ["<node xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"]
    for i in range(ndom):
        state = "\n    <test:runstate>5</test:runstate>" if i % 4 == 3 else ""
        out.append(f"""  <domain type='qemu'>
    <name>vm{i:04d}</name>
    <uuid>{uuid.UUID(int=i + 1)}</uuid>
    <memory unit='MiB'>{256 * (1 + i % 8)}</memory>
    <vcpu>{1 + i % 4}</vcpu>
    <os><type arch='x86_64' machine='pc'>hvm</type></os>
    <devices>
      <disk type='file' device='disk'><source file='/var/lib/vm/vm{i:04d}.img'/><target dev='vda' bus='virtio'/></disk>
      <interface type='network'><mac address='52:54:00:00:{i // 256:02x}:{i % 256:02x}'/><source network='net{i % max(nnet, 1):03d}'/></interface>
      <serial type='pty'/>
    </devices>{state}
  </domain>""")
    for j in range(nnet):
        out.append(f"""  <network>
    <name>net{j:03d}</name>
    <uuid>{uuid.UUID(int=100000 + j)}</uuid>
    <forward mode='nat'/>
    <bridge name='vbr{j}'/>
    <ip address='10.{j // 256}.{j % 256}.1' prefix='24'><dhcp><range start='10.{j // 256}.{j % 256}.2' end='10.{j // 256}.{j % 256}.254'/></dhcp></ip>
  </network>""")
    out.append("</node>")
    return "\n".join(out) + "\n"


def vm_hwm_mib(pid):
    """Peak resident set of pid (VmHWM: since its exec, so the forking Python's pages are
    not counted as ru_maxrss would count them), in MiB."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmHWM for pid %d" % pid)


def first_frame(argv, env):
    """Run argv on a fresh 80x24 pty; return (ms until the frame's last byte, peak RSS in
    MiB, bytes of the frame)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    t0 = time.monotonic()
    p = subprocess.Popen(argv, env=env, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True, close_fds=True)
    os.close(slave)
    buf = b""
    last = None
    deadline = t0 + TIMEOUT
    try:
        while time.monotonic() < deadline:
            wait = QUIET_MS / 1000.0 if HINT.search(buf) else deadline - time.monotonic()
            r, _, _ = select.select([master], [], [], max(wait, 0))
            if not r:
                if HINT.search(buf):
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise RuntimeError("vmdeck exited before its first frame: %r" % buf[-300:])
            last = time.monotonic()
            buf += chunk
        else:
            raise RuntimeError("no complete frame within %d s: %r" % (TIMEOUT, buf[-300:]))
        hwm = vm_hwm_mib(p.pid)
        os.write(master, b"q")
        end = time.monotonic() + 10
        while time.monotonic() < end:
            pid, _ = os.waitpid(p.pid, os.WNOHANG)
            if pid:
                break
            r, _, _ = select.select([master], [], [], 0.05)
            if r:
                try:
                    os.read(master, 65536)
                except OSError:
                    pass
        else:
            p.kill()
            os.waitpid(p.pid, 0)
        p.returncode = 0
    finally:
        if p.returncode is None:
            p.kill()
            p.wait()
        os.close(master)
    return (last - t0) * 1000.0, hwm, len(buf)


def measure(label, argv, env):
    """REPS runs of first_frame; print and return the medians."""
    runs = [first_frame(argv, env) for _ in range(REPS)]
    ms = statistics.median(r[0] for r in runs)
    mib = statistics.median(r[1] for r in runs)
    size = statistics.median(r[2] for r in runs)
    print("  %-40s %6.1f ms (%.2fx target; min %5.1f)  %5.1f MiB (%.2fx target)  %5d bytes"
          % (label, ms, ms / TARGET_MS, min(r[0] for r in runs), mib, mib / TARGET_MIB, size),
          flush=True)
    return ms, mib


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    vmdeck = build + "/vmdeck"
    tmp = tempfile.mkdtemp(prefix="vmdeck-bench-tui.")
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8",
               VMDECK_CONFIG_DIR=tmp + "/config", VMDECK_RUNTIME_DIR=tmp + "/run",
               XDG_CONFIG_HOME=tmp + "/xdg")
    for k in ("LC_ALL", "NO_COLOR", "VMDECK_DEFAULT_URI", "TMUX"):
        env.pop(k, None)
    try:
        print("TUI first complete frame (spawn to the frame's last byte, 80x24 pty) and "
              "peak RSS; median of %d runs; targets %d ms, %d MiB; load average %s"
              % (REPS, TARGET_MS, TARGET_MIB, os.getloadavg()[0]), flush=True)
        node = tmp + "/node.xml"
        with open(node, "w") as f:
            f.write(node_xml(DOMAINS, NETWORKS))
        measure("test driver: %d domains, %d networks" % (DOMAINS, NETWORKS),
                [vmdeck, "-c", "test://" + node], env)
        measure("test driver: test:///default (2 domains)",
                [vmdeck, "-c", "test:///default"], env)

        guest = build + "/guest"
        subprocess.run([src + "/tests/guest/build-guest.sh", guest], check=True,
                       stdout=subprocess.DEVNULL)
        base = subprocess.run(["bash", src + "/tests/guest/guest-xml.sh", "bench",
                               "--guest", guest], check=True, stdout=subprocess.PIPE,
                              text=True).stdout
        os.makedirs(tmp + "/xml")
        t0 = time.monotonic()
        for i in range(DOMAINS):
            path = "%s/xml/d%04d.xml" % (tmp, i)
            with open(path, "w") as f:
                xml = re.sub(r"<name>[^<]*</name>", "<name>d%04d</name>" % i, base, count=1)
                f.write(re.sub(r"\s*<uuid>[^<]*</uuid>", "", xml))  # define picks a new one
            subprocess.run([vmdeck, "-c", "qemu:///system", "define", path], env=env,
                           check=True, stdout=subprocess.DEVNULL)
        print("  (%d QEMU domains defined through vmdeck in %.1f s)"
              % (DOMAINS, time.monotonic() - t0), flush=True)
        measure("qemu driver: %d defined domains" % DOMAINS,
                [vmdeck, "-c", "qemu:///system"], env)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
