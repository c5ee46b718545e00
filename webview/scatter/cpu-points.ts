/**
 * The scatter's fallback where the webview has no WebGL2: the same interface as GlPoints, drawn into an ImageData on
 * the CPU (fine to ~100k points; a million take a few hundred ms a frame). Coverage accumulates per pixel so dense
 * areas still read darker.
 */
import { toScreen } from "../lib/scatter.js";
import type { DrawParams } from "./gl-points.js";

export class CpuPoints {
  readonly density = false;
  #xy: Float32Array = new Float32Array(0);
  #codes: Uint8Array = new Uint8Array(0);
  #flags: Uint8Array | null = null;
  #palette: Uint8Array = new Uint8Array(256 * 4).fill(255);

  constructor(readonly canvas: HTMLCanvasElement) {}

  get count(): number {
    return this.#xy.length >> 1;
  }

  setPositions(xy: Float32Array): void {
    this.#xy = xy;
    this.#codes = new Uint8Array(xy.length >> 1);
    this.#flags = null;
  }

  setCodes(codes: Uint8Array): void {
    this.#codes = codes;
  }

  setPalette(rgba: Uint8Array): void {
    this.#palette = rgba;
  }

  setFlags(flags: Uint8Array | null): void {
    this.#flags = flags;
  }

  draw(p: DrawParams): void {
    const W = Math.max(1, Math.round(p.width * p.dpr)), H = Math.max(1, Math.round(p.height * p.dpr));
    if (this.canvas.width !== W) this.canvas.width = W;
    if (this.canvas.height !== H) this.canvas.height = H;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const img = ctx.createImageData(W, H);
    const data = img.data;
    const n = this.count;
    const alpha = n > 100_000 ? 0.15 : n > 10_000 ? 0.35 : 0.8;
    const plot = (i: number, size: number, a: number, rgb: ArrayLike<number>): void => {
      const [sx, sy] = toScreen(p.view, this.#xy[2 * i]!, this.#xy[2 * i + 1]!);
      if (!(sx >= -size && sy >= -size && sx * p.dpr < W + size && sy * p.dpr < H + size)) return;
      const px = Math.round(sx * p.dpr - size / 2), py = Math.round(sy * p.dpr - size / 2);
      for (let y = Math.max(0, py); y < Math.min(H, py + size); y++) {
        for (let x = Math.max(0, px); x < Math.min(W, px + size); x++) {
          const o = (y * W + x) * 4;
          const prev = data[o + 3]! / 255;
          const out = a + prev * (1 - a);
          for (let k = 0; k < 3; k++) data[o + k] = Math.round((rgb[k]! * a + data[o + k]! * prev * (1 - a)) / out);
          data[o + 3] = Math.round(out * 255);
        }
      }
    };
    const size = Math.max(1, Math.round(p.pointSize * p.dpr));
    const flags = this.#flags;
    for (let i = 0; i < n; i++) {
      const c = this.#codes[i]! * 4;
      plot(i, size, flags && !flags[i] ? alpha * p.dim : alpha, this.#palette.subarray(c, c + 3));
    }
    if (flags) {
      for (let i = 0; i < n; i++) {
        if (!flags[i]) continue;
        const c = this.#codes[i]! * 4;
        plot(i, size + Math.round(p.flaggedGrow), 1, flags[i]! & 2 ? p.matchColor : this.#palette.subarray(c, c + 3));
      }
    }
    ctx.putImageData(img, 0, 0);
  }

  finish(): void {}

  dispose(): void {}
}
