/**
 * One error type for the whole product. `type` is the machine-readable kind; the three the bot contract names
 * (VALIDATION_ERROR, CRM_ERROR, PARSING_ERROR) come from the CRM seed, the others map to HTTP statuses.
 */
export const ERROR_TYPES = [
  'VALIDATION_ERROR',
  'CRM_ERROR',
  'PARSING_ERROR',
  'NOT_FOUND',
  'CONFLICT',
  'UNAUTHORIZED',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** The three error kinds the bot's JSON contract may carry (seed 003). */
export type BotErrorType = 'VALIDATION_ERROR' | 'CRM_ERROR' | 'PARSING_ERROR';

export interface ErrorIssue {
  field: string;
  message: string;
}

export interface RoomanErrorOptions {
  /** The input field at fault, when there is one (`phone`, `visit_time`, `lead_id`…). */
  field?: string;
  /** Every problem found, when validation found several. */
  issues?: ErrorIssue[];
  /** HTTP status of an upstream answer (CRM client), when the error came from one. */
  upstreamStatus?: number;
  /** Whether trying the same thing again may succeed (network errors, 5xx, an open circuit). */
  retriable?: boolean;
  cause?: unknown;
}

export class RoomanError extends Error {
  readonly type: ErrorType;
  readonly field: string | undefined;
  readonly issues: ErrorIssue[] | undefined;
  readonly upstreamStatus: number | undefined;
  readonly retriable: boolean;

  constructor(type: ErrorType, details: string, options: RoomanErrorOptions = {}) {
    super(details, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RoomanError';
    this.type = type;
    this.field = options.field;
    this.issues = options.issues;
    this.upstreamStatus = options.upstreamStatus;
    this.retriable = options.retriable ?? false;
  }

  /** The JSON body every API answers errors with: `{ error: { type, details, field?, issues? } }`. */
  toJSON(): ErrorBody {
    const error: ErrorBody['error'] = { type: this.type, details: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.issues !== undefined && this.issues.length > 0) error.issues = this.issues;
    return { error };
  }
}

export interface ErrorBody {
  error: { type: ErrorType; details: string; field?: string; issues?: ErrorIssue[] };
}

export const isRoomanError = (e: unknown): e is RoomanError => e instanceof RoomanError;
