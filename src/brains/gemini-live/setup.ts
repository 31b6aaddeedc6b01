/**
 * What a Gemini Live session is opened with (the `setup` message, through the SDK's LiveConnectConfig): the
 * voice, the system instruction carrying the product's rules, the tools from the registry's declarations, both
 * transcriptions, session resumption and context-window compression.
 */
import {
  ActivityHandling,
  Behavior,
  type FunctionDeclaration,
  FunctionResponseScheduling,
  type LiveConnectConfig,
  Modality,
} from '@google/genai';
import { toZonedIso } from '../../core/time.ts';
import type { RealtimeCall } from '../../session/realtime-brain.ts';
import type { ToolDeclaration } from '../../tools/registry.ts';
import { callBrief } from '../call-brief.ts';

/** A current native-audio Live model (protocols.md §1.2: the 2025 live models are shut down). */
export const DEFAULT_LIVE_MODEL = 'gemini-2.5-flash-native-audio-preview-12-2025';
export const DEFAULT_VOICE = 'Zephyr';

/**
 * Tools the model need not wait for: writes and sends, whose result it reads back when it is idle. While one
 * runs the model keeps talking ("I'm saving that now") instead of going silent, which the seed could not do.
 * Look-ups stay blocking: the next sentence depends on their answer.
 */
export const NON_BLOCKING_TOOLS: ReadonlySet<string> = new Set([
  'createLead',
  'scheduleVisit',
  'updateLeadStatus',
  'scheduleMeeting',
  'rescheduleMeeting',
  'cancelMeeting',
  'sendMessage',
]);

/** Gemini 3.1 Flash Live calls functions synchronously only (protocols.md §1.2). */
export const supportsAsyncTools = (model: string): boolean => !/gemini-3\.1-flash-live/.test(model);

export type ToolBehavior = 'BLOCKING' | 'NON_BLOCKING';

export function toolBehavior(model: string, name: string, nonBlocking = NON_BLOCKING_TOOLS): ToolBehavior {
  return supportsAsyncTools(model) && nonBlocking.has(name) ? 'NON_BLOCKING' : 'BLOCKING';
}

/**
 * When the answer of a non-blocking call is spoken: a failure at once (the caller is asked while the subject is
 * fresh), a success once the model has finished its sentence.
 */
export function schedulingFor(response: Record<string, unknown>): FunctionResponseScheduling {
  return 'error' in response ? FunctionResponseScheduling.INTERRUPT : FunctionResponseScheduling.WHEN_IDLE;
}

export function functionDeclarations(
  tools: ToolDeclaration[],
  model: string,
  nonBlocking = NON_BLOCKING_TOOLS,
): FunctionDeclaration[] {
  return tools.map((t) => {
    // The registry's JSON Schema is the tool's zod schema: the same the APIs and the built-in engine validate with.
    const { $schema: _drop, ...schema } = t.parameters;
    const behavior = toolBehavior(model, t.name, nonBlocking);
    return {
      name: t.name,
      description: t.description,
      parametersJsonSchema: schema,
      ...(supportsAsyncTools(model)
        ? { behavior: behavior === 'NON_BLOCKING' ? Behavior.NON_BLOCKING : Behavior.BLOCKING }
        : {}),
    };
  });
}

/** The seed's rules for a voice agent, with the organisation's zone and the time now. */
export function systemInstruction(
  call: Pick<RealtimeCall, 'timeZone' | 'now'> & Partial<Pick<RealtimeCall, 'call' | 'greeting'>>,
): string {
  const now = toZonedIso(call.now, call.timeZone);
  // The greeting is the model's own first words (asked for by `openingTurn`), so it is not "said" yet here.
  const { greeting: _said, ...info } = call.call ?? { channel: '' };
  const brief = callBrief(call.call ? info : undefined);
  return [
    'You are Rooman, the voice assistant of a real-estate sales team, talking with a caller on a live call.',
    `The business time zone is ${call.timeZone}; it is now ${now} there.`,
    'Rules:',
    '- Keep every reply short and spoken: one or two sentences, no lists, no markdown.',
    '- Say phone numbers digit by digit ("nine eight seven six five…"), never as large numbers; read them back the same way.',
    `- Give tools every date and time as ISO-8601 with the business time zone's offset, for example ${now}; resolve "tomorrow at 3" against the time now, and only use times in the future.`,
    '- Before you create, update, schedule, cancel or send anything, read the details back and act only after the caller says yes.',
    '- After creating a lead or scheduling a visit, read back the lead reference: the first eight characters of the lead id, one character at a time.',
    '- If you do not know a lead id, find it with findLeads by name; if several match, ask which one.',
    '- When a tool answers with an error, tell the caller plainly what was wrong (for example that the phone number is not valid) and ask for the corrected detail; never invent a value.',
    '- While a tool is still running, tell the caller you are on it; do not say it is done until its answer arrives.',
    ...(brief.length > 0 ? ['', ...brief] : []),
    ...(call.greeting
      ? [
          '',
          `You speak first: open the call with exactly these words: "${call.greeting}". Never greet the caller twice.`,
        ]
      : []),
  ].join('\n');
}

/**
 * The turn that makes the model speak first (protocols.md §1.5.2: a `clientContent` turn with `turnComplete`
 * starts a generation): sent once, right after the first `setupComplete` of a call, never on a reconnect.
 */
export function openingTurn(call: Pick<RealtimeCall, 'greeting'>): {
  turns: Array<{ role: 'user'; parts: Array<{ text: string }> }>;
  turnComplete: true;
} | null {
  if (!call.greeting) return null;
  return {
    turns: [
      {
        role: 'user',
        parts: [{ text: `(The call has just connected.) Greet the caller now with: "${call.greeting}"` }],
      },
    ],
    turnComplete: true,
  };
}

export interface SetupOptions {
  model: string;
  voice: string;
  languageCode?: string;
  /** Compress (sliding window) past this many tokens: calls longer than the 15-minute audio limit go on. */
  compressionTriggerTokens: number;
  compressionTargetTokens: number;
  nonBlocking?: ReadonlySet<string>;
}

export function liveConnectConfig(
  call: RealtimeCall,
  options: SetupOptions,
  resumeHandle: string | null,
): LiveConnectConfig {
  return {
    responseModalities: [Modality.AUDIO],
    speechConfig: {
      voiceConfig: { prebuiltVoiceConfig: { voiceName: options.voice } },
      ...(options.languageCode ? { languageCode: options.languageCode } : {}),
    },
    systemInstruction: systemInstruction(call),
    ...(call.tools.length > 0
      ? {
          tools: [
            { functionDeclarations: functionDeclarations(call.tools, options.model, options.nonBlocking) },
          ],
        }
      : {}),
    realtimeInputConfig: {
      automaticActivityDetection: { disabled: false },
      activityHandling: ActivityHandling.START_OF_ACTIVITY_INTERRUPTS,
    },
    inputAudioTranscription: {},
    outputAudioTranscription: {},
    // `{}` asks for handles from the start; `{handle}` resumes the conversation where the last socket left it.
    sessionResumption: resumeHandle ? { handle: resumeHandle } : {},
    contextWindowCompression: {
      triggerTokens: String(options.compressionTriggerTokens),
      slidingWindow: { targetTokens: String(options.compressionTargetTokens) },
    },
  };
}
