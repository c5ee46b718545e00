import { deflateSync } from "node:zlib";

/**
 * The kernelspec's logos, drawn here rather than shipped as binaries: a TypeScript-blue tile with a chalk-white
 * "notebook page" (PNG, 32 and 64 px, for Jupyter's launcher) and the same as SVG (JupyterLab prefers `logo-svg.svg`).
 */

const BLUE = [0x31, 0x78, 0xc6];
const WHITE = [0xf5, 0xf5, 0xf0];

export function logoPng(size: number): Buffer {
  const row = size * 3 + 1;
  const pixels = Buffer.alloc(row * size);
  for (let y = 0; y < size; y++) {
    pixels[y * row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const page = u > 0.28 && u < 0.72 && v > 0.2 && v < 0.8;
      const line = page && u > 0.36 && u < 0.64 && [0.35, 0.5, 0.65].some((l) => Math.abs(v - l) < 0.035);
      const color = page && !line ? WHITE : BLUE;
      pixels.set(color, y * row + 1 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", header), chunk("IDAT", deflateSync(pixels)), chunk("IEND", Buffer.alloc(0))]);
}

export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="8" fill="#3178c6"/><rect x="18" y="13" width="28" height="38" fill="#f5f5f0"/><path d="M23 22h18M23 32h18M23 42h18" stroke="#3178c6" stroke-width="2.5"/></svg>\n`;

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
