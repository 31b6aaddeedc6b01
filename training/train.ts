/**
 * `npm run train`: trains the intent model on our own examples (training/examples) and writes
 * src/understanding/model/intent-model.json. Deterministic: the same examples give the same file.
 *
 * 1. Train on the train split; fit the softmax temperature and the out-of-scope threshold on the validation split.
 * 2. Report accuracy on the held-out test split, through the same classifier the product uses.
 * 3. Retrain on train + validation with the same settings and write the model.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { INTENTS, type Intent } from '../src/core/understanding.ts';
import { createIntentClassifier } from '../src/understanding/intent/classifier.ts';
import {
  canonicalise,
  copyVector,
  Featuriser,
  type SparseVector,
} from '../src/understanding/intent/features.ts';
import {
  DEFAULT_MODEL_URL,
  encodeIntentModel,
  type IntentModelFile,
  LinearIntentModel,
} from '../src/understanding/intent/model.ts';
import { type Example, loadExamples } from './dataset.ts';
import {
  fitTemperature,
  type LinearWeights,
  logits,
  softmaxInPlace,
  trainLogisticRegression,
} from './logreg.ts';

export const TRAIN_SETTINGS = { dim: 1 << 18, epochs: 12, rate: 1.2, l2: 2e-5, seed: 20251004 };
export type TrainSettings = typeof TRAIN_SETTINGS;
/** The threshold may cost at most this much in-scope accuracy on the validation split. */
const THRESHOLD_BUDGET = 0.01;
/**
 * Never act on a task the model gives less than this: with 14 classes such a guess is a coin toss, and answering
 * UNKNOWN makes the dialogue ask again instead of doing the wrong thing.
 */
const MIN_THRESHOLD = 0.3;
/** Scores this close count as equal when choosing the threshold (about one validation example in 300). */
const NEAR_EQUAL = 0.004;

const labels: readonly Intent[] = INTENTS;
const K = labels.length;
const UNKNOWN = labels.indexOf('UNKNOWN');

interface Encoded {
  xs: SparseVector[];
  ys: Int32Array;
}

function encode(examples: readonly Example[], featuriser: Featuriser): Encoded {
  return {
    xs: examples.map((e) => copyVector(featuriser.featurise(canonicalise(e.text)))),
    ys: Int32Array.from(examples, (e) => labels.indexOf(e.intent)),
  };
}

/** Classes are reweighted towards balance (square root of inverse frequency), so a big class does not drown others. */
function balancedWeights(ys: Int32Array): Float64Array {
  const counts = new Float64Array(K);
  for (const y of ys) counts[y]!++;
  const present = counts.filter((c) => c > 0).length;
  return Float64Array.from(ys, (y) => Math.sqrt(ys.length / (present * counts[y]!)));
}

function fit(data: Encoded, settings: TrainSettings): LinearWeights {
  return trainLogisticRegression(data.xs, data.ys, balancedWeights(data.ys), {
    ...settings,
    labels: K,
  });
}

/** In-scope accuracy and OOS recall at threshold `t`, from calibrated probabilities. */
function rates(probs: readonly Float64Array[], ys: Int32Array, t: number) {
  let inRight = 0;
  let inTotal = 0;
  let oosRight = 0;
  let oosTotal = 0;
  probs.forEach((p, n) => {
    let best = 0;
    for (let c = 1; c < K; c++) if (p[c]! > p[best]!) best = c;
    const pred = best !== UNKNOWN && p[best]! < t ? UNKNOWN : best;
    if (ys[n] === UNKNOWN) {
      oosTotal++;
      if (pred === UNKNOWN) oosRight++;
    } else {
      inTotal++;
      if (pred === ys[n]) inRight++;
    }
  });
  return { inScope: inRight / Math.max(1, inTotal), oosRecall: oosRight / Math.max(1, oosTotal) };
}

/**
 * The out-of-scope threshold: the best balance of in-scope accuracy and OOS recall on the validation split, within
 * the in-scope budget; among near-equal choices the lowest, since a threshold only ever takes correct answers away
 * from in-scope requests that the model was unsure of.
 */
function chooseThreshold(probs: readonly Float64Array[], ys: Int32Array): number {
  const floor = rates(probs, ys, 0).inScope - THRESHOLD_BUDGET;
  const scored: Array<{ t: number; score: number }> = [];
  for (let t = 0; t <= 0.9; t += 0.01) {
    const r = rates(probs, ys, t);
    if (r.inScope < floor) break;
    scored.push({ t, score: r.inScope + r.oosRecall });
  }
  const best = Math.max(...scored.map((s) => s.score));
  const chosen = scored.find((s) => s.score >= best - NEAR_EQUAL) ?? { t: 0 };
  return Number(Math.max(MIN_THRESHOLD, chosen.t).toFixed(2));
}

