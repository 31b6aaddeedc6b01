/**
 * The built-in understanding engine: spoken-form normalisation, intent classification, then entity extraction with
 * the intent as a hint (a name in "update Rohan to won" is a lead reference; in "meet Rohan" an attendee).
 * Synchronous and allocation-light: p99 well under 2 ms per utterance.
 */
import type { Understander, Understanding, UnderstandingContext } from '../core/understanding.ts';
import { extractEntitiesOfNormalised, normaliseSpoken } from './entities/index.ts';
import { createIntentClassifier, type IntentClassifier } from './intent/classifier.ts';
import { type LinearIntentModel, loadIntentModel } from './intent/model.ts';

export interface UnderstandingEngineOptions {
  /** A loaded intent model; the committed one (src/understanding/model/intent-model.json) by default. */
  model?: LinearIntentModel;
}

export function createUnderstandingEngine(options: UnderstandingEngineOptions = {}): Understander {
  const classifier: IntentClassifier = createIntentClassifier(options.model ?? loadIntentModel());
  return {
    understand(text: string, context: UnderstandingContext): Understanding {
      // The classifier sees the normalised form ("nine eight seven…" → digits), which it was trained to expect
      // alongside written text; the extractors take the same normalised text, so it is computed once.
      const normalised = normaliseSpoken(text);
      const { intent, confidence } = classifier.classify(normalised);
      // Entities are extracted whatever the intent: a bare answer to a slot question ("at 5 pm", "nine eight
      // seven…") is UNKNOWN on its own but is exactly what the dialogue needs.
      const entities = extractEntitiesOfNormalised(normalised, context, intent);
      return { text, intent, confidence, entities };
    },
  };
}
