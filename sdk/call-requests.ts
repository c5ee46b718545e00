import { encodeFrame, encodeFrameParts, type OutgoingFrame } from "../protocol/frame-codec.js";
import { ChalknbError, type ErrorCode } from "../protocol/errors.js";
import type { CallStatusMessage, Message, SpawnMessage } from "../protocol/messages.js";
import type { CallStatus } from "../protocol/queue-api.js";
import type { QueueConnection } from "./queue-connection.js";

/**
 * Sends `spawn` and one `spawn-chunk` per body; resolves once the queue holds every row (`spawned`): from then on
 * the call runs on the queue whether or not this process stays.
 */
export async function spawnCall(connection: QueueConnection, message: SpawnMessage, bodies: () => Iterable<Uint8Array>): Promise<void> {
  await request(connection, message.callId, (header) => header.type === "spawned", () => {
    const frames: OutgoingFrame[] = [encodeFrame(message)];
    let chunk = 0;
    for (const body of bodies()) frames.push(encodeFrameParts({ type: "spawn-chunk", callId: message.callId, chunk: chunk++ }, body));
    return frames;
  });
}

/** `status` or `cancel-call` for a spawned call: its status after. */
export async function callRequest(connection: QueueConnection, callId: string, type: "status" | "cancel-call"): Promise<CallStatus> {
  const reply = await request(connection, callId, (header) => header.type === "call-status" && header.for === type, () => [encodeFrame({ type, callId })]);
  return (reply as CallStatusMessage).status;
}

function request(connection: QueueConnection, callId: string, answers: (header: Message) => boolean, frames: () => OutgoingFrame[]): Promise<Message> {
  return new Promise<Message>((resolve, reject) => {
    const stop = connection.listen(callId, {
      frame(frame) {
        const header = frame.header;
        if (answers(header)) {
          stop();
          resolve(header);
        } else if (header.type === "call-error") {
          stop();
          reject(new ChalknbError(header.code as ErrorCode, header.message));
        }
      },
      lost(error) {
        stop();
        reject(error);
      },
    });
    connection.send(frames()).catch((error: Error) => {
      stop();
      reject(error);
    });
  });
}
