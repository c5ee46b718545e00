/**
 * How long a function stays listed once no worker serves it (issue 9, defect 9), the same on both backends: it leaves
 * `/v1/functions`, `/metrics` and the registry `graceMs` after its last worker left (on the Redis backend: the last
 * worker on any live gateway), provided nothing of it is left — no rows queued or running, no chunk unfinished. A
 * submit in the grace period is queued for the next worker; after it, the function is unknown again.
 */
export class FunctionRetention {
  readonly #graceMs: number;
  /** When each function was first seen without a worker (since it last had one). */
  readonly #unservedSince = new Map<string, number>();

  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Records whether `name` has a worker now (`now` on the backend's clock). */
  observe(name: string, served: boolean, now: number): void {
    if (served) this.#unservedSince.delete(name);
    else if (!this.#unservedSince.has(name)) this.#unservedSince.set(name, now);
  }

  /** True once `name` has gone without a worker for the grace period and nothing of it is pending. */
  expired(name: string, now: number, pending: boolean): boolean {
    const since = this.#unservedSince.get(name);
    return since !== undefined && !pending && now - since >= this.#graceMs;
  }

  forget(name: string): void {
    this.#unservedSince.delete(name);
  }
}
