/**
 * Node side of the webview benchmark and smoke page: builds an Arrow IPC file of `rows` × `dim` float vectors with a
 * text column, and serves it with the renderer bundle and a small host page under a strict CSP (no inline script,
 * no eval; workers from blob: only, as the notebook webview allows).
 */
import { createServer, type Server } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Field, Float32, List, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray } from "apache-arrow";

/** Deterministic embeddings in `clusters` groups, L2-normalised, like sentence embeddings. */
export function makeEmbeddingTable(rows: number, dim: number, clusters = 8): Table {
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, () => rand() * 2 - 1));
  const values = new Float32Array(rows * dim);
  const texts: string[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = r % clusters;
    const centre = centres[c]!;
    let sq = 0;
    const o = r * dim;
    for (let j = 0; j < dim; j++) {
      const v = centre[j]! + (rand() - 0.5) * 1.2;
      values[o + j] = v;
      sq += v * v;
    }
    const inv = 1 / Math.sqrt(sq);
    for (let j = 0; j < dim; j++) values[o + j]! *= inv;
    texts[r] = r === 3 ? `<img src=x onerror=alert(1)> row ${r}` : `Document number ${r} (topic ${c}): some text to embed.`;
  }
  const type = new List(new Field("item", new Float32(), true));
  const child = makeData({ type: new Float32(), length: rows * dim, data: values });
  const offsets = new Int32Array(rows + 1);
  for (let r = 0; r <= rows; r++) offsets[r] = r * dim;
  const embedding = makeVector(makeData({ type, length: rows, valueOffsets: offsets, child }));
  const topic = vectorFromArray(Array.from({ length: rows }, (_, r) => `topic ${r % clusters}`), new Utf8());
  return new Table({ text: vectorFromArray(texts, new Utf8()), topic, embedding });
}

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; worker-src blob:; connect-src 'self'; img-src 'self' data:">
<title>chalknb renderer</title></head>
<body style="background:#1e1e1e;color:#ccc;margin:8px"><div id="out"></div><script type="module" src="/page.js"></script></body></html>`;

/** Host script: fetches the data, calls the renderer like VS Code does, and exposes the posted messages. */
const PAGE_JS = `
import { activate } from "/renderer.js";
const messages = [];
window.chalknbMessages = messages;
const api = activate({ postMessage: (m) => messages.push(m), workspace: { isTrusted: true } });
window.renderArrow = async (url) => {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const el = document.getElementById("out");
  const t0 = performance.now();
  api.renderOutputItem({ id: "bench-" + url, mime: "application/vnd.apache.arrow.file", data: () => bytes, text: () => "", json: () => null }, el);
  return performance.now() - t0;
};
window.renderJson = (mime, value) => {
  const el = document.createElement("div");
  document.getElementById("out").append(el);
  api.renderOutputItem({ id: "json-" + messages.length, mime, data: () => new Uint8Array(), text: () => JSON.stringify(value), json: () => value }, el);
};
window.pageReady = true;
`;

export interface PageServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the page, the renderer bundle (out/webview/renderer.js) and named files on 127.0.0.1:0. `pageJs` replaces the
 * host script (a test page that mounts one view itself); then the renderer bundle is not needed.
 */
export async function servePage(root: string, files: Record<string, Uint8Array>, options: { pageJs?: string } = {}): Promise<PageServer> {
  const renderer = options.pageJs === undefined ? readFileSync(join(root, "out/webview/renderer.js")) : new Uint8Array();
  const pageJs = options.pageJs ?? PAGE_JS;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const send = (type: string, body: string | Uint8Array): void => {
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      res.end(body);
    };
    if (path === "/" || path === "/index.html") return send("text/html", PAGE);
    if (path === "/page.js") return send("text/javascript", pageJs);
    if (path === "/renderer.js") return send("text/javascript", renderer);
    if (path === "/favicon.ico") return void res.writeHead(204).end();
    const file = files[path.slice(1)];
    if (file) return send(path.endsWith(".js") ? "text/javascript" : "application/octet-stream", file);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function arrowFile(table: Table): Uint8Array {
  return tableToIPC(table, "file");
}
