/** The extension's calls to the queue's HTTP API (undici): `/v1/functions` and `/metrics`, with the Bearer token. */
import { request } from "undici";
import { httpBase } from "./settings.js";
import { QueuePaths, type FunctionInfo, type FunctionsResponse } from "../protocol/queue-api.js";

export interface QueueSnapshot {
  at: number;
  url: string;
  functions?: FunctionInfo[];
  metricsText?: string;
  error?: string;
}

async function get(url: string, token: string | undefined, signal: AbortSignal): Promise<string> {
  const res = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal, headersTimeout: 5_000, bodyTimeout: 5_000 });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  return text;
}

/** One poll of both endpoints; never throws (errors land in `error`). */
export async function pollQueue(queueUrl: string, token: string | undefined, timeoutMs = 5_000): Promise<QueueSnapshot> {
  const base = httpBase(queueUrl);
  const signal = AbortSignal.timeout(timeoutMs);
  const at = Date.now();
  try {
    const [functionsText, metricsText] = await Promise.all([get(`${base}${QueuePaths.functions}`, token, signal), get(`${base}${QueuePaths.metrics}`, token, signal)]);
    const parsed = JSON.parse(functionsText) as Partial<FunctionsResponse>;
    return { at, url: queueUrl, functions: parsed.functions ?? [], metricsText };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { at, url: queueUrl, error: `${e instanceof Error ? e.message : String(e)}${cause ? ` (${cause})` : ""}` };
  }
}
