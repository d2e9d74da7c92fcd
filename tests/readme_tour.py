#!/usr/bin/env python3
"""readme_tour.py - run README.md's console blocks against a private demo and diff their output.

    tests/readme_tour.py SOURCE_DIR REDISFS_BIN [--print]

Every ```console block of README.md is part of the tour, in order: a line that starts with
"$ " is a command (a line ending in "\\" goes on), the lines after it up to the next command
are what it prints. A block that cannot run against the demo (root-only installs, fstab,
killing servers by PID, a cluster) has the line <!-- tour: skip REASON --> right before it;
<!-- tour: digits vary --> before a block compares its output with every number as 0 (df).

The commands run in one bash, in order, against scripts/demo.sh started in a private folder
on free ports (REDISFS_DEMO_DIR, REDISFS_DEMO_*_PORT), with the README's /tmp/redisfs-demo,
16379, 13306, 16390 and 16392 (TLS), 16501, 16502 and 26501 (Sentinel) put in their place;
the output is compared with those put back, after times, dates, TTLs, memory sizes and PIDs
are made alike. scripts/demo.sh stop runs at the end, also on failure. --print prints each
command with what it printed, README-ready. A ```console block indented in a list item is
read without its indent.
"""
import fcntl
import os
import pty
import re
import select
import signal
import shutil
import socket
import subprocess
import sys
import struct
import tempfile
import termios
import time

README_DIR = "/tmp/redisfs-demo"
README_REDIS_PORT = "16379"
README_MYSQL_PORT = "13306"
README_TLS_PORT = "16390"
README_TLS_AUTH_PORT = "16392"
README_PRIMARY_PORT = "16501"
README_REPLICA_PORT = "16502"
README_SENTINEL_PORT = "26501"
MARK = "@@redisfs-tour-command@@"
RUN_SECONDS = 600  # the whole tour; a hang is a failure
COLUMNS = 80  # the terminal the README's output was pasted from


def blocks(readme):
    """(line number, options, [(command, expected output)]) of each console block."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    out, i, note = [], 0, ""
    while i < len(lines):
        line = lines[i]
        m = re.match(r"\s*<!--\s*tour:\s*(.*?)\s*-->", line)
        fence = re.match(r"( *)```console\s*$", line)
        if m:
            note = m.group(1)
        elif fence:  # a block indented in a list item: its lines lose the fence's indent
            indent = len(fence.group(1))
            start, i, cmds = i + 1, i + 1, []
            while i < len(lines) and lines[i].strip() != "```":
                text = lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i]
                if text.startswith("$ "):
                    cmd = text[2:]
                    while cmd.endswith("\\") and i + 1 < len(lines):
                        i += 1
                        cmd = cmd[:-1] + "\n" + lines[i][indent:]
                    cmds.append([cmd, []])
                elif cmds:
                    cmds[-1][1].append(text)
                i += 1
            if not note.startswith("skip"):
                out.append((start, note, [(c, "\n".join(o)) for c, o in cmds]))
            note = ""
        elif line.strip():
            note = "" if not line.strip().startswith("<!--") else note
        i += 1
    return out


def run_on_a_terminal(script, env, cwd):
    """Run bash on a pseudo-terminal, as a user pastes into one (ls makes columns, redis-cli
    says "(integer) 0"); its output with the terminal's \\r\\n as \\n."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    proc = subprocess.Popen(["bash", "-c", script, "bash"], env=env, cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                            start_new_session=True)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + RUN_SECONDS
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: every writer closed the terminal
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if proc.poll() is None:  # the deadline passed, or a signal came: the whole session goes
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return str(s.getsockname()[1])


def normalize(text, digits):
    text = re.sub(r"^bash: line \d+: ", "bash: ", text, flags=re.M)
    text = re.sub(r"\b[A-Z][a-z]{2} [ \d]\d \d\d:\d\d\b", "DATE", text)  # ls -l
    text = re.sub(r'(user\.redis\.(ttl|memory))="\d+"', r'\1="N"', text)
    text = re.sub(r"^real\s.*$", "real TIME", text, flags=re.M)
    text = re.sub(r"\[\d+\]", "[PID]", text)
    if digits:
        text = re.sub(r"\d+", "0", text)
        text = re.sub(r" +", " ", text)
    return "\n".join(l.rstrip() for l in text.strip("\n").split("\n"))


