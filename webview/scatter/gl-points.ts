/**
 * A WebGL2 point renderer for up to millions of 2-D points. Positions (float32 x, y), a one-byte colour code and a
 * one-byte flag per point live in GPU buffers; a pan or zoom changes two uniforms and redraws, nothing is uploaded.
 *
 * Density shading: points are summed into a half-float texture (colour × weight, weight) with additive blending, then
 * one full-screen pass turns the summed weight into opacity (1 − e^−k·w) and the mean colour. A pixel under one point
 * is faint, under hundreds it is opaque and brighter, so dense clusters read as dense instead of a solid blob.
 * Without float render targets (EXT_color_buffer_float) points are alpha-blended straight onto the canvas.
 *
 * Flagged points (selected, or matching a search) are drawn again on top, larger and opaque, and the others dimmed.
 * No shader source is built from data; the webview CSP needs nothing beyond what WebGL itself uses.
 */
import type { ScatterTransform } from "../lib/scatter.js";

export const FLAG_SELECTED = 1;
export const FLAG_MATCH = 2;

const POINTS_VS = `#version 300 es
layout(location = 0) in vec2 a_pos;
layout(location = 1) in uint a_code;
layout(location = 2) in uint a_flag;
uniform vec2 u_scale;
uniform vec2 u_offset;
uniform float u_size;
uniform sampler2D u_palette;
uniform int u_overlay;
uniform float u_dim;
uniform vec3 u_match;
uniform float u_grow;
out vec4 v_color;
void main() {
  bool flagged = a_flag > 0u;
  if (u_overlay == 1 && !flagged) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 0.0; return; }
  vec3 c = texelFetch(u_palette, ivec2(int(a_code), 0), 0).rgb;
  if (u_overlay == 1 && (a_flag & 2u) != 0u) c = u_match;
  float w = (u_overlay == 0 && !flagged) ? u_dim : 1.0;
  v_color = vec4(c * w, w);
  gl_Position = vec4(a_pos * u_scale + u_offset, 0.0, 1.0);
  gl_PointSize = u_overlay == 1 ? u_size + u_grow : u_size;
}`;

const POINTS_FS = `#version 300 es
precision highp float;
in vec4 v_color;
uniform float u_alpha;
uniform float u_round;
out vec4 o;
void main() {
  if (u_round > 0.5) {
    vec2 d = gl_PointCoord - 0.5;
    if (dot(d, d) > 0.25) discard;
  }
  o = v_color * u_alpha;
}`;

const RESOLVE_VS = `#version 300 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}`;

const RESOLVE_FS = `#version 300 es
precision highp float;
uniform sampler2D u_accum;
uniform float u_gain;
uniform float u_peak;
out vec4 o;
void main() {
  vec4 a = texelFetch(u_accum, ivec2(gl_FragCoord.xy), 0);
  if (a.a <= 0.0) { o = vec4(0.0); return; }
  vec3 c = a.rgb / a.a;
  float alpha = 1.0 - exp(-a.a * u_gain);
  float dense = clamp(log(1.0 + a.a) / log(1.0 + u_peak), 0.0, 1.0);
  c = mix(c, vec3(1.0), dense * 0.3);
  o = vec4(c * alpha, alpha);
}`;

export interface DrawParams {
  view: ScatterTransform;
  /** CSS px. */
  width: number;
  height: number;
  dpr: number;
  /** Point diameter in CSS px. */
  pointSize: number;
  /** Weight of unflagged points while some are flagged (0–1). */
  dim: number;
  /** RGB 0–255 of search matches. */
  matchColor: [number, number, number];
  /** Extra diameter (device px) of flagged points: a few stand out, many would bury the colours. */
  flaggedGrow: number;
}

export class GlPoints {
  readonly gl: WebGL2RenderingContext;
  /** True when density shading runs (float render targets available). */
  readonly density: boolean;
  /** The GL is emulated on the CPU (SwiftShader, llvmpipe): a canvas 2-D fallback draws faster there. */
  readonly software: boolean;
  #count = 0;
  #flagged = false;
  readonly #points: WebGLProgram;
  readonly #resolve: WebGLProgram;
  readonly #vao: WebGLVertexArrayObject;
  readonly #pos: WebGLBuffer;
  readonly #code: WebGLBuffer;
  readonly #flag: WebGLBuffer;
  readonly #palette: WebGLTexture;
  #accum: WebGLTexture | null = null;
  #fbo: WebGLFramebuffer | null = null;
  #accumSize: [number, number] = [0, 0];
  readonly #u = new Map<string, WebGLUniformLocation | null>();

