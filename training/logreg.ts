/**
 * Multinomial logistic regression over sparse hashed features, trained by seeded SGD with a decaying step and a
 * lazily applied L2 penalty. Small, dependency-free and deterministic: the same examples give the same weights.
 */
import type { SparseVector } from '../src/understanding/intent/features.ts';
import { createRandom } from './dataset.ts';

export interface TrainOptions {
  dim: number;
  labels: number;
  epochs: number;
  /** Initial step size. */
  rate: number;
  /** L2 penalty per step on the rows an example touches. */
  l2: number;
  seed: number;
}

export interface LinearWeights {
  /** dim × labels, row-major. */
  weights: Float32Array;
  bias: Float64Array;
}

export function trainLogisticRegression(
  xs: readonly SparseVector[],
  ys: Int32Array,
  sampleWeights: Float64Array,
  opts: TrainOptions,
): LinearWeights {
  const k = opts.labels;
  const weights = new Float32Array(opts.dim * k);
  const bias = new Float64Array(k);
  const z = new Float64Array(k);
  const order = Int32Array.from(xs, (_, i) => i);
  const random = createRandom(opts.seed);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    // Fisher–Yates with the seeded generator.
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const rate = opts.rate / Math.sqrt(1 + epoch);
    const shrink = 1 - rate * opts.l2;
    for (const n of order) {
      const x = xs[n]!;
      const y = ys[n]!;
      const sw = sampleWeights[n]!;
      z.set(bias);
      for (let i = 0; i < x.length; i++) {
        const base = x.indices[i]! * k;
        const v = x.values[i]!;
        for (let c = 0; c < k; c++) z[c]! += v * weights[base + c]!;
      }
      softmaxInPlace(z);
      for (let c = 0; c < k; c++) {
        const g = (z[c]! - (c === y ? 1 : 0)) * sw * rate;
        z[c] = g;
        bias[c]! -= g * 0.1;
      }
      for (let i = 0; i < x.length; i++) {
        const base = x.indices[i]! * k;
        const v = x.values[i]!;
        for (let c = 0; c < k; c++) weights[base + c] = weights[base + c]! * shrink - z[c]! * v;
      }
    }
  }
  return { weights, bias };
}

export function softmaxInPlace(z: Float64Array, temperature = 1): Float64Array {
  let max = -Infinity;
  for (let c = 0; c < z.length; c++) if (z[c]! > max) max = z[c]!;
  let sum = 0;
  for (let c = 0; c < z.length; c++) {
    const e = Math.exp((z[c]! - max) / temperature);
    z[c] = e;
    sum += e;
  }
  for (let c = 0; c < z.length; c++) z[c] = z[c]! / sum;
  return z;
}

/** Raw scores (before softmax) of one example. */
export function logits(
  x: SparseVector,
  w: LinearWeights,
  k: number,
  out = new Float64Array(k),
): Float64Array {
  out.set(w.bias);
  for (let i = 0; i < x.length; i++) {
    const base = x.indices[i]! * k;
    const v = x.values[i]!;
    for (let c = 0; c < k; c++) out[c]! += v * w.weights[base + c]!;
  }
  return out;
}

/** The temperature that minimises negative log-likelihood on held-out logits (grid search; calibration only). */
export function fitTemperature(scores: readonly Float64Array[], ys: Int32Array): number {
  let best = 1;
  let bestNll = Infinity;
  const p = new Float64Array(scores[0]?.length ?? 0);
  for (let t = 0.3; t <= 6.0001; t += 0.05) {
    let nll = 0;
    scores.forEach((s, n) => {
      p.set(s);
      softmaxInPlace(p, t);
      nll -= Math.log(Math.max(p[ys[n]!]!, 1e-12));
    });
    if (nll < bestNll) {
      bestNll = nll;
      best = t;
    }
  }
  return Number(best.toFixed(2));
}
