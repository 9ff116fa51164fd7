"""Runs a Jupyter server for one stratlab process and makes sure nothing it started outlives that process.

    python3 jupyter_watchdog.py MARKER RUNTIME_DIR -- python3 -m jupyter_server ...

lib/notebook/server.ts starts this (detached, in its own process group) with a pipe on stdin. When the
pipe reaches EOF (the owner exited, even by SIGKILL), the owner pid changes, or SIGTERM arrives, the
server gets SIGTERM (it shuts its kernels down), then after a grace period every process still carrying
the environment entry MARKER (kernels run in their own sessions, so a process group does not reach
them; the bridge processes kernels start inherit it too) is SIGKILLed, and RUNTIME_DIR is removed.
Standard library only.
"""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

GRACE_S = 5.0
POLL_S = 0.25


def marked_pids(marker):
    """Pids (other than this one) whose environment holds the entry `marker` (KEY=VALUE)."""
    want = marker.encode() + b"\0"
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as f:
                env = f.read() + b"\0"
        except OSError:
            continue
        if env.startswith(want) or (b"\0" + want) in env:
            found.append(int(name))
    return found


def kill_marked(marker, sig):
    pids = marked_pids(marker)
    for pid in pids:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    return pids


def main():
    sep = sys.argv.index("--")
    marker, runtime_dir = sys.argv[1], sys.argv[2]
    command = sys.argv[sep + 1:]
    owner = os.getppid()
    server = subprocess.Popen(command, stdin=subprocess.DEVNULL)
    stop = threading.Event()

    def watch_pipe():
        # Blocks until the owner's end of the pipe closes: its exit, however it happened.
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except OSError:
            pass
        stop.set()

    threading.Thread(target=watch_pipe, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    while not stop.is_set() and server.poll() is None:
        if os.getppid() != owner:
            break
        stop.wait(POLL_S)

    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(GRACE_S)
        except subprocess.TimeoutExpired:
            pass
    # Whatever is left (a hung server, kernels it did not stop, their children) goes now.
    for _ in range(20):
        if not kill_marked(marker, signal.SIGKILL):
            break
        time.sleep(0.05)
    if server.poll() is None:
        server.kill()
    server.wait()
    shutil.rmtree(runtime_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
