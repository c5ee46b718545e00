/**
 * What a call's progress says while its rows wait for a worker (a deployed function, scale from zero): one text for
 * both backends, sent with the `accepted` frame and shown by the SDK until a batch of the call starts running.
 * Undefined when a worker serves the function: then rows wait only for batching, which needs no explanation.
 */
export function waitingForWorker(functionName: string, connected: number): string | undefined {
  return connected > 0 ? undefined : `waiting for a worker for ${functionName} (${connected} connected)`;
}
