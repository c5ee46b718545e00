/** Seeded randomness: the same table must give the same picture, in the renderer and in the kernel. */

/** mulberry32: deterministic uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * At most `size` distinct valid rows (`valid[i] !== 0`, or every row without `valid`), ascending: all of them, or a
 * seeded random sample. Random, not evenly spaced: rows often come in a period (round-robin batches, one topic per
 * n rows), and every k-th row would then see only some of the groups.
 */
export function sampleRows(rows: number, size: number, seed: number, valid?: Uint8Array): Uint32Array {
  const candidates: number[] = [];
  for (let i = 0; i < rows; i++) if (!valid || valid[i]) candidates.push(i);
  const n = Math.max(0, Math.min(size, candidates.length));
  if (n === candidates.length) return Uint32Array.from(candidates);
  const random = seededRandom(seed);
  // Partial Fisher–Yates: the first n places end up a uniform sample.
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (candidates.length - i));
    const t = candidates[i]!;
    candidates[i] = candidates[j]!;
    candidates[j] = t;
  }
  return Uint32Array.from(candidates.slice(0, n)).sort();
}
