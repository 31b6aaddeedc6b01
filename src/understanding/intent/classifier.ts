/**
 * Intent classification: the dialogue-act lexicon for bare acts, then the linear model with its calibrated
 * confidence; an in-scope intent below the model's threshold becomes UNKNOWN, so out-of-scope requests (weather,
 * music, banking…) are not forced into the nearest task.
 */
import type { Intent } from '../../core/understanding.ts';
import { matchDialogueAct } from './dialogue-acts.ts';
import { canonicalise } from './features.ts';
import { type LinearIntentModel, loadIntentModel } from './model.ts';

export interface IntentPrediction {
  intent: Intent;
  /** Calibrated probability that `intent` is right, in [0, 1]. */
  confidence: number;
}

export interface IntentClassifier {
  classify(text: string): IntentPrediction;
}

/** Confidence given to a bare dialogue act matched by the lexicon. */
const LEXICON_CONFIDENCE = 0.98;

export function createIntentClassifier(model: LinearIntentModel = loadIntentModel()): IntentClassifier {
  const probs = new Float64Array(model.labels.length);
  const unknown = model.labels.indexOf('UNKNOWN');
  return {
    classify(text: string): IntentPrediction {
      const canonical = canonicalise(text);
      if (canonical === '') return { intent: 'UNKNOWN', confidence: 1 };
      const act = matchDialogueAct(canonical);
      if (act) return { intent: act, confidence: LEXICON_CONFIDENCE };
      model.probabilitiesOfCanonical(canonical, probs);
      let best = 0;
      for (let c = 1; c < probs.length; c++) if (probs[c]! > probs[best]!) best = c;
      const p = probs[best]!;
      if (best !== unknown && p < model.threshold) {
        // Not sure enough of any task: say UNKNOWN, as confident as the best task was unsure.
        return { intent: 'UNKNOWN', confidence: round3(Math.max(1 - p, unknown >= 0 ? probs[unknown]! : 0)) };
      }
      return { intent: model.labels[best]!, confidence: round3(p) };
    },
  };
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
