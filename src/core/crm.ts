/**
 * The CRM domain (seed 003): leads, site visits and status changes. These zod schemas are the single source of
 * truth for each shape: they validate the HTTP API, become tool declarations for model brains, and type the code.
 */
import { z } from 'zod';
import { normalisePhone } from './phone.ts';
import { parseIsoWithOffset } from './time.ts';

export const LEAD_STATUSES = ['NEW', 'IN_PROGRESS', 'FOLLOW_UP', 'WON', 'LOST'] as const;
export const LeadStatus = z.enum(LEAD_STATUSES);
export type LeadStatus = z.infer<typeof LeadStatus>;

/** Statuses that close a lead; the bot asks for confirmation before setting them. */
export const CLOSING_STATUSES: readonly LeadStatus[] = ['WON', 'LOST'];

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

/** A phone number as people write it; validated (default region India) and normalised to E.164. */
export const PhoneNumber = z
  .string()
  .max(40, 'must be at most 40 characters')
  .transform((value, ctx) => {
    const phone = normalisePhone(value);
    if (!phone) {
      ctx.addIssue({
        code: 'custom',
        message: 'is not a valid phone number (e.g. 9876543210 or +91 98765 43210)',
      });
      return z.NEVER;
    }
    return phone.e164;
  })
  .meta({ description: 'Phone number; Indian 10-digit mobiles may omit +91. Normalised to E.164.' });

/** An instant written as ISO-8601 with an offset (`2025-10-05T15:00:00+05:30`); kept as the text given. */
export const IsoDateTime = z
  .string()
  .refine((v) => parseIsoWithOffset(v) !== null, {
    message: 'must be an ISO-8601 date and time with offset, e.g. 2025-10-05T15:00:00+05:30',
  })
  .meta({ description: 'ISO-8601 date-time with offset, in the business time zone' });

export const LeadId = z.uuid({ message: 'must be a lead id (uuid)' });

export const CreateLeadInput = z.strictObject({
  name: text(200).meta({ description: "Lead's full name" }),
  phone: PhoneNumber,
  city: text(100).meta({ description: 'City the lead is in' }),
  source: text(100)
    .optional()
    .meta({ description: 'Where the lead came from (Instagram, Website, Referral…)' }),
});
export type CreateLeadInput = z.output<typeof CreateLeadInput>;

export const CreateLeadResult = z.object({ lead_id: z.uuid(), status: z.literal('NEW') });
export type CreateLeadResult = z.infer<typeof CreateLeadResult>;

export const ScheduleVisitInput = z.strictObject({
  lead_id: LeadId,
  visit_time: IsoDateTime,
  notes: z.string().trim().max(2000).optional().meta({ description: 'Notes for the visit' }),
});
export type ScheduleVisitInput = z.output<typeof ScheduleVisitInput>;

export const ScheduleVisitResult = z.object({ visit_id: z.uuid(), status: z.literal('SCHEDULED') });
export type ScheduleVisitResult = z.infer<typeof ScheduleVisitResult>;

export const UpdateLeadStatusInput = z.strictObject({
  status: LeadStatus,
  notes: z.string().trim().max(2000).optional().meta({ description: 'Why the status changed' }),
});
export type UpdateLeadStatusInput = z.output<typeof UpdateLeadStatusInput>;

export const UpdateLeadStatusResult = z.object({ lead_id: z.uuid(), status: LeadStatus });
export type UpdateLeadStatusResult = z.infer<typeof UpdateLeadStatusResult>;

export const VISIT_STATUSES = ['SCHEDULED', 'COMPLETED', 'CANCELLED'] as const;
export const VisitStatus = z.enum(VISIT_STATUSES);
export type VisitStatus = z.infer<typeof VisitStatus>;

/** A lead as the CRM API returns it. `phone` is shown as people write it; `phone_e164` is for machines. */
export const Lead = z.object({
  lead_id: z.uuid(),
  name: z.string(),
  phone: z.string(),
  phone_e164: z.string(),
  city: z.string(),
  source: z.string().nullable(),
  status: LeadStatus,
  created_at: z.string(),
  updated_at: z.string(),
});
export type Lead = z.infer<typeof Lead>;

export const Visit = z.object({
  visit_id: z.uuid(),
  lead_id: z.uuid(),
  lead_name: z.string().optional(),
  visit_time: z.string(),
  notes: z.string().nullable(),
  status: VisitStatus,
  created_at: z.string(),
});
export type Visit = z.infer<typeof Visit>;

export const LeadStatusChange = z.object({
  lead_id: z.uuid(),
  old_status: LeadStatus,
  new_status: LeadStatus,
  notes: z.string().nullable(),
  updated_at: z.string(),
});
export type LeadStatusChange = z.infer<typeof LeadStatusChange>;

const pageParams = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

/** Query string of `GET /crm/leads`. `q` matches the name (case-insensitive substring). */
export const LeadQuery = z.strictObject({
  status: LeadStatus.optional(),
  city: z.string().trim().min(1).optional(),
  source: z.string().trim().min(1).optional(),
  phone: PhoneNumber.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  id_prefix: z
    .string()
    .trim()
    .regex(/^[0-9a-fA-F-]{4,36}$/, 'must be the first 4 or more characters of a lead id')
    .optional(),
  ...pageParams,
});
export type LeadQuery = z.output<typeof LeadQuery>;

/** Query string of `GET /crm/visits`. `from`/`to` bound `visit_time`. */
export const VisitQuery = z.strictObject({
  lead_id: LeadId.optional(),
  status: VisitStatus.optional(),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  ...pageParams,
});
export type VisitQuery = z.output<typeof VisitQuery>;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface WriteOptions {
  /** Makes a retried write safe: the same key with the same body gives the first answer and writes nothing new. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/**
 * What the assistant needs from a CRM, for one organisation. Implemented by the built-in CRM (in process, over the
 * database) and by the HTTP client for any CRM speaking the seed's API. Failures are `RoomanError`s:
 * VALIDATION_ERROR / NOT_FOUND for the caller's mistakes, CRM_ERROR (retriable or not) for the CRM's.
 */
export interface CrmGateway {
  createLead(input: CreateLeadInput, options?: WriteOptions): Promise<CreateLeadResult>;
  scheduleVisit(input: ScheduleVisitInput, options?: WriteOptions): Promise<ScheduleVisitResult>;
  updateLeadStatus(
    leadId: string,
    input: UpdateLeadStatusInput,
    options?: WriteOptions,
  ): Promise<UpdateLeadStatusResult>;
  getLead(leadId: string, options?: { signal?: AbortSignal }): Promise<Lead | null>;
  listLeads(query: Partial<LeadQuery>, options?: { signal?: AbortSignal }): Promise<Page<Lead>>;
}

/** Gives the CRM gateway of one organisation. */
export type CrmGatewayFor = (orgId: string) => CrmGateway;
