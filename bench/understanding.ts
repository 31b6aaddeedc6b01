/**
 * Understanding benchmark: how long the intent model takes to load, and per-utterance latency and throughput of the
 * whole engine (normalise, classify, extract) and of the classifier alone, over a few thousand of our own example
 * utterances (training/examples). Targets: p99 < 2 ms per utterance, model load < 200 ms.
 *
 *   node_modules/.bin/node bench/understanding.ts      prints the JSON result
 */
import type { UnderstandingContext } from '../src/core/understanding.ts';
import { createUnderstandingEngine } from '../src/understanding/engine.ts';
import { createIntentClassifier } from '../src/understanding/intent/classifier.ts';
import { loadIntentModel } from '../src/understanding/intent/model.ts';
import { loadExamples } from '../training/dataset.ts';
import type { BenchContext } from './run.ts';

const UTTERANCES = 3000;
const WARMUP = 500;
const CONTEXT: UnderstandingContext = { now: new Date('2025-10-04T10:00:00+05:30'), tz: 'Asia/Kolkata' };

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (x: number) => Math.round(x * 1000) / 1000;

function latency(run: (text: string) => unknown, texts: readonly string[]) {
  // An utterance the engine throws on is timed all the same and counted: the benchmark reports it, not dies of it.
  let errors = 0;
  const attempt = (text: string) => {
    try {
      run(text);
    } catch {
      errors++;
    }
  };
  for (let i = 0; i < WARMUP; i++) attempt(texts[i % texts.length]!);
  errors = 0;
  const times = new Array<number>(texts.length);
  const started = performance.now();
  for (let i = 0; i < texts.length; i++) {
    const t0 = performance.now();
    attempt(texts[i]!);
    times[i] = performance.now() - t0;
  }
  const total = performance.now() - started;
  times.sort((a, b) => a - b);
  return {
    n: texts.length,
    p50_ms: ms(quantile(times, 0.5)),
    p90_ms: ms(quantile(times, 0.9)),
    p99_ms: ms(quantile(times, 0.99)),
    max_ms: ms(times[times.length - 1] ?? 0),
    throughput_per_s: Math.round((texts.length / total) * 1000),
    errors,
  };
}

export async function benchUnderstanding(context?: Partial<BenchContext>): Promise<Record<string, unknown>> {
  const log = context?.log ?? (() => {});
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    loadIntentModel();
    loads.push(performance.now() - t0);
  }
  const t0 = performance.now();
  const engine = createUnderstandingEngine();
  const engineCreateMs = performance.now() - t0;

  const examples = loadExamples();
  const step = Math.max(1, Math.floor(examples.length / UTTERANCES));
  const texts = examples
    .filter((_, i) => i % step === 0)
    .map((e) => e.text)
    .slice(0, UTTERANCES);
  log(`${texts.length} utterances`);

  const classifier = createIntentClassifier();
  const classify = latency((text) => classifier.classify(text), texts);
  const understand = latency((text) => engine.understand(text, CONTEXT), texts);
  const sortedLoads = [...loads].sort((a, b) => a - b);
  return {
    model_load_ms: { first: ms(loads[0]!), median: ms(quantile(sortedLoads, 0.5)) },
    engine_create_ms: ms(engineCreateMs),
    engine: understand,
    classifier: classify,
    targets: {
      p99_under_2ms: understand.p99_ms < 2,
      load_under_200ms: loads[0]! < 200,
    },
  };
}

if (import.meta.main) {
  console.log(
    JSON.stringify(await benchUnderstanding({ log: (m) => console.error(`understanding: ${m}`) }), null, 2),
  );
}
