/**
 * Any synthesizer rate → the channel's 24 kHz. The audio core's Resampler takes ratios up to 64/64; eSpeak's
 * 22050 Hz → 24000 Hz is 160/147, so that pair goes through an intermediate rate (22050 → 25200 → 24000: 8/7 then
 * 20/21), two streaming stages, each keeping its own history between chunks.
 */
import { Resampler } from '../../audio/resampler.ts';

export interface RateConverter {
  readonly inputRate: number;
  process(samples: Int16Array): Int16Array;
  flush(): Int16Array;
  reset(): void;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const fits = (from: number, to: number) => {
  const g = gcd(from, to);
  return to / g <= 64 && from / g <= 64;
};

/** The stages from `inputRate` to `outputRate`: none, one, or two through the lowest workable intermediate rate. */
function stageRates(inputRate: number, outputRate: number): number[] {
  if (inputRate === outputRate) return [];
  if (fits(inputRate, outputRate)) return [outputRate];
  const candidates: number[] = [];
  for (let up = 1; up <= 64; up++)
    for (let down = 1; down <= 64; down++) {
      const mid = (inputRate * up) / down;
      // Never narrower than either end: the intermediate stage must not cut the band the output keeps.
      if (Number.isInteger(mid) && mid >= Math.min(inputRate, outputRate) && fits(mid, outputRate))
        candidates.push(mid);
    }
  const mid = candidates.sort((a, b) => a - b)[0];
  if (mid === undefined) throw new RangeError(`no resampling path from ${inputRate} Hz to ${outputRate} Hz`);
  return [mid, outputRate];
}

export function createRateConverter(inputRate: number, outputRate: number): RateConverter {
  const stages: Resampler[] = [];
  let from = inputRate;
  for (const to of stageRates(inputRate, outputRate)) {
    stages.push(new Resampler(from, to));
    from = to;
  }
  return {
    inputRate,
    process: (samples) => stages.reduce((s, stage) => stage.process(s), samples),
    flush: () => {
      let out = new Int16Array(0);
      for (const stage of stages) {
        const passed = out.length > 0 ? stage.process(out) : new Int16Array(0);
        const tail = stage.flush();
        out = new Int16Array(passed.length + tail.length);
        out.set(passed);
        out.set(tail, passed.length);
      }
      return out;
    },
    reset: () => {
      for (const stage of stages) stage.reset();
    },
  };
}
