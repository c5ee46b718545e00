import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { repoRoot } from "../helpers/paths.js";

// onnxruntime-node is an optional peer and the tokenizer is only for chalknb/onnx: the other entries never load
// them, so users without onnxruntime-node lose nothing. A child records every URL its ESM loader resolves.
const HOOK = `data:text/javascript,${encodeURIComponent("export async function resolve(s, c, n) { const r = await n(s, c); process.stderr.write('LOADED ' + r.url + '\\n'); return r; }")}`;

async function resolvedBy(code: string): Promise<string[]> {
  const script = `import { register } from "node:module"; register(${JSON.stringify(HOOK)}); ${code}`;
  const { stderr } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, timeout: 60_000 });
  return stderr.split("\n").filter((l) => l.startsWith("LOADED ")).map((l) => l.slice(7));
}

const onnxSide = (urls: string[]) => urls.filter((u) => /onnxruntime|@huggingface\/tokenizers|\/dist\/onnx(\.js|\/)/.test(u));

test('"chalknb" and "chalknb/worker" load neither onnxruntime-node nor the tokenizer; "chalknb/onnx" loads them only on first use', async () => {
  assert.deepEqual(onnxSide(await resolvedBy('await import("chalknb"); await import("chalknb/worker");')), []);
  const lazy = await resolvedBy('await import("chalknb/onnx");');
  assert.ok(lazy.some((u) => u.endsWith("/dist/onnx.js")));
  assert.deepEqual(lazy.filter((u) => /onnxruntime|@huggingface/.test(u)), []);
});