def stop_on_signal(signum, frame):
    """meson's timeout or ^C: unwind, so that the finally below stops the demo."""
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)
    src, binary = sys.argv[1], sys.argv[2]
    printing = "--print" in sys.argv
    demo = tempfile.mkdtemp(prefix="redisfs-tour.")
    readme_ports = {"redis": README_REDIS_PORT, "mysql": README_MYSQL_PORT,
                    "tls": README_TLS_PORT, "tls_auth": README_TLS_AUTH_PORT,
                    "primary": README_PRIMARY_PORT, "replica": README_REPLICA_PORT,
                    "sentinel": README_SENTINEL_PORT}
    ports = {name: free_port() for name in readme_ports}
    env = dict(os.environ, REDISFS_DEMO_DIR=demo, REDISFS_DEMO_REDIS_PORT=ports["redis"],
               REDISFS_DEMO_MYSQL_PORT=ports["mysql"], REDISFS_DEMO_TLS_PORT=ports["tls"],
               REDISFS_DEMO_TLS_AUTH_PORT=ports["tls_auth"],
               REDISFS_DEMO_PRIMARY_PORT=ports["primary"],
               REDISFS_DEMO_REPLICA_PORT=ports["replica"],
               REDISFS_DEMO_SENTINEL_PORT=ports["sentinel"], REDISFS_DEMO_BIN=binary,
               LC_ALL="C", TERM="dumb", COLUMNS=str(COLUMNS))
    # the ports only where they stand as ports (or as redis-cli prints a sentinel's answer,
    # "16501"), so that no other number is touched
    where = r"(127\.0\.0\.1:|localhost:|-p |--port |\")"

    def ours(s):
        s = s.replace(README_DIR, demo)
        for name, port in readme_ports.items():
            s = re.sub(where + port + r"\b", r"\g<1>" + ports[name], s)
        return s

    def readmes(s):
        s = s.replace(demo, README_DIR)
        for name, port in readme_ports.items():
            s = re.sub(where + ports[name] + r"\b", r"\g<1>" + port, s)
        return s

    tour = blocks(os.path.join(src, "README.md"))
    failures, count = [], 0
    try:
        started = subprocess.run([os.path.join(src, "scripts", "demo.sh")], env=env,
                                 cwd=src, capture_output=True, text=True, timeout=300)
        if started.returncode:
            print(started.stdout + started.stderr)
            print("0 passed, 1 failed")
            return 1
        script = ["exec 2>&1", "cd " + demo]
        for _, _, cmds in tour:
            for cmd, _ in cmds:
                script += ["echo " + MARK, ours(cmd)]
        script.append("echo " + MARK)
        # each command's output ends where the next marker begins, a newline or not
        outputs = run_on_a_terminal("\n".join(script), env, demo).split(MARK + "\n")[1:]
        k = 0
        for start, note, cmds in tour:
            digits = note.startswith("digits vary")
            if printing:
                print("--- README.md:%d" % start)
            for cmd, want in cmds:
                got = readmes(outputs[k]) if k < len(outputs) else "(not run)"
                k += 1
                count += 1
                if printing:
                    print("$ " + cmd.replace("\n", "\\\n"))
                    print(got, end="" if got.endswith("\n") or not got else "\n")
                if normalize(got, digits) != normalize(want, digits):
                    failures.append("README.md:%d: $ %s\n--- README says:\n%s\n--- it printed:\n%s"
                                    % (start, cmd, want, got.rstrip("\n")))
    finally:
        subprocess.run([os.path.join(src, "scripts", "demo.sh"), "stop"], env=env, cwd=src,
                       capture_output=True, timeout=120)
        shutil.rmtree(demo, ignore_errors=True)
    for f in failures:
        print(f + "\n")
    print("%d passed, %d failed" % (count - len(failures), len(failures)))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