  /** Throws when the browser gives no WebGL2 context. `density: false` blends points straight onto the canvas. */
  constructor(readonly canvas: HTMLCanvasElement, options: { density?: boolean } = {}) {
    const gl = canvas.getContext("webgl2", { antialias: false, premultipliedAlpha: true, preserveDrawingBuffer: true });
    if (!gl) throw new Error("WebGL2 is not available");
    this.gl = gl;
    const debug = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? "");
    this.software = /swiftshader|llvmpipe|softpipe|software/i.test(renderer);
    this.density = options.density !== false && gl.getExtension("EXT_color_buffer_float") !== null;
    this.#points = program(gl, POINTS_VS, POINTS_FS);
    this.#resolve = program(gl, RESOLVE_VS, RESOLVE_FS);
    this.#vao = gl.createVertexArray()!;
    this.#pos = gl.createBuffer()!;
    this.#code = gl.createBuffer()!;
    this.#flag = gl.createBuffer()!;
    gl.bindVertexArray(this.#vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#pos);
    gl.enableVertexAttribArray(0);
    gl.vertexAttribPointer(0, 2, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#code);
    gl.enableVertexAttribArray(1);
    gl.vertexAttribIPointer(1, 1, gl.UNSIGNED_BYTE, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#flag);
    gl.vertexAttribIPointer(2, 1, gl.UNSIGNED_BYTE, 0, 0);
    // Until flags are set the attribute is off and reads this constant, which must be an unsigned int like a_flag.
    gl.vertexAttribI4ui(2, 0, 0, 0, 0);
    gl.bindVertexArray(null);
    this.#palette = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    this.setPalette(new Uint8Array(256 * 4).fill(255));
  }

  get count(): number {
    return this.#count;
  }

  /** Interleaved x, y per point (data units). Codes and flags are reset to 0. */
  setPositions(xy: Float32Array): void {
    const gl = this.gl;
    this.#count = xy.length >> 1;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#pos);
    gl.bufferData(gl.ARRAY_BUFFER, xy, gl.STATIC_DRAW);
    this.setCodes(new Uint8Array(this.#count));
    this.setFlags(null);
  }

  setCodes(codes: Uint8Array): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.#code);
    gl.bufferData(gl.ARRAY_BUFFER, codes.subarray(0, this.#count), gl.STATIC_DRAW);
  }

  /** 256 RGBA entries. */
  setPalette(rgba: Uint8Array): void {
    const gl = this.gl;
    gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 256, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
  }

  /** One byte per point ({@link FLAG_SELECTED} | {@link FLAG_MATCH}), or null for none. */
  setFlags(flags: Uint8Array | null): void {
    const gl = this.gl;
    this.#flagged = flags !== null;
    gl.bindVertexArray(this.#vao);
    if (flags) {
      gl.bindBuffer(gl.ARRAY_BUFFER, this.#flag);
      gl.bufferData(gl.ARRAY_BUFFER, flags.subarray(0, this.#count), gl.DYNAMIC_DRAW);
      gl.enableVertexAttribArray(2);
    } else {
      gl.disableVertexAttribArray(2);
      gl.vertexAttribI4ui(2, 0, 0, 0, 0);
    }
    gl.bindVertexArray(null);
  }

  draw(p: DrawParams): void {
    const gl = this.gl;
    const w = Math.max(1, Math.round(p.width * p.dpr)), h = Math.max(1, Math.round(p.height * p.dpr));
    if (this.canvas.width !== w) this.canvas.width = w;
    if (this.canvas.height !== h) this.canvas.height = h;
    gl.viewport(0, 0, w, h);
    gl.useProgram(this.#points);
    const t = p.view;
    gl.uniform2f(this.#loc(this.#points, "u_scale"), (2 * t.scale) / p.width, (2 * t.scale) / p.height);
    gl.uniform2f(this.#loc(this.#points, "u_offset"), (2 * t.offsetX) / p.width - 1, 1 - (2 * t.offsetY) / p.height);
    const size = Math.max(1, p.pointSize * p.dpr);
    gl.uniform1f(this.#loc(this.#points, "u_size"), size);
    gl.uniform1f(this.#loc(this.#points, "u_round"), size >= 3 ? 1 : 0);
    gl.uniform1f(this.#loc(this.#points, "u_dim"), this.#flagged ? p.dim : 1);
    gl.uniform3f(this.#loc(this.#points, "u_match"), p.matchColor[0] / 255, p.matchColor[1] / 255, p.matchColor[2] / 255);
    // Before the palette is bound: making the target binds it to unit 0, and drawing into a bound texture is a loop.
    if (this.density) this.#ensureAccum(w, h);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    gl.uniform1i(this.#loc(this.#points, "u_palette"), 0);
    gl.uniform1i(this.#loc(this.#points, "u_overlay"), 0);
    gl.bindVertexArray(this.#vao);
    gl.enable(gl.BLEND);
    if (this.density) {
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.#fbo);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.blendFunc(gl.ONE, gl.ONE);
      gl.uniform1f(this.#loc(this.#points, "u_alpha"), 1);
      gl.drawArrays(gl.POINTS, 0, this.#count);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.disable(gl.BLEND);
      gl.useProgram(this.#resolve);
      gl.bindTexture(gl.TEXTURE_2D, this.#accum);
      gl.uniform1i(this.#loc(this.#resolve, "u_accum"), 0);
      gl.uniform1f(this.#loc(this.#resolve, "u_gain"), 0.7);
      gl.uniform1f(this.#loc(this.#resolve, "u_peak"), 64);
      gl.drawArrays(gl.TRIANGLES, 0, 3);
      gl.enable(gl.BLEND);
      gl.useProgram(this.#points);
      gl.bindTexture(gl.TEXTURE_2D, this.#palette);
    } else {
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1f(this.#loc(this.#points, "u_alpha"), this.#count > 100_000 ? 0.15 : this.#count > 10_000 ? 0.35 : 0.8);
      gl.drawArrays(gl.POINTS, 0, this.#count);
    }
    if (this.#flagged) {
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.uniform1i(this.#loc(this.#points, "u_overlay"), 1);
      gl.uniform1f(this.#loc(this.#points, "u_alpha"), 1);
      gl.uniform1f(this.#loc(this.#points, "u_grow"), p.flaggedGrow);
      gl.uniform1f(this.#loc(this.#points, "u_round"), size + p.flaggedGrow >= 3 ? 1 : 0);
      gl.drawArrays(gl.POINTS, 0, this.#count);
    }
    gl.bindVertexArray(null);
  }

  /** Blocks until the GPU has finished drawing (a one-pixel read): for benchmarks and tests, not for frames. */
  finish(): void {
    const px = new Uint8Array(4);
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, px);
  }

  dispose(): void {
    const gl = this.gl;
    gl.deleteBuffer(this.#pos);
    gl.deleteBuffer(this.#code);
    gl.deleteBuffer(this.#flag);
    gl.deleteTexture(this.#palette);
    if (this.#accum) gl.deleteTexture(this.#accum);
    if (this.#fbo) gl.deleteFramebuffer(this.#fbo);
    gl.deleteVertexArray(this.#vao);
    gl.deleteProgram(this.#points);
    gl.deleteProgram(this.#resolve);
    gl.getExtension("WEBGL_lose_context")?.loseContext();
  }

  #ensureAccum(w: number, h: number): void {
    if (this.#accum && this.#accumSize[0] === w && this.#accumSize[1] === h) return;
    const gl = this.gl;
    if (this.#accum) gl.deleteTexture(this.#accum);
    if (this.#fbo) gl.deleteFramebuffer(this.#fbo);
    this.#accum = gl.createTexture()!;
    gl.bindTexture(gl.TEXTURE_2D, this.#accum);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA16F, w, h, 0, gl.RGBA, gl.HALF_FLOAT, null);
    this.#fbo = gl.createFramebuffer()!;
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.#fbo);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.#accum, 0);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    this.#accumSize = [w, h];
  }

  #loc(p: WebGLProgram, name: string): WebGLUniformLocation | null {
    const key = `${p === this.#points ? "p" : "r"}:${name}`;
    if (!this.#u.has(key)) this.#u.set(key, this.gl.getUniformLocation(p, name));
    return this.#u.get(key)!;
  }
}

function program(gl: WebGL2RenderingContext, vs: string, fs: string): WebGLProgram {
  const p = gl.createProgram()!;
  for (const [type, src] of [[gl.VERTEX_SHADER, vs], [gl.FRAGMENT_SHADER, fs]] as const) {
    const s = gl.createShader(type)!;
    gl.shaderSource(s, src);
    gl.compileShader(s);
    if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(`shader: ${gl.getShaderInfoLog(s)}`);
    gl.attachShader(p, s);
  }
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`program: ${gl.getProgramInfoLog(p)}`);
  return p;
}
