"""Round trip of a trivial cell and kernel start time, for any installed Jupyter kernel, with one client for all.

Usage: python3 jupyter_roundtrip.py <kernel-name> <cells> [starts]
Start: KernelManager.start_kernel until the first kernel_info_reply (wait_for_ready, as every frontend does).
Round trip: execute_request "1" sent on a plain pyzmq DEALER until both its execute_reply (shell) and its
`status: idle` (iopub) arrived; the client adds no polling or event-loop hops of its own. A round trip missing either
after 10 s is counted as lost, not timed. Prints one JSON object.
"""
import json
import sys
import time

import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

# A round trip whose reply or idle status has not come after this long counts as lost (a kernel that dropped it).
LOST_AFTER_MS = 10000


def start(name):
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel(stderr=open("/dev/null", "w"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return km, kc, (time.perf_counter() - t0) * 1000


def roundtrips(km, cells):
    session = Session(key=km.session.key, signature_scheme=km.session.signature_scheme)
    ctx = zmq.Context()
    shell = ctx.socket(zmq.DEALER)
    shell.setsockopt(zmq.IDENTITY, session.bsession)
    shell.connect(f"{km.transport}://{km.ip}:{km.shell_port}")
    iopub = ctx.socket(zmq.SUB)
    iopub.setsockopt(zmq.SUBSCRIBE, b"")
    iopub.connect(f"{km.transport}://{km.ip}:{km.iopub_port}")
    content = {"code": "1", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}

    def one():
        msg = session.send(shell, "execute_request", content)
        msg_id = msg["header"]["msg_id"]
        replied = idle = False
        poller = zmq.Poller()
        poller.register(shell, zmq.POLLIN)
        poller.register(iopub, zmq.POLLIN)
        while not (replied and idle):
            ready = poller.poll(LOST_AFTER_MS)
            if not ready:
                return False
            for sock, _ in ready:
                _, frames = session.feed_identities(sock.recv_multipart())
                m = session.deserialize(frames, content=True)
                if m["parent_header"].get("msg_id") != msg_id:
                    continue
                if sock is shell and m["msg_type"] == "execute_reply":
                    replied = True
                elif m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
                    idle = True
        return True

    # The subscription reaches the kernel asynchronously: warm up until iopub delivers.
    for _ in range(50):
        one()
    times = []
    lost = 0
    for _ in range(cells):
        t0 = time.perf_counter()
        if one():
            times.append((time.perf_counter() - t0) * 1000)
        else:
            lost += 1
    shell.close(0)
    iopub.close(0)
    return sorted(times), lost


def main():
    name, cells = sys.argv[1], int(sys.argv[2])
    starts = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    start_times = []
    for i in range(starts):
        km, kc, ms = start(name)
        start_times.append(ms)
        if i < starts - 1:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    times, lost = roundtrips(km, cells)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
    print(json.dumps({"kernel": name, "cells": cells, "p50_ms": pct(50), "p99_ms": pct(99), "start_ms": sorted(start_times)[len(start_times) // 2], "lost": lost}))


main()
