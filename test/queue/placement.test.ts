import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { FunctionNeeds, WorkerHardware } from "../../protocol/messages.js";
import { gpuIsOfType, meetsNeeds, unmetNeed, unplacedReason } from "../../queue/policy/placement.js";

const gpu = (name: string, index = 0) => ({ index, name, memoryMiB: 1000, uuid: `GPU-${index}` });
const box = (gpus: string[], cpus = 8, memoryGiB = 32): WorkerHardware => ({ gpus: gpus.map(gpu), cpus, memoryBytes: memoryGiB * 1024 ** 3 });
const needs = (over: Partial<FunctionNeeds>): FunctionNeeds => ({ gpuType: null, gpuCount: 0, cpu: null, memoryBytes: null, ...over });

describe("placement policy (issue 14)", () => {
  it("matches GPU types to nvidia-smi names by model words", () => {
    assert.equal(gpuIsOfType("NVIDIA L4", "nvidia-l4"), true);
    assert.equal(gpuIsOfType("NVIDIA H100 80GB HBM3", "nvidia-h100"), true);
    assert.equal(gpuIsOfType("NVIDIA A100-SXM4-80GB", "nvidia-a100"), true);
    assert.equal(gpuIsOfType("Tesla T4", "nvidia-t4"), true);
    assert.equal(gpuIsOfType("NVIDIA L40S", "nvidia-l4"), false);
    assert.equal(gpuIsOfType("NVIDIA L4", "nvidia-h100"), false);
    assert.equal(gpuIsOfType("NVIDIA GeForce RTX 4090", "any"), true);
    assert.equal(gpuIsOfType("NVIDIA L4", "nvidia"), false);
  });

  it("says why a worker cannot serve a function", () => {
    const l4 = needs({ gpuType: "nvidia-l4", gpuCount: 1 });
    assert.equal(unmetNeed(box([]), l4), "it has no GPU");
    assert.equal(unmetNeed(undefined, l4), "it has no GPU");
    assert.equal(unmetNeed(box(["NVIDIA T4"]), l4), "it has no nvidia-l4 GPU (it has NVIDIA T4)");
    assert.equal(unmetNeed(box(["NVIDIA L4"]), needs({ gpuType: "nvidia-l4", gpuCount: 2 })), "it has 1 nvidia-l4 GPU, not 2");
    assert.equal(unmetNeed(box([], 2), needs({ cpu: 4 })), "it has 2 cores, not 4");
    assert.equal(unmetNeed(box([], 8, 4), needs({ memoryBytes: 16 * 1024 ** 3 })), "it has 4 GiB memory, not 16 GiB");
    assert.equal(unmetNeed(box(["NVIDIA L4", "NVIDIA L4"]), needs({ gpuType: "nvidia-l4", gpuCount: 2, cpu: 8 })), undefined);
    assert.equal(meetsNeeds(box([]), undefined), true);
    // An older worker (no hardware in its hello) is not starved of CPU functions it cannot be judged on.
    assert.equal(meetsNeeds(undefined, needs({ cpu: 64, memoryBytes: 1024 ** 4 })), true);
  });

  it("names the missing need when no worker that declares the function meets it", () => {
    const l4 = needs({ gpuType: "nvidia-l4", gpuCount: 1 });
    assert.equal(unplacedReason("embed", l4, [box([]), box(["NVIDIA T4"])], 2), "embed needs gpu nvidia-l4; 2 workers connected, none with that GPU");
    assert.equal(unplacedReason("embed", needs({ gpuType: "nvidia-h100", gpuCount: 2 }), [box(["NVIDIA H100 80GB HBM3"])], 1),
      "embed needs 2 gpus nvidia-h100; 1 worker connected, none with 2 such GPUs");
    assert.equal(unplacedReason("big", needs({ cpu: 16 }), [box([], 8)], 3), "big needs 16 cores; 3 workers connected, none with 16 cores");
    assert.equal(unplacedReason("big", needs({ memoryBytes: 64 * 1024 ** 3 }), [box([])], 1), "big needs 64 GiB memory; 1 worker connected, none with 64 GiB memory");
    assert.equal(unplacedReason("embed", l4, [box([]), box(["NVIDIA L4"])], 2), undefined);
    assert.equal(unplacedReason("embed", l4, [], 2), undefined);
    assert.equal(unplacedReason("plain", undefined, [box([])], 1), undefined);
  });
});
