/** Errors of the speech layer, with a code callers can branch on (the CLI turns them into one-line messages). */
export type SpeechErrorCode =
  | 'UNKNOWN_MODEL'
  | 'MODEL_MISSING'
  | 'MODEL_REFUSED'
  | 'WRONG_MODEL_KIND'
  | 'ENGINE_UNAVAILABLE'
  | 'DOWNLOAD_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'UNPINNED'
  | 'DISK_FULL'
  | 'EXTRACT_FAILED';

export class SpeechError extends Error {
  readonly code: SpeechErrorCode;
  constructor(code: SpeechErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SpeechError';
    this.code = code;
  }
}

export const isSpeechError = (e: unknown, code?: SpeechErrorCode): e is SpeechError =>
  e instanceof SpeechError && (code === undefined || e.code === code);
