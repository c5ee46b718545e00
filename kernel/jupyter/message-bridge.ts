import type { ErrorContent, KernelMessage } from "../messages.js";
import type { Channel } from "./channel.js";
import { withHtml } from "./html.js";
import type { JupyterHeader, JupyterMessage } from "./wire.js";

/**
 * Turns the executor's messages (the pipe kernel's shapes, `kernel/messages.ts`) into Jupyter messages: outputs and
 * status on iopub with the request's header as parent, `execute_reply` on shell to the requester. The executor is the
 * pipe kernel's own: this file only translates.
 */

export interface ExecuteState {
  request: JupyterMessage;
  silent: boolean;
  stopOnError: boolean;
  userExpressions: Record<string, string>;
  error?: ErrorContent;
  replied?: boolean;
}

export interface BridgeOptions {
  shell: Channel;
  iopub: Channel;
  /** Cells run so far (the next `execute_input` carries this + 1). */
  executionCount(): number;
  arrow(): Record<string, unknown> | undefined;
  evaluate(expressions: Record<string, string>): Record<string, unknown>;
  /** Aborts queued execute requests (stop_on_error). */
  abort(msgIds: string[]): void;
}

/** Headers kept for outputs that arrive after their cell ended (a call's progress, a display handle). @default 1000 */
const KEPT_HEADERS = 1000;

export class MessageBridge {
  readonly #options: BridgeOptions;
  readonly #executing = new Map<string, ExecuteState>();
  readonly #headers = new Map<string, JupyterHeader>();
  #lastHeader: JupyterHeader | undefined;

  constructor(options: BridgeOptions) {
    this.#options = options;
  }

  /** Registers an execute request before the executor sees it. */
  begin(request: JupyterMessage): void {
    const c = request.content as { silent?: boolean; stop_on_error?: boolean; user_expressions?: Record<string, string> };
    this.#executing.set(request.header.msg_id, {
      request,
      silent: c.silent === true,
      stopOnError: c.stop_on_error !== false,
      userExpressions: c.user_expressions && typeof c.user_expressions === "object" ? c.user_expressions : {},
    });
    this.#remember(request.header);
  }

  /** The execute request running or queued under this id. */
  execution(msgId: string): ExecuteState | undefined {
    return this.#executing.get(msgId);
  }

  /** Whether any execute request is queued or running (other requests then do not publish busy/idle). */
  get busy(): boolean {
    return this.#executing.size > 0;
  }

  readonly send = (message: KernelMessage): void => {
    const { iopub } = this.#options;
    switch (message.msg_type) {
      case "status": {
        const parent = this.#parent(message.parent_id);
        iopub.send(["status"], "status", parent, { execution_state: message.content.execution_state });
        const state = this.#executing.get(message.parent_id);
        if (message.content.execution_state === "busy" && state && !state.silent) {
          // A microtask later: an aborted request's busy, reply and idle come in one go (no execute_input for it),
          // a running one's first output only after its compile has awaited (the count is then the cell's own).
          queueMicrotask(() => {
            if (this.#executing.get(message.parent_id) !== state || state.replied) return;
            iopub.send(["execute_input"], "execute_input", parent, { code: state.request.content.code, execution_count: this.#options.executionCount() });
          });
        }
        if (message.content.execution_state === "idle") this.#executing.delete(message.parent_id);
        break;
      }
      case "stream":
        iopub.send(["stream"], "stream", this.#parent(message.parent_id), message.content);
        break;
      case "idle_stream":
        // Jupyter has no "between cells" output: like ipykernel, it goes to the last request's output area.
        iopub.send(["stream"], "stream", this.#lastHeader ?? {}, message.content);
        break;
      case "display_data":
      case "update_display_data": {
        const { data, metadata, transient } = message.content;
        iopub.send([message.msg_type], message.msg_type, this.#parent(message.parent_id), { data: withHtml(data, this.#options.arrow()), metadata, transient: transient ?? {} });
        break;
      }
      case "execute_result": {
        if (this.#executing.get(message.parent_id)?.silent) break;
        const { data, metadata, execution_count } = message.content;
        iopub.send(["execute_result"], "execute_result", this.#parent(message.parent_id), { execution_count, data: withHtml(data, this.#options.arrow()), metadata });
        break;
      }
      case "error": {
        const state = this.#executing.get(message.parent_id);
        if (state) state.error = message.content;
        const { ename, evalue, traceback } = message.content;
        iopub.send(["error"], "error", this.#parent(message.parent_id), { ename, evalue, traceback });
        break;
      }
      case "execute_reply":
        this.#reply(message.parent_id, message.content.status, message.content.execution_count);
        break;
      default:
        // complete_reply, diagnostics, kernel_ready, ...: the Jupyter side answers those itself.
        break;
    }
  };

  #reply(msgId: string, status: "ok" | "error" | "aborted", executionCount: number): void {
    const state = this.#executing.get(msgId);
    if (!state) return;
    state.replied = true;
    let content: Record<string, unknown>;
    if (status === "ok") {
      content = { status, execution_count: executionCount, payload: [], user_expressions: this.#options.evaluate(state.userExpressions) };
    } else if (status === "error") {
      const e = state.error ?? { ename: "Error", evalue: "", traceback: [] };
      content = { status, execution_count: executionCount, ename: e.ename, evalue: e.evalue, traceback: e.traceback };
    } else {
      content = { status, execution_count: executionCount };
    }
    this.#options.shell.reply(state.request, "execute_reply", content, { status });
    if (status === "error" && state.stopOnError) {
      const queued = [...this.#executing.keys()].filter((id) => id !== msgId);
      // After this reply's `status idle` (the executor sends it right after), before the next queued cell starts.
      if (queued.length > 0) queueMicrotask(() => this.#options.abort(queued));
    }
  }

  #parent(msgId: string): JupyterHeader | Record<string, never> {
    return this.#headers.get(msgId) ?? {};
  }

  #remember(header: JupyterHeader): void {
    this.#lastHeader = header;
    this.#headers.set(header.msg_id, header);
    if (this.#headers.size > KEPT_HEADERS) this.#headers.delete(this.#headers.keys().next().value as string);
  }
}
