import type { CreateLeadResult } from '../../../core/crm.ts';
import { possessive, type TaskDefinition } from '../task.ts';

const whose = (name: string | undefined) => (name ? possessive(name) : "the lead's");

export const leadCreateTask: TaskDefinition = {
  intent: 'LEAD_CREATE',
  tool: 'createLead',
  capability: 'add a new lead',
  example: 'Add a new lead Rohan Sharma from Gurgaon, phone 9876543210, source Instagram',
  slots: [
    { name: 'name', kind: 'name', required: true, label: 'name', ask: () => "What's the lead's full name?" },
    {
      name: 'phone',
      kind: 'phone',
      required: true,
      label: 'phone number',
      ask: (s) => `What's ${whose(s.name)} phone number?`,
    },
    {
      name: 'city',
      kind: 'city',
      required: true,
      label: 'city',
      ask: (s) => `Which city is ${s.name ?? 'the lead'} in?`,
    },
    {
      name: 'source',
      kind: 'source',
      required: false,
      label: 'source',
      ask: () => 'Where did this lead come from?',
    },
  ],
  done: ({ slots, output }, say) => {
    const { lead_id } = output as CreateLeadResult;
    return `Done. I've added ${slots.name} from ${slots.city}, phone ${say.phone(slots.phone!)}. Lead reference ${say.leadRef(lead_id)}.`;
  },
  leadAfter: ({ slots, output }) => ({
    lead_id: String(output.lead_id),
    name: slots.name!,
    city: slots.city,
    status: 'NEW',
  }),
  outcome: ({ slots, output }) => `created lead ${slots.name} (${String(output.lead_id).slice(0, 8)})`,
};
