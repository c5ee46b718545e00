import type { KernelOutput } from "../../kernel/messages.js";

/** A cell's outputs as one line each ("stdout: …", "error: Name: message", "result: …"), for exact assertions. */
export function outputLines(outputs: KernelOutput[]): string[] {
  return outputs.map((o) => {
    if (o.output_type === "stream") return `${o.name}: ${o.text}`;
    if (o.output_type === "error") return `error: ${o.ename}: ${o.evalue}`;
    if (o.output_type === "execute_result") return `result: ${String(o.data["text/plain"])}`;
    return `${o.output_type}: ${String(o.data["text/plain"])}`;
  });
}
