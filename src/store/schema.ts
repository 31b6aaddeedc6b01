/**
 * The database as Kysely sees it: one interface per table, every table org-scoped. Migrations in ./migrations/
 * create exactly this; a new migration that adds a table adds its interface here too.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { LeadStatus, VisitStatus } from '../core/crm.ts';

/** `timestamptz`: read as a Date (both drivers parse it), written as a Date or ISO text. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface OrganisationTable {
  id: Generated<string>;
  name: string;
  slug: string;
  time_zone: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface ApiKeyTable {
  org_id: string;
  /** SHA-256 of the key in hex; the key itself is never stored. */
  key_hash: string;
  name: string;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface LeadTable {
  id: string;
  org_id: string;
  name: string;
  /** E.164. */
  phone: string;
  city: string;
  source: string | null;
  status: LeadStatus;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface VisitTable {
  id: string;
  org_id: string;
  lead_id: string;
  visit_time: Timestamp;
  notes: string | null;
  status: VisitStatus;
  created_at: Timestamp;
}

export interface LeadStatusChangeTable {
  id: string;
  org_id: string;
  lead_id: string;
  old_status: LeadStatus;
  new_status: LeadStatus;
  notes: string | null;
  changed_at: Timestamp;
}

export interface IdempotencyKeyTable {
  org_id: string;
  /** The operation the key belongs to (`crm.createLead`…): one key may be reused across operations. */
  scope: string;
  key: string;
  /** SHA-256 of the validated request, to tell a retry from a different request under the same key. */
  request_hash: string;
  response_status: number;
  /** jsonb: read as a value, written as JSON text. */
  response_body: ColumnType<unknown, string, string>;
  created_at: Timestamp;
}

/** jsonb: read as a value, written as JSON text. */
export type JsonColumn = ColumnType<unknown, string | null | undefined, string | null>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** A phone call leg over Twilio (migration 0008); its status is the furthest one reached. */
export interface CallTable {
  id: string;
  org_id: string;
  direction: 'inbound' | 'outbound';
  /** Twilio's CallSid; null until an outbound call is placed. */
  call_sid: string | null;
  stream_sid: string | null;
  /** E.164 (or `client:<name>` for a Twilio client). */
  from_number: string;
  to_number: string;
  agent: string;
  context: ColumnType<unknown, string | undefined, string>;
  status: string;
  answered_by: string | null;
  duration_seconds: number | null;
  /** The call's transcript (call_sessions.id). */
  session_id: string | null;
  /** The instance bridging the call's audio, and when it last said so: the live registry. */
  instance_id: string | null;
  heartbeat_at: NullableTimestamp;
  error: JsonColumn;
  created_at: Timestamp;
  updated_at: Timestamp;
  answered_at: NullableTimestamp;
  ended_at: NullableTimestamp;
}

/** Every status a call went through, in the order received (callbacks may arrive out of order). */
export interface CallEventTable {
  id: Generated<string>;
  call_id: string;
  org_id: string;
  status: string;
  sequence_number: number | null;
  source: string;
  detail: JsonColumn;
  occurred_at: Timestamp;
  received_at: Timestamp;
}

/** Which organisation and agent answer a dialled number (E.164). */
export interface PhoneNumberTable {
  number: string;
  org_id: string;
  agent: string;
  created_at: Timestamp;
}

/** An organisation's calling agent (migration 0009): greeting, answering-machine behaviour, transfer number. */
export interface AgentTable {
  id: string;
  org_id: string;
  name: string;
  greeting: string | null;
  /** `none` (no detection), `hangup`, or `message` (say voicemail_message, then hang up). */
  voicemail: string;
  voicemail_message: string | null;
  transfer_number: string | null;
  is_default: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** A list of numbers dialled with a concurrency limit in a calling window (migration 0009). */
export interface CampaignTable {
  id: string;
  org_id: string;
  name: string;
  agent: string;
  status: string;
  concurrency: number;
  window_start_min: number;
  window_end_min: number;
  max_attempts: number;
  retry_backoff_s: number;
  retry_on: ColumnType<unknown, string, string>;
  default_time_zone: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
}

/** A call to place: one per campaign row and per scheduled call (migration 0009). */
export interface CallRequestTable {
  id: string;
  org_id: string;
  campaign_id: string | null;
  row_number: number | null;
  to_number: string;
  agent: string;
  context: ColumnType<unknown, string, string>;
  time_zone: string;
  state: string;
  attempts: ColumnType<number, number | undefined, number>;
  due_at: Timestamp;
  claimed_by: string | null;
  claimed_at: NullableTimestamp;
  last_call_id: string | null;
  outcome: string | null;
  last_error: JsonColumn;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** One answered turn of a call and its latencies in ms (migration 0010, src/store/turn-metrics.ts). */
export interface TurnMetricTable {
  id: Generated<string>;
  org_id: string;
  session_id: string;
  channel: string;
  turn: number;
  source: 'speech' | 'text';
  speech_end_to_first_audio_ms: number | null;
  endpoint_silence_ms: number | null;
  stt_final_ms: number | null;
  brain_ms: number;
  tool_ms: number;
  tts_first_chunk_ms: number | null;
  filler: boolean;
  created_at: Timestamp;
}

/** A bigint count as a driver reads it (pg: a string; PGlite: a number); read it with Number(). */
export type TokenCount = string | number | bigint;

/** Tokens of one turn's calls to one model (migration 0011, src/store/model-usage.ts). */
export interface ModelUsageTable {
  id: Generated<string>;
  org_id: string;
  session_id: string;
  channel: string;
  turn: number;
  provider: string;
  model: string;
  calls: ColumnType<number, number | undefined, number>;
  input_tokens: ColumnType<TokenCount, number, number>;
  output_tokens: ColumnType<TokenCount, number, number>;
  cached_tokens: ColumnType<TokenCount | null, number | null, number | null>;
  total_tokens: ColumnType<TokenCount | null, number | null, number | null>;
  created_at: Timestamp;
}

export interface Schema {
  organisations: OrganisationTable;
  api_keys: ApiKeyTable;
  leads: LeadTable;
  visits: VisitTable;
  lead_status_changes: LeadStatusChangeTable;
  idempotency_keys: IdempotencyKeyTable;
  calls: CallTable;
  call_events: CallEventTable;
  phone_numbers: PhoneNumberTable;
  agents: AgentTable;
  campaigns: CampaignTable;
  call_requests: CallRequestTable;
  turn_metrics: TurnMetricTable;
  model_usage: ModelUsageTable;
}

export type LeadRow = Selectable<LeadTable>;
export type NewLeadRow = Insertable<LeadTable>;
export type VisitRow = Selectable<VisitTable>;
export type NewVisitRow = Insertable<VisitTable>;
export type LeadStatusChangeRow = Selectable<LeadStatusChangeTable>;
export type OrganisationRow = Selectable<OrganisationTable>;
