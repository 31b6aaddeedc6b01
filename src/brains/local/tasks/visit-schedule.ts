import { leadName, type TaskDefinition } from '../task.ts';

export const visitScheduleTask: TaskDefinition = {
  intent: 'VISIT_SCHEDULE',
  tool: 'scheduleVisit',
  capability: 'schedule a site visit',
  example: 'Schedule a visit for Rohan tomorrow at 3 PM',
  slots: [
    {
      name: 'lead_id',
      kind: 'lead',
      required: true,
      label: 'lead',
      ask: () => 'Which lead is the visit for? Tell me their name or lead reference.',
    },
    {
      name: 'visit_time',
      kind: 'datetime',
      required: true,
      label: 'visit time',
      ask: (s, say) => {
        const day = s['visit_time:day'];
        return day
          ? `At what time on ${say.date(day)}?`
          : `When should ${leadName(s)} visit? Tell me the day and time.`;
      },
    },
    { name: 'notes', kind: 'notes', required: false, label: 'notes', ask: () => 'Any notes for the visit?' },
  ],
  done: ({ slots }, say) =>
    `Done. Site visit for ${leadName(slots)} booked for ${say.dateTime(slots.visit_time!)}.`,
  leadAfter: ({ slots }) => ({ lead_id: slots.lead_id!, name: leadName(slots) }),
  outcome: ({ slots }) => `scheduled a visit for ${leadName(slots)} at ${slots.visit_time}`,
};
