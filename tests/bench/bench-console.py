#!/usr/bin/python3
"""bench-console.py BUILD_DIR: how fast a serial console drains a flood, how many bytes it
sends to the terminal, and how quickly a keystroke comes back (`make bench-console`).

What flows through: 64 MiB (BENCH_CONSOLE_MIB) of generated boot-log-like text with ANSI
colour sequences, ending in a unique marker line, goes into a console three ways, each
drawn on an 80x24 "harness" pty whose master this script reads, counts and discards (it is
the outer terminal; TERM=xterm-256color):

  vmdeck  `vmdeck -c test:///NODE.xml console bench`: the node file names the slave end of
          a second pty as the domain's serial console (the test driver opens it as it would
          a QEMU guest's); this script holds that pty's master and writes the text into it
          (the guest end), non-blocking, while it reads the harness pty.
  tmux    tmux 3.3a (private socket, empty config) whose client runs on the harness pty and
          whose pane runs `cat GATE FILE GATE2`: GATE and GATE2 are FIFOs, so the pane starts
          cat-ing FILE when this script opens and closes GATE, and stays open afterwards.
  cat     plain `cat GATE FILE GATE2` on the harness pty: the floor.

Each run is timed from the moment the text starts to flow until the marker line has been
drawn and the terminal has then been silent for QUIET_MS (the time counted ends at the
last byte). CPU seconds are utime+stime from /proc/PID/stat over the run (vmdeck; tmux
server + client; cat). Keystroke latency: a byte written into a terminal's master until
its echo is back on that master, through vmdeck's console (harness pty -> vmdeck -> guest
pty -> an echo process on the guest end -> vmdeck -> harness pty) versus a raw pty with the
same echo process on its slave. Nothing is asserted: a benchmark only prints. Every
process and temp dir is cleaned up."""

import fcntl
import os
import random
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
import tty

MIB = int(os.environ.get("BENCH_CONSOLE_MIB", "64"))
KEYS = int(os.environ.get("BENCH_CONSOLE_KEYS", "200"))
REPS = int(os.environ.get("BENCH_CONSOLE_REPS", "3"))
QUIET_MS = 300
TIMEOUT = 600.0
ROWS, COLS = 24, 80
TICK = os.sysconf("SC_CLK_TCK")
# CSI / OSC / charset sequences, removed before looking for plain text in a stream.
ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|"
                     rb"\x1b[=>78DEHMNOcZ]|\x0f|\x0e")

UNITS = ["systemd-udevd.service", "networking.service", "ssh.service", "cron.service",
         "rsyslog.service", "getty@tty1.service", "serial-getty@ttyS0.service",
         "systemd-journald.service", "dbus.service", "chrony.service", "nftables.service",
         "systemd-logind.service", "apparmor.service", "keyboard-setup.service"]
KERNEL = ["ACPI: PCI Root Bridge [PCI0] (domain 0000 [bus 00-ff])",
          "virtio_blk virtio2: [vda] 20971520 512-byte logical blocks (10.7 GB/10.0 GiB)",
          "EXT4-fs (vda1): mounted filesystem with ordered data mode. Quota mode: none.",
          "random: crng init done", "e1000 0000:00:03.0 eth0: (PCI:33MHz:32-bit) 52:54:00:12:34:56",
          "Freeing unused kernel image (initmem) memory: 2716K",
          "audit: type=1400 audit(1700000000.123:2): apparmor=\"STATUS\" operation=\"profile_load\"",
          "clocksource: tsc: mask: 0xffffffffffffffff max_cycles: 0x2b3e459bf4c"]


