/** The extension's calls to the queue's HTTP API (undici): `/v1/functions`, `/v1/calls` and `/metrics`, with the Bearer token. */
import { request } from "undici";
import { httpBase } from "./settings.js";
import { QueuePaths, type CallsResponse, type CallStatus, type FunctionInfo, type FunctionsResponse, type WorkerSummary } from "../protocol/queue-api.js";

export interface QueueSnapshot {
  at: number;
  url: string;
  functions?: FunctionInfo[];
  /** Connected workers with their GPUs and what they may not serve (issue 14's placement, as the queue reports it). */
  workers?: WorkerSummary[];
  /** Spawned calls, newest first; absent from a queue older than spawned calls. */
  calls?: CallStatus[];
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
    const [functionsText, metricsText, callsText] = await Promise.all([
      get(`${base}${QueuePaths.functions}`, token, signal),
      get(`${base}${QueuePaths.metrics}`, token, signal),
      // A queue from before spawned calls answers 404: the dashboard shows no calls then.
      get(`${base}${QueuePaths.calls}`, token, signal).catch(() => undefined),
    ]);
    const parsed = JSON.parse(functionsText) as Partial<FunctionsResponse>;
    const calls = callsText === undefined ? undefined : (JSON.parse(callsText) as Partial<CallsResponse>).calls;
    return { at, url: queueUrl, functions: parsed.functions ?? [], workers: parsed.workerList ?? [], metricsText, ...(calls ? { calls } : {}) };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { at, url: queueUrl, error: `${e instanceof Error ? e.message : String(e)}${cause ? ` (${cause})` : ""}` };
  }
}

/** Cancels a spawned call (`POST /v1/calls/<id>/cancel`); resolves to an error message, or undefined when it worked. */
export async function cancelCall(queueUrl: string, token: string | undefined, id: string, timeoutMs = 5_000): Promise<string | undefined> {
  const url = `${httpBase(queueUrl)}${QueuePaths.cancelCall(id)}`;
  try {
    const res = await request(url, {
      method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode === 200) return undefined;
    return `POST ${url} answered ${res.statusCode}: ${text.slice(0, 200)}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
