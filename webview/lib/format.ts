/**
 * Cell values to display text. The renderers put text in the DOM with `textContent` only; `escapeHtml` exists for
 * the one place markup is built as a string (the `text/html` fallback) and is tested on hostile input.
 */

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]!);
}

export interface FormatOptions {
  /** Longest string returned; longer text ends with "…". @default 200 */
  maxLength?: number;
  /** Significant digits for floats. @default 6 */
  precision?: number;
}

/** One line of text for any value an Arrow vector's `get()` returns. */
export function formatValue(value: unknown, options: FormatOptions = {}): string {
  const maxLength = options.maxLength ?? 200;
  return truncate(formatInner(value, options.precision ?? 6, 0), maxLength);
}

export function truncate(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  return text.slice(0, Math.max(0, maxLength - 1)) + "…";
}

export function formatNumber(n: number, precision = 6): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e15)) return Number(n.toPrecision(precision)).toExponential();
  return String(Number(n.toPrecision(precision)));
}

function formatInner(value: unknown, precision: number, depth: number): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return depth === 0 ? value : JSON.stringify(value);
    case "number":
      return formatNumber(value, precision);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    default:
      break;
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Uint8Array) return formatBytes(value);
  if (depth > 3) return "…";
  if (ArrayBuffer.isView(value) && "length" in value) {
    return "[" + listItems(Array.from(value as unknown as ArrayLike<unknown>), precision, depth) + "]";
  }
  if (Array.isArray(value)) return "[" + listItems(value, precision, depth) + "]";
  if (value instanceof Map) {
    const parts = [...value.entries()].map(([k, x]) => `${formatInner(k, precision, depth + 1)}: ${formatInner(x, precision, depth + 1)}`);
    return "{" + parts.join(", ") + "}";
  }
  // Arrow cells: a list cell is a Vector (toJSON → array), a struct or map cell a StructRow / MapRow (→ object).
  const v = value as { toJSON?: () => unknown };
  const obj = typeof v.toJSON === "function" ? v.toJSON() : value;
  if (Array.isArray(obj)) return "[" + listItems(obj, precision, depth) + "]";
  if (obj !== null && typeof obj === "object") {
    const entries = obj instanceof Map ? [...obj.entries()] : Object.entries(obj as Record<string, unknown>);
    return "{" + entries.map(([k, x]) => `${String(k)}: ${formatInner(x, precision, depth + 1)}`).join(", ") + "}";
  }
  return formatInner(obj, precision, depth);
}

function listItems(items: unknown[], precision: number, depth: number): string {
  const shown = items.slice(0, 20).map((x) => formatInner(x, precision, depth + 1));
  if (items.length > 20) shown.push(`… ${items.length - 20} more`);
  return shown.join(", ");
}

function formatBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  return `<${bytes.length} bytes${bytes.length ? " " + hex : ""}${bytes.length > 16 ? "…" : ""}>`;
}

/** "1.2 s", "350 ms", "2 min 5 s", "1 h 3 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

/** 1234567 → "1,234,567" without depending on the webview's locale. */
export function formatCount(n: number): string {
  const s = String(Math.trunc(Math.abs(n)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return n < 0 ? "-" + grouped : grouped;
}
