/**
 * The intent model file (`src/understanding/model/intent-model.json`): a multinomial logistic regression over
 * hashed features (see features.ts), written by `training/train.ts` and read here. Weights are stored sparsely
 * (only buckets some training example touched) and quantised to int8 with one scale per label, which keeps the file
 * small and loading fast; they are dequantised once at load.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { Intent } from '../../core/understanding.ts';
import { canonicalise, FEATURE_VERSION, Featuriser } from './features.ts';

export const MODEL_FORMAT = 'rooman-intent-linear';

export const IntentModelFile = z.object({
  format: z.literal(MODEL_FORMAT),
  featureVersion: z.literal(FEATURE_VERSION),
  dim: z.number().int().positive(),
  labels: z.array(Intent).min(2),
  /** Softmax temperature fitted on our validation split so confidences are calibrated. */
  temperature: z.number().positive(),
  /** Below this calibrated confidence an in-scope prediction becomes UNKNOWN. */
  threshold: z.number().min(0).max(1),
  bias: z.array(z.number()),
  scales: z.array(z.number().nonnegative()),
  /** Base64 of the used bucket indices, ascending, as LEB128 varint deltas. */
  buckets: z.string(),
  /** Base64 of int8 weights, bucket-major then label (rows × labels). */
  weights: z.string(),
  /** What it was trained on and how it scored on our held-out split; informational. */
  stats: z.record(z.string(), z.unknown()).optional(),
});
export type IntentModelFile = z.infer<typeof IntentModelFile>;

export const DEFAULT_MODEL_URL = new URL('../model/intent-model.json', import.meta.url);

/** A loaded model: scores text into calibrated probabilities per label. */
export class LinearIntentModel {
  readonly labels: readonly Intent[];
  readonly temperature: number;
  readonly threshold: number;
  private readonly featuriser: Featuriser;
  private readonly rowOf: Int32Array;
  private readonly weights: Float32Array;
  private readonly bias: Float64Array;
  private readonly logits: Float64Array;

  constructor(file: IntentModelFile) {
    const k = file.labels.length;
    if (file.bias.length !== k || file.scales.length !== k)
      throw new Error('intent model: label count mismatch');
    this.labels = file.labels;
    this.temperature = file.temperature;
    this.threshold = file.threshold;
    this.featuriser = new Featuriser(file.dim);
    this.bias = Float64Array.from(file.bias);
    this.logits = new Float64Array(k);
    const buckets = decodeVarintDeltas(Buffer.from(file.buckets, 'base64'));
    const packed = Buffer.from(file.weights, 'base64');
    const q = new Int8Array(packed.buffer, packed.byteOffset, packed.byteLength);
    if (q.length !== buckets.length * k) throw new Error('intent model: weight count mismatch');
    this.rowOf = new Int32Array(file.dim).fill(-1);
    for (let r = 0; r < buckets.length; r++) this.rowOf[buckets[r]!] = r;
    this.weights = new Float32Array(q.length);
    for (let r = 0; r < buckets.length; r++) {
      for (let c = 0; c < k; c++) this.weights[r * k + c] = q[r * k + c]! * file.scales[c]!;
    }
  }

  /** Calibrated probabilities, in `labels` order, for already-canonical text; `out` is reused by the caller. */
  probabilitiesOfCanonical(canonical: string, out: Float64Array): Float64Array {
    const k = this.labels.length;
    const x = this.featuriser.featurise(canonical);
    const z = this.logits;
    z.set(this.bias);
    for (let i = 0; i < x.length; i++) {
      const row = this.rowOf[x.indices[i]!]!;
      if (row < 0) continue;
      const v = x.values[i]!;
      const base = row * k;
      for (let c = 0; c < k; c++) z[c]! += v * this.weights[base + c]!;
    }
    let max = -Infinity;
    for (let c = 0; c < k; c++) if (z[c]! > max) max = z[c]!;
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp((z[c]! - max) / this.temperature);
      out[c] = e;
      sum += e;
    }
    for (let c = 0; c < k; c++) out[c] = out[c]! / sum;
    return out;
  }

  probabilities(text: string): Float64Array {
    return this.probabilitiesOfCanonical(canonicalise(text), new Float64Array(this.labels.length));
  }
}

export function loadIntentModel(source: URL | string = DEFAULT_MODEL_URL): LinearIntentModel {
  const raw = JSON.parse(readFileSync(source, 'utf8')) as unknown;
  const parsed = IntentModelFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `intent model at ${String(source)} is not valid (retrain with npm run train): ${parsed.error.message}`,
    );
  }
  return new LinearIntentModel(parsed.data);
}

/** Writes a trained weight matrix (dim × labels, row-major) as a model file, dropping buckets that quantise to 0. */
export function encodeIntentModel(params: {
  dim: number;
  labels: readonly Intent[];
  weights: Float32Array;
  bias: ArrayLike<number>;
  temperature: number;
  threshold: number;
  stats?: Record<string, unknown>;
}): IntentModelFile {
  const { dim, labels, weights } = params;
  const k = labels.length;
  const scales = labels.map((_, c) => {
    let max = 0;
    for (let r = 0; r < dim; r++) max = Math.max(max, Math.abs(weights[r * k + c]!));
    return max / 127;
  });
  const rows: number[] = [];
  const q: number[] = [];
  const row = new Int8Array(k);
  for (let r = 0; r < dim; r++) {
    let any = false;
    for (let c = 0; c < k; c++) {
      const v = scales[c]! > 0 ? Math.round(weights[r * k + c]! / scales[c]!) : 0;
      row[c] = v;
      if (v !== 0) any = true;
    }
    if (!any) continue;
    rows.push(r);
    for (let c = 0; c < k; c++) q.push(row[c]!);
  }
  return {
    format: MODEL_FORMAT,
    featureVersion: FEATURE_VERSION,
    dim,
    labels: [...labels],
    temperature: round(params.temperature, 4),
    threshold: round(params.threshold, 4),
    bias: Array.from(params.bias, (b) => round(b, 6)),
    scales: scales.map((s) => Number(s.toPrecision(8))),
    buckets: Buffer.from(encodeVarintDeltas(rows)).toString('base64'),
    weights: Buffer.from(Int8Array.from(q).buffer).toString('base64'),
    ...(params.stats ? { stats: params.stats } : {}),
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

function encodeVarintDeltas(sorted: readonly number[]): Uint8Array {
  const out: number[] = [];
  let prev = 0;
  for (const v of sorted) {
    let d = v - prev;
    prev = v;
    while (d >= 0x80) {
      out.push((d & 0x7f) | 0x80);
      d >>>= 7;
    }
    out.push(d);
  }
  return Uint8Array.from(out);
}

function decodeVarintDeltas(bytes: Uint8Array): Int32Array {
  const out: number[] = [];
  let prev = 0;
  let i = 0;
  while (i < bytes.length) {
    let d = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[i++]!;
      d |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    prev += d;
    out.push(prev);
  }
  return Int32Array.from(out);
}
