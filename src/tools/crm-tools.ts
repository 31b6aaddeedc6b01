/**
 * The CRM tools, named as the seed names its functions: createLead, scheduleVisit, updateLeadStatus, and findLeads
 * to turn a name or an id prefix into a lead. Inputs are the core schemas, so the HTTP API, the bot and models
 * agree on one shape.
 */
import { z } from 'zod';
import { CreateLeadInput, LeadId, ScheduleVisitInput, UpdateLeadStatusInput } from '../core/crm.ts';
import { RoomanError } from '../core/errors.ts';
import { parseIsoWithOffset } from '../core/time.ts';
import { findLeadsByRef } from './lead-lookup.ts';
import { ToolRegistry } from './registry.ts';
import { defineTool } from './tool.ts';

export const createLeadTool = defineTool({
  name: 'createLead',
  description: 'Create a new lead in the CRM with name, phone, city and optional source.',
  input: CreateLeadInput,
  describeCall: (args) => ({ function: 'createLead', method: 'POST', path: '/crm/leads', body: { ...args } }),
  run: async (args, ctx) => ({
    ...(await ctx.crm.createLead(args, { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal })),
  }),
});

export const scheduleVisitTool = defineTool({
  name: 'scheduleVisit',
  description: 'Schedule a site visit for an existing lead at a future date and time.',
  input: ScheduleVisitInput,
  describeCall: (args) => ({
    function: 'scheduleVisit',
    method: 'POST',
    path: '/crm/visits',
    body: { ...args },
  }),
  run: async (args, ctx) => {
    const at = parseIsoWithOffset(args.visit_time);
    if (!at || at.getTime() <= ctx.now.getTime()) {
      throw new RoomanError('VALIDATION_ERROR', 'visit_time: must be a future date and time', {
        field: 'visit_time',
      });
    }
    return {
      ...(await ctx.crm.scheduleVisit(args, { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal })),
    };
  },
});

export const UpdateLeadStatusArgs = z.strictObject({
  lead_id: LeadId.meta({ description: 'The lead to update' }),
  ...UpdateLeadStatusInput.shape,
});

export const updateLeadStatusTool = defineTool({
  name: 'updateLeadStatus',
  description: 'Update the status of a lead (NEW, IN_PROGRESS, FOLLOW_UP, WON or LOST), with optional notes.',
  input: UpdateLeadStatusArgs,
  describeCall: ({ lead_id, ...body }) => ({
    function: 'updateLeadStatus',
    method: 'POST',
    path: `/crm/leads/${lead_id}/status`,
    body,
  }),
  run: async ({ lead_id, ...input }, ctx) => ({
    ...(await ctx.crm.updateLeadStatus(lead_id, input, {
      idempotencyKey: ctx.idempotencyKey,
      signal: ctx.signal,
    })),
  }),
});

export const FindLeadsArgs = z.strictObject({
  query: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .meta({ description: "A lead's name, its id, or the first characters of its id" }),
  limit: z.number().int().min(1).max(20).default(5).meta({ description: 'Most matches to return' }),
});

export const findLeadsTool = defineTool({
  name: 'findLeads',
  description: 'Find leads by name, id or id prefix; use it to get a lead_id before scheduling or updating.',
  input: FindLeadsArgs,
  run: async ({ query, limit }, ctx) => {
    const match = await findLeadsByRef(ctx.crm, query, { limit, signal: ctx.signal });
    if (match.kind === 'found') return { matches: [match.lead], total: 1 };
    if (match.kind === 'many') return { matches: match.leads, total: match.total };
    return { matches: [], total: 0 };
  },
});

/** The tools every CRM-capable brain gets. */
export function crmTools(registry = new ToolRegistry()): ToolRegistry {
  return registry
    .register(createLeadTool)
    .register(scheduleVisitTool)
    .register(updateLeadStatusTool)
    .register(findLeadsTool);
}
