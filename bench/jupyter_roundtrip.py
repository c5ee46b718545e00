"""Round trip of a trivial cell and kernel start time, for any installed Jupyter kernel, with one client for all.

Usage: python3 jupyter_roundtrip.py <kernel-name> <cells> [starts]
Start (start_ms): KernelManager.start_kernel until the first kernel_info_reply, asked on a DEALER that retries its
connection every 5 ms (jupyter_client's sockets retry every 100 ms, which would round every start up to a step of
that size). start_cpu_ms is the CPU the kernel (its threads and child processes) used until then: a figure that load on
a shared machine does not inflate. Ready (ready_ms): start_kernel, start_channels and wait_for_ready, as every frontend does; that includes
jupyter_client's own wait for 0.2 s without iopub messages after the kernel_info_reply, so no kernel is ready in
under about 200 ms plus its start.
Round trip: execute_request "1" sent on a plain pyzmq DEALER until both its execute_reply (shell) and its
`status: idle` (iopub) arrived; the client adds no polling or event-loop hops of its own. client_cpu_ms is the CPU
this client spends per round trip (signing, sending, receiving and parsing the kernel's five messages), kernel_cpu_ms
what the kernel spends (Linux only). A round trip
missing either message after 10 s is counted as lost, not timed. Prints one JSON object.
"""
import json
import os
import sys
import time

import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

# A round trip whose reply or idle status has not come after this long counts as lost (a kernel that dropped it).
LOST_AFTER_MS = 10000
# How often the start probe retries its connection while the kernel has not bound its shell socket yet.
PROBE_RECONNECT_MS = 5


def session_of(km):
    return Session(key=km.session.key, signature_scheme=km.session.signature_scheme)


def process_tree_cpu_ms(pid):
    """CPU time of a process, its threads and its children so far (Linux /proc schedstat, ns resolution); None elsewhere."""
    try:
        total = 0
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
            with open(f"/proc/{pid}/task/{task}/children") as f:
                total += sum((process_tree_cpu_ms(int(child)) or 0) * 1e6 for child in f.read().split())
        return total / 1e6
    except OSError:
        return None


def measure_start(name):
    """Spawn to the first kernel_info_reply; returns (ms, the kernel's CPU ms by then, km)."""
    ctx = zmq.Context.instance()
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel(stderr=open("/dev/null", "w"))
    session = session_of(km)
    shell = ctx.socket(zmq.DEALER)
    shell.setsockopt(zmq.RECONNECT_IVL, PROBE_RECONNECT_MS)
    shell.setsockopt(zmq.LINGER, 0)
    shell.connect(f"{km.transport}://{km.ip}:{km.shell_port}")
    session.send(shell, "kernel_info_request", {})
    if not shell.poll(120000):
        raise RuntimeError(f"{name}: no kernel_info_reply in 120 s")
    ms = (time.perf_counter() - t0) * 1000
    cpu_ms = process_tree_cpu_ms(km.provisioner.process.pid)
    shell.close(0)
    return ms, cpu_ms, km


def measure_ready(name):
    """Spawn to wait_for_ready, as a frontend; returns (ms, km, kc)."""
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel(stderr=open("/dev/null", "w"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=120)
    return (time.perf_counter() - t0) * 1000, km, kc


def roundtrips(km, cells):
    session = session_of(km)
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
    pid = km.provisioner.process.pid
    kernel0 = process_tree_cpu_ms(pid)
    cpu0 = time.process_time()
    for _ in range(cells):
        t0 = time.perf_counter()
        if one():
            times.append((time.perf_counter() - t0) * 1000)
        else:
            lost += 1
    client_cpu_ms = (time.process_time() - cpu0) * 1000 / cells
    kernel1 = process_tree_cpu_ms(pid)
    kernel_cpu_ms = None if kernel0 is None or kernel1 is None else (kernel1 - kernel0) / cells
    shell.close(0)
    iopub.close(0)
    return sorted(times), lost, client_cpu_ms, kernel_cpu_ms


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    name, cells = sys.argv[1], int(sys.argv[2])
    starts = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    start_times = []
    start_cpu = []
    for _ in range(starts):
        ms, cpu_ms, km = measure_start(name)
        start_times.append(ms)
        start_cpu.append(cpu_ms)
        km.shutdown_kernel(now=True)
    ready_times = []
    for i in range(starts):
        ms, km, kc = measure_ready(name)
        ready_times.append(ms)
        if i < starts - 1:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    times, lost, client_cpu_ms, kernel_cpu_ms = roundtrips(km, cells)
    kc.stop_channels()
    km.shutdown_kernel(now=True)
    pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
    print(json.dumps({
        "kernel": name,
        "cells": cells,
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "client_cpu_ms": client_cpu_ms,
        "kernel_cpu_ms": kernel_cpu_ms,
        "start_ms": median(start_times),
        "start_cpu_ms": None if None in start_cpu else median(start_cpu),
        "ready_ms": median(ready_times),
        "lost": lost,
    }))


main()
