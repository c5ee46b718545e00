"""Drives the chalknb Jupyter kernel with real Jupyter clients (jupyter_client, nbclient) for test/jupyter/*.test.ts.

Usage: python3 scenarios.py <scenario> <workdir> <kernel-stderr-file> [args...]
The kernelspec is found through JUPYTER_PATH (the tests install it into a temporary prefix). Prints one JSON object:
what the kernel answered, for the Node test to assert on. Every wait is for a message, with a generous timeout.
"""
import json
import os
import signal
import sys

import zmq
from jupyter_client import KernelManager
from jupyter_client.session import Session

TIMEOUT = 120


def start(workdir, stderr_file):
    km = KernelManager(kernel_name="chalknb")
    km.start_kernel(cwd=workdir, stderr=open(stderr_file, "w"))
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=TIMEOUT)
    return km, kc


def collect(kc, msg_id):
    """iopub messages of one request until its status idle (status messages left out), then its shell reply."""
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status":
            if msg["content"]["execution_state"] == "idle":
                break
            continue
        outputs.append({"msg_type": msg["msg_type"], **msg["content"]})
    return {"reply": shell_reply(kc, msg_id), "outputs": outputs}


def shell_reply(kc, msg_id):
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def run(kc, code, **kwargs):
    return collect(kc, kc.execute(code, **kwargs))


def wait_for(kc, msg_id, predicate):
    """Reads iopub until a message of request msg_id satisfies predicate; returns it."""
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and predicate(msg):
            return msg


def basics(workdir, stderr_file):
    km, kc = start(workdir, stderr_file)
    out = {}
    msg_id = kc.kernel_info()
    out["kernel_info"] = shell_reply(kc, msg_id)
    out["state"] = [run(kc, "const abc = 1"), run(kc, "abc + 1")]
    out["redeclare"] = [run(kc, "const abc = 2"), run(kc, "abc")]
    out["await"] = run(kc, "const waited: number = await new Promise<number>((resolve) => setTimeout(() => resolve(7), 1))\nconsole.log('waited', waited)\nwaited * 6")
    out["error"] = run(kc, "const fine = 1\nthrow new RangeError('boom')")
    out["complete"] = shell_reply(kc, kc.complete("ab", 2))
    run(kc, "const tbl = tableFromArrays({ x: Float64Array.from([1.5, 2.5, 3.5]), name: ['a', 'b', '<c>'] })")
    out["complete_member"] = shell_reply(kc, kc.complete("tbl.num", 7))
    out["complete_unicode"] = shell_reply(kc, kc.complete("const é = '€😀'; ab", 18))
    out["arrow"] = run(kc, "tbl")
    out["display"] = run(kc, "const handle = display('first')\nhandle.update('second')\nhandle.displayId")
    run(kc, "function greet(name: string, times = 1) { return `hi ${name}`.repeat(times) }")
    out["inspect"] = shell_reply(kc, kc.inspect("greet", 3))
    out["inspect_missing"] = shell_reply(kc, kc.inspect("nothingHere", 5))
    out["is_complete"] = [shell_reply(kc, kc.is_complete(code)) for code in ["const x = 1", "const x = {", "if (x) {\n  foo(", "x)]", "const s = `a ${"]]
    comm = kc.session.msg("comm_info_request", {})
    kc.shell_channel.send(comm)
    out["comm_info"] = shell_reply(kc, comm["header"]["msg_id"])
    out["silent"] = run(kc, "abc * 100", silent=True)
    out["silent_error"] = run(kc, "const quiet = 1\nthrow new Error('quiet')", silent=True)
    out["no_history"] = run(kc, "abc * 10", store_history=False)
    out["user_expressions"] = run(kc, "const ue = 41", user_expressions={"next": "ue + 1", "bad": "nope("})
    # stop_on_error: a cell queued behind a failing one is aborted, never run. The first cell waits for input, and
    # the kernel_info round trip after the second execute_request proves the kernel holds it queued before we answer.
    first = kc.execute("const gate = await input('go? ')\nthrow new Error(`stopped at ${gate}`)", allow_stdin=True)
    stdin = kc.get_stdin_msg(timeout=TIMEOUT)
    second = kc.execute("globalThis.ranAfterError = true")
    shell_reply(kc, kc.kernel_info())
    kc.input("gate")
    out["input_request"] = stdin["content"]
    out["stop_on_error"] = [collect(kc, first), collect(kc, second)]
    out["after_abort"] = run(kc, "typeof ranAfterError")
    km.shutdown_kernel()
    out["alive_after_shutdown"] = km.is_alive()
    print(json.dumps(out))