def boot_log(path, size, marker):
    """Write about size bytes of boot-log-like lines (kernel lines with timestamps, systemd
    [  OK  ] / [FAILED] lines in colour, CR LF endings as a serial console sends them),
    then the marker line; returns the bytes written."""
    rnd = random.Random(6)
    parts, total, t = [], 0, 0.0
    while total < size:
        t += rnd.random() * 0.01
        k = rnd.random()
        if k < 0.45:
            line = "[%12.6f] %s" % (t, rnd.choice(KERNEL))
        elif k < 0.9:
            line = ("[\x1b[0;32m  OK  \x1b[0m] Started \x1b[0;1;39m%s\x1b[0m - %s." %
                    (rnd.choice(UNITS), "service number %d" % rnd.randrange(100000)))
        elif k < 0.97:
            line = ("[\x1b[0;1;31mFAILED\x1b[0m] Failed to start \x1b[0;1;39m%s\x1b[0m." %
                    rnd.choice(UNITS))
        else:
            line = ("\x1b[1;33mWarning:\x1b[0m %s \x1b[7m%d\x1b[27m %s" %
                    (rnd.choice(UNITS), rnd.randrange(10**9), "x" * rnd.randrange(100)))
        s = (line + "\r\n").encode()
        parts.append(s)
        total += len(s)
    parts.append(("\r\n%s\r\n" % marker).encode())
    data = b"".join(parts)
    with open(path, "wb") as f:
        f.write(data)
    return len(data)


def cpu_seconds(pid):
    """utime + stime of pid in seconds (0 when it is gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def harness_pty():
    """A fresh 80x24 pty: (master, slave)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    return master, slave


