/**
 * The one rule for function names, used by `defineFunction` and by the queue for every worker's hello (a raw worker
 * could otherwise register `"`, CR/LF or `__proto__`, which then reach Prometheus labels and JSON replies).
 */
const FUNCTION_NAME = /^[A-Za-z_][\w.-]*$/;

/** Longest function name. @default 128 */
export const MAX_FUNCTION_NAME_LENGTH = 128;

/** Why `name` is not a valid function name, or undefined when it is. */
export function functionNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string" || !FUNCTION_NAME.test(name) || name.length > MAX_FUNCTION_NAME_LENGTH) {
    return `name must be an identifier-like string such as "embed" (letters, digits, "_", "." and "-", ` +
      `starting with a letter or "_", at most ${MAX_FUNCTION_NAME_LENGTH} characters), got ${echoed(name)}`;
  }
  // Looked up in plain objects and JSON by tools outside this codebase: assigning it would set a prototype.
  if (name === "__proto__") return 'name "__proto__" is reserved';
  return undefined;
}

/** Longest piece of a caller's text that a reply or error message repeats back. @default 100 */
export const MAX_ECHOED_CHARS = 100;

/**
 * `value` as JSON for a message, cut to MAX_ECHOED_CHARS: a reply that echoes a 1 MiB name would itself be too big
 * for the client that has to read it.
 */
export function echoed(value: unknown): string {
  if (typeof value !== "string") return String(JSON.stringify(value) ?? value).slice(0, MAX_ECHOED_CHARS);
  if (value.length <= MAX_ECHOED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_ECHOED_CHARS) + "…")} (${value.length} characters)`;
}
