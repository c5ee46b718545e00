/** A parser for the Prometheus text format (version 0.0.4) that the queue's `/metrics` serves, for the dashboard. */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Samples of every non-comment line. Malformed lines are skipped rather than failing the whole scrape. */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/.exec(line);
    if (!m) continue;
    const labels = m[3] ? parseLabels(m[3]) : {};
    if (!labels) continue;
    out.push({ name: m[1]!, labels, value: parseValue(m[4]!) });
  }
  return out;
}

function parseValue(s: string): number {
  if (s === "+Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  return Number(s);
}

function parseLabels(s: string): Record<string, string> | null {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < s.length) {
    while (s[i] === " " || s[i] === ",") i++;
    if (i >= s.length) break;
    const eq = s.indexOf("=", i);
    if (eq < 0 || s[eq + 1] !== '"') return null;
    const key = s.slice(i, eq).trim();
    let j = eq + 2;
    let value = "";
    for (; j < s.length && s[j] !== '"'; j++) {
      if (s[j] === "\\" && j + 1 < s.length) {
        const next = s[++j];
        value += next === "n" ? "\n" : next;
      } else {
        value += s[j];
      }
    }
    if (j >= s.length) return null;
    labels[key] = value;
    i = j + 1;
  }
  return labels;
}

/** `metric{function="f"}` values by function name. */
export function byFunction(samples: Sample[], name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) if (s.name === name && s.labels.function !== undefined) out.set(s.labels.function, s.value);
  return out;
}

/** Per-second rate of a counter between two scrapes (0 when it went backwards, i.e. the queue restarted). */
export function counterRate(previous: number | undefined, current: number, seconds: number): number {
  if (previous === undefined || !(seconds > 0) || current < previous) return 0;
  return (current - previous) / seconds;
}
