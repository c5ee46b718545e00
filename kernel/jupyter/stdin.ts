import type { Channel } from "./channel.js";
import type { JupyterMessage } from "./wire.js";

/**
 * `input(prompt, { password })` in cells: an `input_request` on the stdin channel to the frontend that sent the running
 * cell, answered by its `input_reply` (https://jupyter-client.readthedocs.io/en/stable/messaging.html#messages-on-the-stdin-router-dealer-channel).
 */

export class StdinBroker {
  readonly #channel: Channel;
  readonly #waiting = new Map<string, { resolve(value: string): void }>();

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  /** Asks the frontend of `request` (an execute_request that allowed stdin) for one line. */
  ask(request: JupyterMessage | undefined, prompt: string, password: boolean): Promise<string> {
    if (!request) return Promise.reject(new Error("input(): no cell is running (input is read for the running cell only)"));
    if (request.content.allow_stdin !== true) {
      return Promise.reject(new Error("input(): this frontend does not accept input (its execute_request has allow_stdin: false)"));
    }
    const id = request.header.msg_id;
    if (this.#waiting.has(id)) return Promise.reject(new Error("input(): this cell is already waiting for input"));
    return new Promise((resolve) => {
      this.#waiting.set(id, { resolve });
      this.#channel.send(request.idents, "input_request", request.header, { prompt, password });
    });
  }

  /** An `input_reply` from the frontend. */
  answer(reply: JupyterMessage): void {
    // jupyter_client's input() sends its reply with no parent header (ipykernel reads whatever comes next): such a
    // reply answers the oldest pending request.
    const parent = reply.parent_header.msg_id;
    const id = typeof parent === "string" && this.#waiting.has(parent) ? parent : this.#waiting.keys().next().value;
    const waiting = id === undefined ? undefined : this.#waiting.get(id);
    if (id === undefined || !waiting) return;
    this.#waiting.delete(id);
    waiting.resolve(String((reply.content as { value?: unknown }).value ?? ""));
  }
}
