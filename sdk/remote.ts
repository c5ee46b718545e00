import { InvalidArgumentError } from "../protocol/errors.js";
import { QueuePaths, type FunctionInfo, type FunctionsResponse } from "../protocol/queue-api.js";
import { connectionLimits, type ConnectionLimits, type ConnectionOptions } from "./connection-options.js";
import { defaultFunctionFiles, ensureEmbedded } from "./embedded-default.js";
import { QueueConnection } from "./queue-connection.js";
import { getJson, getText } from "./queue-http.js";
import { RemoteFunction, type RemoteFunctionOptions } from "./remote-function.js";
import { CallHandle } from "./call-handle.js";
import type { CallsResponse, CallStatus } from "../protocol/queue-api.js";

/** Where a Remote's queue is, and the token it wants. */
export interface QueueEndpoint {
  url: string;
  token?: string;
}

// Process-wide (a symbol on globalThis): a kernel may load the SDK through more than one path.
const QUEUES_IN_USE = Symbol.for("chalknb.queuesInUse.v2");
const globals = globalThis as unknown as { [QUEUES_IN_USE]?: Map<string, string | undefined> };
const queuesInUse = (globals[QUEUES_IN_USE] ??= new Map<string, string | undefined>());

/** The queues this process's Remotes have used (the embedded default's included, with its token), oldest first. */
export function queuesUsed(): QueueEndpoint[] {
  return [...queuesInUse].map(([url, token]) => (token ? { url, token } : { url }));
}

/** The queue URLs this process's Remotes have used, oldest first. */
export function queueUrlsInUse(): string[] {
  return [...queuesInUse.keys()];
}

export interface RemoteOptions extends ConnectionOptions {
  /** Queue URL (ws://host:port). Default: `CHALKNB_QUEUE_URL`, else the embedded default. */
  url?: string;
  /** Default: `CHALKNB_TOKEN`. */
  token?: string;
  /** Function files for the embedded default. Default: `./functions/*.ts`. */
  functions?: string[];
}

/**
 * Entry point of the SDK. With no URL (argument or CHALKNB_QUEUE_URL) it starts the embedded default: a loopback
 * queue and workers for `./functions/*.ts`, so the seed's examples run with no set-up.
 * @example
 * const remote = new Remote();
 * const embed = remote.function("embed", { outputType: new List(new Field("item", new Float32())) });
 */
export class Remote {
  readonly #options: RemoteOptions;
  readonly #limits: ConnectionLimits;
  #connection: Promise<QueueConnection> | undefined;
  #endpoint: Promise<QueueEndpoint> | undefined;

  constructor(options: RemoteOptions = {}) {
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("new Remote(options): options must be an object such as { url, token }");
    this.#options = options;
    this.#limits = connectionLimits(options);
  }

  function(name: string, options: RemoteFunctionOptions = {}): RemoteFunction {
    if (typeof name !== "string" || name === "") throw new InvalidArgumentError(`remote.function(name): name must be a non-empty string, got ${JSON.stringify(name)}`);
    return new RemoteFunction(name, options, () => this.#connect());
  }

  /**
   * A spawned call (`fn.spawn`, `deferBatch`) by its id, from any process: a new kernel after a restart, another
   * notebook, a script. `get()`, `stream()`, `status()`, `cancel()` as on the handle spawn returned.
   * @example
   * const table = await remote.call(id).get();
   */
  call(id: string, options: RemoteFunctionOptions = {}): CallHandle {
    if (typeof id !== "string" || id === "") throw new InvalidArgumentError(`remote.call(id): id must be the call id spawn returned (handle.id), got ${JSON.stringify(id)}`);
    return new CallHandle(id, () => this.#connect(), options.outputType);
  }

  /** The queue's spawned calls, newest first (`GET /v1/calls`). */
  async calls(): Promise<CallStatus[]> {
    const { url, token } = await this.#resolve();
    return (await getJson<CallsResponse>(url, QueuePaths.calls, token)).calls;
  }

  /** The queue URL in use (starting the embedded default if that is what this Remote uses). */
  async url(): Promise<string> {
    return (await this.#resolve()).url;
  }

  /** Registered functions with their workers, buffered rows and in-flight batches (`GET /v1/functions`). */
  async functions(): Promise<FunctionInfo[]> {
    const { url, token } = await this.#resolve();
    return (await getJson<FunctionsResponse>(url, QueuePaths.functions, token)).functions;
  }

  /** The queue's Prometheus metrics (`GET /metrics`) as text. */
  async stats(): Promise<string> {
    const { url, token } = await this.#resolve();
    return getText(url, QueuePaths.metrics, token);
  }

  /** Closes the connection; the embedded queue, if any, stays up for other Remotes of this process. */
  close(): void {
    void this.#connection?.then((c) => c.close(), () => {});
    this.#connection = undefined;
  }

  /** An explicit URL (option or CHALKNB_QUEUE_URL) with its token, or the embedded default with the token it made. */
  #resolve(): Promise<QueueEndpoint> {
    this.#endpoint ??= (async () => {
      const url = this.#options.url ?? process.env.CHALKNB_QUEUE_URL;
      const endpoint = url
        ? { url, token: this.#options.token ?? process.env.CHALKNB_TOKEN }
        : await ensureEmbedded(this.#options.functions ?? defaultFunctionFiles());
      queuesInUse.set(endpoint.url, endpoint.token);
      return { url: endpoint.url, token: endpoint.token };
    })();
    this.#endpoint.catch(() => (this.#endpoint = undefined));
    return this.#endpoint;
  }

  #connect(): Promise<QueueConnection> {
    this.#connection ??= this.#resolve().then(({ url, token }) => new QueueConnection(url, token, this.#limits));
    this.#connection.catch(() => (this.#connection = undefined));
    return this.#connection;
  }
}
