export { parseCardinal, readNumberRun } from './numbers.ts';
export { MONTH_WORDS, normaliseSpoken } from './spoken.ts';
