import { CLOSING_STATUSES, type LeadStatus } from '../../../core/crm.ts';
import { leadName, possessive, type TaskDefinition } from '../task.ts';

export const leadUpdateTask: TaskDefinition = {
  intent: 'LEAD_UPDATE',
  tool: 'updateLeadStatus',
  capability: "update a lead's status",
  example: 'Mark Rohan as in progress',
  slots: [
    {
      name: 'lead_id',
      kind: 'lead',
      required: true,
      label: 'lead',
      ask: () => 'Which lead should I update? Tell me their name or lead reference.',
    },
    {
      name: 'status',
      kind: 'status',
      required: true,
      label: 'status',
      ask: (s) =>
        `What should ${possessive(leadName(s))} status be: new, in progress, follow up, won or lost?`,
    },
    { name: 'notes', kind: 'notes', required: false, label: 'notes', ask: () => 'Any notes?' },
  ],
  // Closing a lead is hard to undo by voice: say back who and what, and act only on a yes.
  confirm: (s, say) => {
    const status = s.status as LeadStatus;
    return CLOSING_STATUSES.includes(status)
      ? `Mark ${leadName(s)} as ${say.status(status)}? Say yes to confirm.`
      : null;
  },
  declined: (s) => `Okay, I won't change ${possessive(leadName(s))} status.`,
  done: ({ slots }, say) =>
    `Done. ${leadName(slots)} is now marked as ${say.status(slots.status as LeadStatus)}.`,
  leadAfter: ({ slots }) => ({
    lead_id: slots.lead_id!,
    name: leadName(slots),
    status: slots.status as LeadStatus,
  }),
  outcome: ({ slots }) => `marked ${leadName(slots)} as ${slots.status}`,
};