export interface TrainReport {
  examples: Record<string, number>;
  temperature: number;
  threshold: number;
  heldOut: { accuracy: number; inScopeAccuracy: number; oosRecall: number; size: number; perIntent: object };
  modelBytes: number;
}

export function train(
  log: (line: string) => void = () => {},
  overrides: Partial<TrainSettings> = {},
): { file: string; model: IntentModelFile; report: TrainReport } {
  const settings: TrainSettings = { ...TRAIN_SETTINGS, ...overrides };
  const examples = loadExamples();
  const featuriser = new Featuriser(settings.dim);
  const bySplit = (s: Example['split'][]) => examples.filter((e) => s.includes(e.split));
  const trainSet = bySplit(['train']);
  const valSet = bySplit(['val']);
  const testSet = bySplit(['test']);
  log(`examples: ${trainSet.length} train, ${valSet.length} validation, ${testSet.length} test`);

  const first = fit(encode(trainSet, featuriser), settings);
  const val = encode(valSet, featuriser);
  const valScores = val.xs.map((x) => logits(x, first, K));
  const temperature = fitTemperature(valScores, val.ys);
  const valProbs = valScores.map((s) => softmaxInPlace(Float64Array.from(s), temperature));
  const threshold = chooseThreshold(valProbs, val.ys);
  log(`temperature ${temperature}, threshold ${threshold}`);

  // Held-out test split, measured through the shipped classifier (quantised weights, lexicon, threshold).
  const heldOutModel = encodeIntentModel({
    dim: settings.dim,
    labels,
    ...first,
    temperature,
    threshold,
  });
  const heldOut = evaluate(new LinearIntentModel(heldOutModel), testSet);
  log(
    `held-out test: accuracy ${heldOut.accuracy.toFixed(4)}, in-scope ${heldOut.inScopeAccuracy.toFixed(4)}, ` +
      `OOS recall ${heldOut.oosRecall.toFixed(4)} (n=${heldOut.size})`,
  );

  const final = fit(encode(bySplit(['train', 'val']), featuriser), settings);
  const counts: Record<string, number> = {};
  for (const e of examples) counts[e.intent] = (counts[e.intent] ?? 0) + 1;
  const stats = { examples: counts, heldOut, settings };
  const model = encodeIntentModel({
    dim: settings.dim,
    labels,
    ...final,
    temperature,
    threshold,
    stats,
  });
  const file = `${JSON.stringify(model)}\n`;
  return {
    file,
    model,
    report: { examples: counts, temperature, threshold, heldOut, modelBytes: Buffer.byteLength(file) },
  };
}

function evaluate(model: LinearIntentModel, testSet: readonly Example[]) {
  const classifier = createIntentClassifier(model);
  let right = 0;
  let inRight = 0;
  let inTotal = 0;
  let oosRight = 0;
  let oosTotal = 0;
  const perIntent: Record<string, { n: number; correct: number }> = {};
  for (const e of testSet) {
    const pred = classifier.classify(e.text).intent;
    const ok = pred === e.intent;
    if (ok) right++;
    const row = perIntent[e.intent] ?? { n: 0, correct: 0 };
    perIntent[e.intent] = row;
    row.n++;
    if (ok) row.correct++;
    if (e.intent === 'UNKNOWN') {
      oosTotal++;
      if (ok) oosRight++;
    } else {
      inTotal++;
      if (ok) inRight++;
    }
  }
  const r4 = (x: number) => Number(x.toFixed(4));
  return {
    accuracy: r4(right / Math.max(1, testSet.length)),
    inScopeAccuracy: r4(inRight / Math.max(1, inTotal)),
    oosRecall: r4(oosRight / Math.max(1, oosTotal)),
    size: testSet.length,
    perIntent: Object.fromEntries(
      Object.entries(perIntent).map(([k, v]) => [k, { n: v.n, accuracy: r4(v.correct / v.n) }]),
    ),
  };
}

if (import.meta.main) {
  const started = performance.now();
  const { file, report } = train((line) => console.error(line));
  writeFileSync(DEFAULT_MODEL_URL, file);
  console.error(
    `wrote ${fileURLToPath(DEFAULT_MODEL_URL)} (${(report.modelBytes / 1024).toFixed(0)} KiB) in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  console.log(JSON.stringify(report.heldOut, null, 2));
}