def interrupt(workdir, stderr_file):
    km, kc = start(workdir, stderr_file)
    out = {}
    run(kc, "const kept = 'state survives'")
    # A synchronous loop: the main thread never returns to its event loop; control (a worker thread) still answers.
    spin = kc.execute("console.log('spinning')\nwhile (true) {}")
    wait_for(kc, spin, lambda m: m["msg_type"] == "stream")
    hb = zmq.Context.instance().socket(zmq.REQ)
    hb.connect(f"{km.transport}://{km.ip}:{km.hb_port}")
    hb.send(b"ping while busy")
    out["heartbeat_while_busy"] = hb.recv().decode() if hb.poll(TIMEOUT * 1000) else None
    hb.close(0)
    km.interrupt_kernel()
    out["spin"] = collect(kc, spin)
    out["after_spin"] = run(kc, "kept")
    call = kc.execute('const hang = new Remote().function("hang")\nawait hang.chunkedCall(tableFromArrays({ x: Float64Array.from([1, 2, 3]) }), { chunkSize: 1, concurrentChunks: 1 })')
    wait_for(kc, call, lambda m: m["msg_type"] == "display_data")
    km.interrupt_kernel()
    out["call"] = collect(kc, call)
    out["after_call"] = run(kc, "kept")
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=TIMEOUT)
    out["after_restart"] = run(kc, "typeof kept")
    km.shutdown_kernel()
    print(json.dumps(out))


def sigint(workdir, stderr_file):
    """SIGINT between cells leaves the kernel alive; a cell's own SIGINT listener hears it; busy cells stay interruptible."""
    km, kc = start(workdir, stderr_file)
    pid = km.provisioner.process.pid
    out = {}
    run(kc, "const kept = 'state survives'")
    os.kill(pid, signal.SIGINT)
    out["after_signal"] = run(kc, "kept")
    run(kc, "globalThis.heard = new Promise((resolve) => process.once('SIGINT', () => resolve('heard')))")
    spin = kc.execute("while (true) {}")
    wait_for(kc, spin, lambda m: m["msg_type"] == "execute_input")
    km.interrupt_kernel()
    out["spin"] = collect(kc, spin)
    os.kill(pid, signal.SIGINT)
    # Resolves once the cell's listener ran; were the signal lost, this cell would never end (the test times out).
    out["heard"] = run(kc, "await heard")
    # The listener (a once) is gone: SIGINT is the kernel's again.
    os.kill(pid, signal.SIGINT)
    out["after_listener"] = run(kc, "kept")
    km.shutdown_kernel()
    print(json.dumps(out))


def bad_signature(workdir, stderr_file):
    km, kc = start(workdir, stderr_file)
    out = {}
    forged = Session(key=b"not-the-key", session=kc.session.session, username="attacker")
    forged.send(kc.shell_channel.socket, "execute_request", {"code": "globalThis.pwned = 1", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    unsigned = Session(key=b"", session=kc.session.session, username="attacker")
    unsigned.send(kc.shell_channel.socket, "execute_request", {"code": "globalThis.pwned = 2", "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    # Same socket, so these are read after the forged ones: by their answers, the forged ones were handled (dropped).
    out["check"] = run(kc, "typeof pwned")
    km.shutdown_kernel()
    with open(stderr_file) as f:
        out["log"] = [line for line in f.read().splitlines() if "dropped" in line]
    print(json.dumps(out))


def nbclient_run(workdir, stderr_file, notebook, output):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name="chalknb", timeout=600, resources={"metadata": {"path": workdir}})
    client.execute()
    nbformat.write(nb, output)
    print(json.dumps({"cells": len(nb.cells)}))


SCENARIOS = {"basics": basics, "interrupt": interrupt, "sigint": sigint, "bad-signature": bad_signature, "nbclient": nbclient_run}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]](*sys.argv[2:])
