/**
 * Templates for the follow-ups people send most: a meeting confirmation, a site-visit reminder, a thank-you to a new
 * lead. Each declares its variables as a zod schema (the one check of what a caller gives), and renders a subject
 * and a body; times are given as ISO-8601 with an offset and written out in the organisation's time zone.
 */
import { z } from 'zod';
import { RoomanError } from '../core/errors.ts';
import { parseIsoWithOffset } from '../core/time.ts';
import { toIssues } from '../core/validation.ts';

const text = (max: number) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const instant = z.string().refine((v) => parseIsoWithOffset(v) !== null, {
  message: 'must be an ISO-8601 date and time with offset, e.g. 2025-10-05T15:00:00+05:30',
});

/** "Friday, 19 September 2025 at 3:00 PM" in `tz`. */
export function spokenTime(iso: string, tz: string): string {
  const at = parseIsoWithOffset(iso)!;
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  }).format(at);
  const time = new Intl.DateTimeFormat('en-US', { timeZone: tz, hour: 'numeric', minute: '2-digit' }).format(
    at,
  );
  return `${day} at ${time}`;
}

interface Template<S extends z.ZodType> {
  description: string;
  variables: S;
  render(v: z.output<S>, tz: string): { subject: string; body: string };
}

const template = <S extends z.ZodType>(t: Template<S>) => t;

export const TEMPLATES = {
  meeting_confirmation: template({
    description: 'Confirms a meeting: what, when, where.',
    variables: z.strictObject({
      name: text(100),
      title: text(200),
      start: instant,
      location: text(300).optional(),
      sender: text(100).optional(),
    }),
    render: (v, tz) => {
      const when = spokenTime(v.start, tz);
      return {
        subject: `Confirmed: ${v.title} on ${when}`,
        body: [
          `Hi ${v.name},`,
          '',
          `This confirms ${v.title} on ${when}${v.location ? ` at ${v.location}` : ''}.`,
          'If the time no longer suits you, just reply and we will find another.',
          '',
          v.sender ? `See you then,\n${v.sender}` : 'See you then.',
        ].join('\n'),
      };
    },
  }),
  visit_reminder: template({
    description: 'Reminds a lead of their site visit.',
    variables: z.strictObject({
      name: text(100),
      visit_time: instant,
      address: text(300).optional(),
      contact_phone: text(40).optional(),
    }),
    render: (v, tz) => {
      const when = spokenTime(v.visit_time, tz);
      return {
        subject: `Reminder: your site visit on ${when}`,
        body: [
          `Hi ${v.name}, a reminder of your site visit on ${when}${v.address ? ` at ${v.address}` : ''}.`,
          v.contact_phone
            ? `If you need to change it, call us on ${v.contact_phone}.`
            : 'If you need to change it, just reply to this message.',
        ].join(' '),
      };
    },
  }),
  lead_thank_you: template({
    description: 'Thanks a new lead for their interest.',
    variables: z.strictObject({
      name: text(100),
      company: text(100).optional(),
      agent: text(100).optional(),
    }),
    render: (v) => ({
      subject: `Thank you for your interest${v.company ? ` in ${v.company}` : ''}`,
      body: [
        `Hi ${v.name}, thank you for your interest${v.company ? ` in ${v.company}` : ''}.`,
        `${v.agent ?? 'Our team'} will be in touch shortly to help you with the next steps.`,
      ].join(' '),
    }),
  }),
} as const;

export type TemplateName = keyof typeof TEMPLATES;
export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

export const TemplateRef = z.strictObject({
  name: z.enum(TEMPLATE_NAMES as [TemplateName, ...TemplateName[]], {
    message: `must be one of ${TEMPLATE_NAMES.join(', ')}`,
  }),
  variables: z.record(z.string(), z.unknown()).default({}),
});
export type TemplateRef = z.output<typeof TemplateRef>;

/**
 * Renders template `ref` for an organisation in `tz`; a missing or malformed variable is a VALIDATION_ERROR naming
 * it as `${prefix}variables.<name>`.
 */
export function renderTemplate(
  ref: TemplateRef,
  tz: string,
  prefix = 'template.',
): { subject: string; body: string } {
  const t = TEMPLATES[ref.name] as Template<z.ZodType>;
  const parsed = t.variables.safeParse(ref.variables);
  if (!parsed.success) {
    const issues = toIssues(parsed.error).map((i) => ({ ...i, field: `${prefix}variables.${i.field}` }));
    const first = issues[0]!;
    throw new RoomanError('VALIDATION_ERROR', `${first.field}: ${first.message}`, {
      field: first.field,
      issues,
    });
  }
  return t.render(parsed.data, tz);
}

/** What the API lists: each template with its variables and whether each is required. */
export function describeTemplates() {
  return TEMPLATE_NAMES.map((name) => {
    const t = TEMPLATES[name];
    const shape = (t.variables as z.ZodObject).shape as Record<string, z.ZodType>;
    return {
      name,
      description: t.description,
      variables: Object.entries(shape).map(([key, schema]) => ({
        name: key,
        required: !schema.safeParse(undefined).success,
      })),
    };
  });
}
