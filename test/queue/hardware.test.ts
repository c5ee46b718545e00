import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { delimiter, join } from "node:path";
import { detectHardware, parseNvidiaSmi, validateHardware, visibleGpus } from "../../queue/hardware.js";
import { fakeNvidiaSmi, TWO_GPUS } from "../helpers/fake-nvidia-smi.js";

describe("hardware detection (issue 14)", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "chalknb-smi-"));
    await fakeNvidiaSmi(dir, TWO_GPUS);
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: `${dir}${delimiter}${process.env.PATH}`, ...extra });
  const l4 = { index: 0, name: "NVIDIA L4", memoryMiB: 23034, uuid: "GPU-0a1b2c3d-aaaa" };
  const h100 = { index: 1, name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, uuid: "GPU-9f8e7d6c-bbbb" };

  it("reads nvidia-smi's GPUs, cores and memory", () => {
    assert.deepEqual(detectHardware({ env: env() }), { gpus: [l4, h100], cpus: availableParallelism(), memoryBytes: totalmem() });
  });

  it("respects CUDA_VISIBLE_DEVICES: indices, UUID prefixes, none", () => {
    assert.deepEqual(detectHardware({ env: env({ CUDA_VISIBLE_DEVICES: "1" }) }).gpus, [h100]);
    assert.deepEqual(detectHardware({ env: env({ CUDA_VISIBLE_DEVICES: "1,0" }) }).gpus, [h100, l4]);
    assert.deepEqual(detectHardware({ env: env({ CUDA_VISIBLE_DEVICES: "GPU-0a1b" }) }).gpus, [l4]);
    assert.deepEqual(detectHardware({ env: env({ CUDA_VISIBLE_DEVICES: "" }) }).gpus, []);
    assert.deepEqual(detectHardware({ env: env({ CUDA_VISIBLE_DEVICES: "-1" }) }).gpus, []);
    // CUDA stops at the first entry that names no device.
    assert.deepEqual(visibleGpus([l4, h100], "0,7,1"), [l4]);
  });

  it("no nvidia-smi is a CPU worker", () => {
    assert.deepEqual(detectHardware({ env: { PATH: join(dir, "nowhere") } }).gpus, []);
  });

  it("parses names that hold commas and skips lines that are not GPUs", () => {
    assert.deepEqual(parseNvidiaSmi("NVIDIA A100, PCIe, 40960, GPU-1\n\nNo devices were found\n"), [
      { index: 0, name: "NVIDIA A100, PCIe", memoryMiB: 40960, uuid: "GPU-1" },
    ]);
  });

  it("checks the hardware a hello declares", () => {
    assert.equal(validateHardware(undefined), undefined);
    assert.deepEqual(validateHardware({ gpus: [l4], cpus: 4, memoryBytes: 1024, extra: true }), { gpus: [l4], cpus: 4, memoryBytes: 1024 });
    assert.throws(() => validateHardware({ gpus: "L4", cpus: 4, memoryBytes: 1 }), {
      code: "CHALKNB_MALFORMED_FRAME", message: "malformed frame: hello.hardware.gpus must be a list (at most 1024)",
    });
    assert.throws(() => validateHardware({ gpus: [{ ...l4, name: "" }], cpus: 4, memoryBytes: 1 }), {
      message: "malformed frame: hello.hardware.gpus[0].name must be a non-empty string of at most 200 characters",
    });
    assert.throws(() => validateHardware({ gpus: [], cpus: 0, memoryBytes: 1 }), { message: "malformed frame: hello.hardware.cpus must be a number > 0" });
  });
});
