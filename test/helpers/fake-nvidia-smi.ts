import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A stand-in for the driver's nvidia-smi (no GPU here): a script that checks it was asked the query detection sends
 * and prints what nvidia-smi prints for two GPUs.
 */
export async function fakeNvidiaSmi(dir: string, lines: string[]): Promise<void> {
  const script = [
    "#!/bin/sh",
    'if [ "$1" != "--query-gpu=name,memory.total,uuid" ] || [ "$2" != "--format=csv,noheader,nounits" ]; then echo "unexpected arguments: $*" >&2; exit 9; fi',
    ...lines.map((l) => `echo '${l}'`),
  ].join("\n");
  await writeFile(join(dir, "nvidia-smi"), `${script}\n`);
  await chmod(join(dir, "nvidia-smi"), 0o755);
}

export const TWO_GPUS = ["NVIDIA L4, 23034, GPU-0a1b2c3d-aaaa", "NVIDIA H100 80GB HBM3, 81559, GPU-9f8e7d6c-bbbb"];
