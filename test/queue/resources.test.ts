import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { defineFunction } from "../../queue/define-function.js";
import { describeNeeds, parseResources, validateNeeds } from "../../queue/resources.js";
import { validateWorkerFunctions } from "../../queue/message-validation.js";

const where = 'defineFunction("embed")';

describe("resource options (issue 14)", () => {
  it("the seed's options become normalized needs", () => {
    assert.deepEqual(parseResources({ gpu: "nvidia-l4", cpu: "2", memory: "4Gi" }, where), {
      needs: { gpuType: "nvidia-l4", gpuCount: 1, cpu: 2, memoryBytes: 4 * 1024 ** 3 },
      notices: [],
    });
    assert.deepEqual(parseResources({ gpu: { type: "NVIDIA H100", count: 2 }, memory: "512Mi" }, where).needs, {
      gpuType: "nvidia-h100", gpuCount: 2, cpu: null, memoryBytes: 512 * 1024 ** 2,
    });
    assert.deepEqual(parseResources({ gpu: "any", cpu: 0.5, memory: "8G" }, where).needs, { gpuType: "any", gpuCount: 1, cpu: 0.5, memoryBytes: 8e9 });
    assert.deepEqual(parseResources({ memory: 1000 }, where).needs, { gpuType: null, gpuCount: 0, cpu: null, memoryBytes: 1000 });
  });

  it("no resource option leaves the spec without needs", () => {
    assert.deepEqual(parseResources({}, where), { notices: [] });
    const fn = defineFunction({ name: "plain" }, (text: string[]) => text);
    assert.equal("needs" in fn.spec, false);
  });

  it("defineFunction carries needs in its spec", () => {
    const fn = defineFunction({ name: "embed", gpu: "nvidia-l4", cpu: 2, memory: "4Gi" }, (text: string[]) => text);
    assert.deepEqual(fn.spec.needs, { gpuType: "nvidia-l4", gpuCount: 1, cpu: 2, memoryBytes: 4 * 1024 ** 3 });
  });

  it("an image is accepted and ignored with a one-line notice", () => {
    assert.deepEqual(parseResources({ image: "python:3.11-slim", gpu: "nvidia-l4" }, where).notices, [
      `${where}: image "python:3.11-slim" is ignored: chalknb runs functions in the worker's own environment (no container builds)`,
    ]);
  });

  it("bad values are refused with the option, the value and a valid example", () => {
    const refuse = (options: object, message: string) =>
      assert.throws(() => defineFunction({ name: "embed", ...options }, (text: string[]) => text), { code: "CHALKNB_INVALID_ARGUMENT", message });
    refuse({ gpu: 4 }, `${where}: gpu must be a GPU type such as "nvidia-l4", "nvidia-h100" or "any", or { type: "nvidia-l4", count: 2 }; got 4`);
    refuse({ gpu: "nvidia/l4" }, `${where}: gpu must be a GPU type such as "nvidia-l4", "nvidia-h100" or "any", or { type: "nvidia-l4", count: 2 }; got "nvidia/l4"`);
    refuse({ gpu: { type: "nvidia-l4", count: 0 } }, `${where}: gpu.count must be a positive integer, got 0`);
    refuse({ cpu: "two" }, `${where}: cpu must be a number of cores > 0, such as 2 or "0.5"; got "two"`);
    refuse({ cpu: 0 }, `${where}: cpu must be a number of cores > 0, such as 2 or "0.5"; got 0`);
    refuse({ memory: "4 gigs" }, `${where}: memory must be a size such as "4Gi", "512Mi" or "8G", or a number of bytes (units Ki, Mi, Gi, Ti or K, M, G, T); got "4 gigs"`);
    refuse({ memory: 1.5 }, `${where}: memory must be a size such as "4Gi", "512Mi" or "8G", or a number of bytes; got 1.5`);
  });

  it("describes needs for messages", () => {
    assert.equal(describeNeeds({ gpuType: "nvidia-l4", gpuCount: 1, cpu: null, memoryBytes: null }), "gpu nvidia-l4");
    assert.equal(describeNeeds({ gpuType: "nvidia-h100", gpuCount: 2, cpu: 8, memoryBytes: 4 * 1024 ** 3 }), "2 gpus nvidia-h100, 8 cores, 4 GiB memory");
  });

  it("a worker's hello keeps needs and refuses malformed ones", () => {
    const spec = { name: "embed", maxBatchingSize: 4, maxBufferDuration: 1, retries: 0, inputs: ["text"] };
    const needs = { gpuType: "nvidia-l4", gpuCount: 1, cpu: null, memoryBytes: null };
    assert.deepEqual(validateWorkerFunctions([{ ...spec, needs }]), [{ ...spec, needs }]);
    assert.deepEqual(validateWorkerFunctions([spec]), [spec]);
    assert.throws(() => validateWorkerFunctions([{ ...spec, needs: { ...needs, gpuCount: 0 } }]), {
      code: "CHALKNB_MALFORMED_FRAME",
      message: "malformed frame: hello.functions[0].needs.gpuCount must be an integer, 0 exactly when gpuType is null",
    });
    assert.throws(() => validateNeeds({ gpuType: "NVIDIA L4", gpuCount: 1, cpu: null, memoryBytes: null }, "hello.functions[0]"), {
      message: 'malformed frame: hello.functions[0].needs.gpuType must be a normalized GPU type ("nvidia-l4"), "any" or null',
    });
  });
});
