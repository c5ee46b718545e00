import type { KernelMessage, KernelRequest } from "../messages.js";

type Reply = Extract<KernelMessage, { msg_type: `${string}_reply`; parent_id: string }>;
type AnsweredReply = Exclude<Reply, { msg_type: "execute_reply" }>;

/** The replies that answer one request; `execute_reply` ends a cell instead (see RunningCells). */
const ANSWER_TYPES: ReadonlySet<string> = new Set<AnsweredReply["msg_type"]>([
  "complete_reply", "inspect_reply", "queue_info_reply", "variables_reply", "table_reply", "configure_reply", "interrupt_reply",
]);

let channelCounter = 0;

/**
 * Request ids and the replies awaited for them. Ids carry this process's pid and a per-client number, so two clients
 * of one kernel (or a restarted one) never mistake each other's replies.
 */
export class RequestChannel {
  readonly #prefix = `${process.pid}.${++channelCounter}`;
  readonly #send: (message: KernelRequest) => void;
  readonly #awaiting = new Map<string, (reply: AnsweredReply) => void>();
  #counter = 0;

  constructor(send: (message: KernelRequest) => void) {
    this.#send = send;
  }

  nextId(): string {
    return `${this.#prefix}.${++this.#counter}`;
  }

  /** Sends the request built for a fresh id; resolves to its reply, or to undefined when none came within `timeoutMs`. */
  request(build: (msgId: string) => KernelRequest, timeoutMs: number): Promise<AnsweredReply | undefined> {
    const msgId = this.nextId();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#awaiting.delete(msgId);
        resolve(undefined);
      }, timeoutMs);
      this.#awaiting.set(msgId, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#send(build(msgId));
    });
  }

  /** Hands a reply to the request awaiting it; false when `message` is not such a reply. */
  deliver(message: KernelMessage): boolean {
    if (!ANSWER_TYPES.has(message.msg_type)) return false;
    const reply = message as AnsweredReply;
    const waiter = this.#awaiting.get(reply.parent_id);
    this.#awaiting.delete(reply.parent_id);
    waiter?.(reply);
    return true;
  }
}
