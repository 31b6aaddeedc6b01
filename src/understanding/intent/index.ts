export { createIntentClassifier, type IntentClassifier, type IntentPrediction } from './classifier.ts';
export { matchDialogueAct } from './dialogue-acts.ts';
export { canonicalise, Featuriser } from './features.ts';
export { DEFAULT_MODEL_URL, LinearIntentModel, loadIntentModel } from './model.ts';