def raw_pty():
    """A pty pair in raw mode (no echo, no CR/LF mangling) with a non-blocking master:
    (master, slave path, slave fd)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, os.ttyname(slave), slave


def read_some(fd):
    """What fd has now (b"" at its end or on EIO, which a pty master gives once closed)."""
    try:
        return os.read(fd, 1 << 16)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def settle(master, max_s=15.0):
    """Read and drop output until the terminal has been silent for QUIET_MS (after at
    least one byte); returns the bytes dropped."""
    end, seen, n = time.monotonic() + max_s, False, 0
    while time.monotonic() < end:
        r, _, _ = select.select([master], [], [], QUIET_MS / 1000.0)
        if not r:
            if seen:
                return n
            continue
        chunk = read_some(master)
        if not chunk:
            raise RuntimeError("the terminal closed while starting up (after %d bytes)" % n)
        seen, n = True, n + len(chunk)
    raise RuntimeError("the terminal never settled")


def drain(outer, marker, feed=None, others=()):
    """Read the outer terminal (counting bytes) until the marker shows and QUIET_MS pass;
    meanwhile write feed = (fd, data) non-blocking when given and drop what the fds in
    others have. Returns (seconds from the call to the last byte, bytes read)."""
    fd, data = feed if feed else (None, b"")
    view, pos, total = memoryview(data), 0, 0
    tail, found, last = b"", False, None
    t0 = time.monotonic()
    deadline = t0 + TIMEOUT
    while time.monotonic() < deadline:
        wfds = [fd] if fd is not None and pos < len(data) else []
        r, w, _ = select.select([outer] + list(others), wfds, [],
                                QUIET_MS / 1000.0 if found else 1.0)
        if not r and not w:
            if found:
                return last - t0, total
            continue
        if w:
            try:
                pos += os.write(fd, view[pos:pos + (1 << 16)])
            except BlockingIOError:
                pass
        for o in others:
            if o in r:
                read_some(o)
        if outer in r:
            chunk = read_some(outer)
            if chunk is None:
                continue
            if not chunk:
                raise RuntimeError("the terminal closed during the drain")
            total += len(chunk)
            last = time.monotonic()
            if not found:
                tail = (tail + chunk)[-4096:]
                found = marker in ESCAPES.sub(b"", tail)
    raise RuntimeError("the marker never showed within %d s" % TIMEOUT)


def stop(p):
    """Kill p (a Popen) if it still runs, and reap it."""
    if p.poll() is None:
        p.kill()
    p.wait()


def echo_main():
    """--echo: copy fd 0 to fd 1 byte for byte as it comes (the guest end of a console)."""
    os.set_blocking(0, True)
    while True:
        b = os.read(0, 4096)
        if not b:
            return
        os.write(1, b)


def run_vmdeck(vmdeck, env, tmp, log, marker):
    """The flood through `vmdeck console`; returns (seconds, CPU seconds, bytes)."""
    gm, gpath, gs = raw_pty()
    node = write_node(tmp, gpath)
    outer, slave = harness_pty()
    p = subprocess.Popen([vmdeck, "-c", "test://" + node, "console", "bench"], env=env,
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        settle(outer)
        with open(log, "rb") as f:
            data = f.read()
        c0 = cpu_seconds(p.pid)
        secs, nbytes = drain(outer, marker, (gm, data), [gm])
        cpu = cpu_seconds(p.pid) - c0
    finally:
        stop(p)
        for fd in (outer, gm, gs):
            os.close(fd)
    return secs, cpu, nbytes


def write_node(tmp, pty_path):
    """A node file with one running domain "bench" whose serial console is pty_path."""
    node = tmp + "/node.xml"
    with open(node, "w") as f:
        f.write("<node>\n  <domain type='qemu'>\n    <name>bench</name>\n"
                "    <memory unit='MiB'>256</memory>\n"
                "    <os><type arch='x86_64' machine='pc'>hvm</type></os>\n"
                "    <devices><serial type='pty'><source path='%s'/></serial></devices>\n"
                "  </domain>\n</node>\n" % pty_path)
    return node


def gates(tmp):
    """Two fresh FIFOs: cat starts on the file when the first is opened and closed, and
    waits on the second afterwards (so the pane stays)."""
    g1, g2 = tmp + "/gate1", tmp + "/gate2"
    for g in (g1, g2):
        if os.path.exists(g):
            os.unlink(g)
        os.mkfifo(g)
    return g1, g2


def open_gate(path):
    """Open and close a FIFO for writing: the reader sees its end."""
    os.close(os.open(path, os.O_WRONLY))


def run_tmux(env, tmp, log, marker):
    """The flood through tmux (cat in a pane); returns (seconds, CPU seconds, bytes)."""
    g1, g2 = gates(tmp)
    run_tmux.n = getattr(run_tmux, "n", 0) + 1  # a fresh server (socket) for each run
    sock, conf = tmp + "/tmux%d.sock" % run_tmux.n, tmp + "/tmux.conf"
    open(conf, "w").close()
    outer, slave = harness_pty()
    tmux = ["tmux", "-S", sock, "-f", conf]
    p = subprocess.Popen(tmux + ["new-session", "cat", g1, log, g2], env=env, stdin=slave,
                         stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        settle(outer)
        server = int(subprocess.run(tmux + ["display-message", "-p", "#{pid}"], env=env,
                                    check=True, stdout=subprocess.PIPE, text=True).stdout)
        c0 = cpu_seconds(server) + cpu_seconds(p.pid)
        open_gate(g1)
        secs, nbytes = drain(outer, marker)
        cpu = cpu_seconds(server) + cpu_seconds(p.pid) - c0
    finally:
        subprocess.run(tmux + ["kill-server"], env=env, stderr=subprocess.DEVNULL)
        stop(p)
        os.close(outer)
    return secs, cpu, nbytes


def run_cat(env, tmp, log, marker):
    """The flood through plain cat on the harness pty; returns (seconds, CPU, bytes)."""
    g1, g2 = gates(tmp)
    outer, slave = harness_pty()
    p = subprocess.Popen(["cat", g1, log, g2], env=env, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        time.sleep(0.1)
        c0 = cpu_seconds(p.pid)
        open_gate(g1)
        secs, nbytes = drain(outer, marker)
        cpu = cpu_seconds(p.pid) - c0
    finally:
        stop(p)
        os.close(outer)
    return secs, cpu, nbytes


def key_latency(master, n, drop=()):
    """Write n letters one at a time into master; each time, wait until it comes back
    (escape sequences removed); returns the latencies in ms."""
    out = []
    for i in range(n):
        key = b"abcdefgijknopsuvwyz"[i % 19:i % 19 + 1]
        if i % 60 == 59:
            key = b"\r"
        t0 = time.monotonic()
        os.write(master, key)
        got = b""
        while True:
            r, _, _ = select.select([master] + list(drop), [], [], 5.0)
            if not r:
                raise RuntimeError("keystroke %d never echoed" % i)
            for o in drop:
                if o in r:
                    read_some(o)
            if master not in r:
                continue
            chunk = read_some(master)
            if not chunk:
                raise RuntimeError("the terminal closed")
            got += chunk
            if key == b"\r" or key in ESCAPES.sub(b"", got):
                break
        out.append((time.monotonic() - t0) * 1000.0)
        time.sleep(0.01)
        r, _, _ = select.select([master], [], [], 0.02)
        if r:
            read_some(master)
    return out


def latency_vmdeck(vmdeck, env, tmp):
    """Keystroke-to-echo latencies through vmdeck's console with an echo process on the
    guest end."""
    gm, gpath, gs = raw_pty()
    node = write_node(tmp, gpath)
    echo = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--echo"], stdin=gm,
                            stdout=gm, stderr=subprocess.DEVNULL)
    outer, slave = harness_pty()
    p = subprocess.Popen([vmdeck, "-c", "test://" + node, "console", "bench"], env=env,
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        settle(outer)
        return key_latency(outer, KEYS)
    finally:
        stop(p)
        stop(echo)
        for fd in (outer, gm, gs):
            os.close(fd)


def latency_raw(env):
    """Keystroke-to-echo latencies of a raw pty with the echo process on its slave."""
    master, _, slave = raw_pty()
    os.set_blocking(master, True)
    echo = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--echo"],
                            stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env)
    os.close(slave)
    try:
        time.sleep(0.2)
        return key_latency(master, KEYS)
    finally:
        stop(echo)
        os.close(master)


def pct(v, q):
    """The q-quantile of v."""
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))]


def main():
    if sys.argv[1:] == ["--echo"]:
        return echo_main()
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
    vmdeck = build + "/vmdeck"
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix="vmdeck-bench-console.")
    env = dict(os.environ, TERM="xterm-256color", LANG="C.UTF-8",
               VMDECK_CONFIG_DIR=tmp + "/config", VMDECK_RUNTIME_DIR=tmp + "/run",
               XDG_CONFIG_HOME=tmp + "/xdg")
    for k in ("LC_ALL", "NO_COLOR", "VMDECK_DEFAULT_URI", "TMUX", "TMUX_PANE"):
        env.pop(k, None)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        commit = subprocess.run(["git", "-C", src, "log", "-1", "--format=%h %s"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True).stdout.strip() or "unknown"
        tmux_v = subprocess.run(["tmux", "-V"], stdout=subprocess.PIPE, text=True).stdout.strip()
        marker = "@@vmdeck-bench-end-%08x@@" % random.getrandbits(32)
        log = tmp + "/boot.log"
        size = boot_log(log, MIB << 20, marker)
        print("Console drain: %.1f MiB of coloured boot log into an %dx%d terminal; vmdeck at "
              "%s; %s; load average %.2f" % (size / 1048576.0, COLS, ROWS, commit, tmux_v,
                                             os.getloadavg()[0]), flush=True)
        res = {}
        for name, fn in (("cat", lambda: run_cat(env, tmp, log, marker.encode())),
                         ("tmux", lambda: run_tmux(env, tmp, log, marker.encode())),
                         ("vmdeck", lambda: run_vmdeck(vmdeck, env, tmp, log,
                                                       marker.encode()))):
            runs = [fn() for _ in range(REPS)]
            res[name] = tuple(statistics.median(r[i] for r in runs) for i in range(3))
            s, c, b = res[name]
            print("  %-7s drain %7.2f s (runs %s)   CPU %7.2f s   %12d bytes to the terminal"
                  % (name, s, " ".join("%.2f" % r[0] for r in runs), c, b), flush=True)
        v, t = res["vmdeck"], res["tmux"]
        print("  vmdeck/tmux: drain %.2fx (target <= 1), CPU %.2fx, bytes %.4fx (target <= "
              "0.04, 1/25); vmdeck/cat: drain %.2fx"
              % (v[0] / t[0], v[1] / max(t[1], 1e-9), v[2] / max(t[2], 1),
                 v[0] / res["cat"][0]), flush=True)
        lv = latency_vmdeck(vmdeck, env, tmp)
        lr = latency_raw(env)
        print("Keystroke to echo, %d keys: vmdeck console median %.2f ms (p99 %.2f); raw pty "
              "median %.2f ms (p99 %.2f)" % (KEYS, statistics.median(lv), pct(lv, 0.99),
                                            statistics.median(lr), pct(lr, 0.99)), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
