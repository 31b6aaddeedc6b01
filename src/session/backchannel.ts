/**
 * Backchannels: what a listener says to show they are listening, not to take the turn. Heard while the agent
 * speaks, they must not interrupt it.
 */
const BACKCHANNEL_WORDS = new Set([
  'mm',
  'mmm',
  'hmm',
  'hm',
  'mhm',
  'uh',
  'huh',
  'um',
  'ah',
  'oh',
  'okay',
  'ok',
  'kay',
  'yeah',
  'yes',
  'yep',
  'yup',
  'right',
  'sure',
  'alright',
  'fine',
  'got',
  'it',
  'i',
  'see',
  'uh-huh',
  'mm-hmm',
  'achha',
  'haan',
  'ji',
  'theek',
  'hai',
]);

/** Words of a partial transcript, lowercase, punctuation dropped. */
const words = (text: string): string[] =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]+/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/** True when every word heard is a backchannel ("okay", "mm hmm", "got it"); false for silence or real words. */
export function isBackchannel(text: string): boolean {
  const heard = words(text);
  return heard.length > 0 && heard.length <= 3 && heard.every((w) => BACKCHANNEL_WORDS.has(w));
}

/** True when the words include something that is not a backchannel: the caller is taking the turn. */
export function hasTurnTakingWords(text: string): boolean {
  const heard = words(text);
  return heard.length > 0 && !isBackchannel(text);
}
