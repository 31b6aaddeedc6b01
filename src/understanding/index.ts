/** The understanding layer's public face: the engine, and the classifier for those who only need intents. */
export { createUnderstandingEngine, type UnderstandingEngineOptions } from './engine.ts';
export { createIntentClassifier, type IntentClassifier, type IntentPrediction } from './intent/classifier.ts';
export { LinearIntentModel, loadIntentModel } from './intent/model.ts';
