import { request } from "undici";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";

/** The queue's HTTP API lives on the same port as its WebSocket: ws://h:p → http://h:p. */
export function httpBase(queueUrl: string): string {
  return queueUrl.replace(/^ws(s?):\/\//, "http$1://").replace(/\/+$/, "");
}

export async function getJson<T>(queueUrl: string, path: string, token: string | undefined): Promise<T> {
  return JSON.parse(await getText(queueUrl, path, token)) as T;
}

export async function getText(queueUrl: string, path: string, token: string | undefined): Promise<string> {
  const url = `${httpBase(queueUrl)}${path}`;
  const response = await request(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.body.text();
  if (response.statusCode !== 200) {
    throw new ChalknbError(response.statusCode === 401 ? ErrorCode.Unauthorized : ErrorCode.NotConnected,
      `GET ${url} answered ${response.statusCode}: ${text.slice(0, 200)}`);
  }
  return text;
}
