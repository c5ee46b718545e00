import { InvalidArgumentError } from "../../protocol/errors.js";
import type { FunctionInfo } from "../../queue/queue-core.js";
import { defaultFunctionFiles, ensureEmbedded } from "./embedded-default.js";
import { QueueConnection } from "./queue-connection.js";
import { getJson, getText } from "./queue-http.js";
import { RemoteFunction, type RemoteFunctionOptions } from "./remote-function.js";

// Process-wide (a symbol on globalThis): a kernel may load the SDK through more than one path.
const QUEUES_IN_USE = Symbol.for("chalknb.queuesInUse");
const globals = globalThis as unknown as { [QUEUES_IN_USE]?: Set<string> };
const queuesInUse = (globals[QUEUES_IN_USE] ??= new Set<string>());

/** The queue URLs this process's Remotes have connected to (the embedded default's included), oldest first. */
export function queueUrlsInUse(): string[] {
  return [...queuesInUse];
}

export interface RemoteOptions {
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
  #connection: Promise<QueueConnection> | undefined;
  #url: Promise<string> | undefined;

  constructor(options: RemoteOptions = {}) {
    if (typeof options !== "object" || options === null) throw new InvalidArgumentError("new Remote(options): options must be an object such as { url, token }");
    this.#options = options;
  }

  function(name: string, options: RemoteFunctionOptions = {}): RemoteFunction {
    if (typeof name !== "string" || name === "") throw new InvalidArgumentError(`remote.function(name): name must be a non-empty string, got ${JSON.stringify(name)}`);
    return new RemoteFunction(name, options, () => this.#connect());
  }

  /** The queue URL in use (starting the embedded default if that is what this Remote uses). */
  url(): Promise<string> {
    this.#url ??= (async () => {
      const url = this.#options.url ?? process.env.CHALKNB_QUEUE_URL ?? (await ensureEmbedded(this.#options.functions ?? defaultFunctionFiles())).url;
      queuesInUse.add(url);
      return url;
    })();
    this.#url.catch(() => (this.#url = undefined));
    return this.#url;
  }

  /** Registered functions with their workers, buffered rows and in-flight batches (`GET /v1/functions`). */
  async functions(): Promise<FunctionInfo[]> {
    return (await getJson<{ functions: FunctionInfo[] }>(await this.url(), "/v1/functions", this.#token())).functions;
  }

  /** The queue's Prometheus metrics (`GET /metrics`) as text. */
  async stats(): Promise<string> {
    return getText(await this.url(), "/metrics", this.#token());
  }

  /** Closes the connection; the embedded queue, if any, stays up for other Remotes of this process. */
  close(): void {
    void this.#connection?.then((c) => c.close(), () => {});
    this.#connection = undefined;
  }

  #token(): string | undefined {
    return this.#options.token ?? process.env.CHALKNB_TOKEN;
  }

  #connect(): Promise<QueueConnection> {
    this.#connection ??= this.url().then((url) => new QueueConnection(url, this.#token()));
    this.#connection.catch(() => (this.#connection = undefined));
    return this.#connection;
  }
}
