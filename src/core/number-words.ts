/**
 * English number words, one table for every part that speaks or listens for numbers: replies read digits and
 * clock times with it, the endpointer knows which words leave a number unfinished, the training generator writes
 * spoken forms. (The understanding normaliser keeps its own word → value map, which also knows ordinals and slips.)
 */

/** 0–19 by value: UNIT_WORDS[7] === 'seven'. */
export const UNIT_WORDS: readonly string[] = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];

/** Tens by their digit: TENS_WORDS[4] === 'forty' (0 and 1 are empty: those are UNIT_WORDS). */
export const TENS_WORDS: readonly string[] = [
  '',
  '',
  'twenty',
  'thirty',
  'forty',
  'fifty',
  'sixty',
  'seventy',
  'eighty',
  'ninety',
];

/** The ten digit words, in order. */
export const DIGIT_WORDS: readonly string[] = UNIT_WORDS.slice(0, 10);
