/**
 * `rooman chat`: the seed's terminal bot. Prints the banner (CRM functions and example commands), then reads one
 * message a line at `message >`, prints the spoken reply and the structured JSON of the turn; `q` quits. Works at a
 * terminal and with piped input (the line is echoed so the transcript reads like a conversation).
 */
import { createInterface } from 'node:readline';
import type { BotHandler } from '../../channels/text/bot-service.ts';
import { isRoomanError } from '../../core/errors.ts';

export interface ChatDeps {
  bot: BotHandler;
  orgId: string;
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  /** Shown as "CRM Server: …" (a URL, or "built-in"). */
  crmLabel?: string;
}

const RULE = '='.repeat(60);
const THIN = '-'.repeat(60);

export const CHAT_BANNER = [
  RULE,
  '  Rooman - CRM Voice Bot (text chat)',
  RULE,
  '',
  'CRM Functions Available:',
  '  1. createLead(name, phone, city, source)',
  '     - Create a new lead in the CRM system',
  '',
  '  2. scheduleVisit(lead_id, visit_time, notes)',
  '     - Schedule a visit for an existing lead',
  '',
  '  3. updateLeadStatus(lead_id, status, notes)',
  '     - Update lead status (NEW|IN_PROGRESS|FOLLOW_UP|WON|LOST)',
  '',
  THIN,
  'Example Voice Commands:',
  THIN,
  "  • 'Add a new lead: Rohan Sharma from Gurgaon,",
  "     phone 9876543210, source Instagram'",
  '',
  "  • 'Schedule a visit for lead [UUID]",
  "     at 2025-10-05T15:00:00+05:30'",
  '',
  "  • 'Update lead [UUID] to in progress'",
  THIN,
].join('\n');

const USAGE = `Usage: rooman chat [--session ID] [--quiet]

Talk to the bot in the terminal; type q to quit.
  --session ID   continue an earlier conversation
  --quiet        no banner
`;

const QUIT = new Set(['q', 'quit', 'exit']);

/** Runs the chat until `q` or the end of input; returns the exit code. */
export async function runChatCommand(argv: string[], deps: ChatDeps): Promise<number> {
  const { output } = deps;
  const write = (text: string) => void output.write(text);
  let sessionId: string | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--session' && argv[i + 1]) sessionId = argv[++i];
    else if (arg.startsWith('--session=')) sessionId = arg.slice('--session='.length);
    else if (arg === '--quiet') quiet = true;
    else if (arg === '--help' || arg === '-h') {
      write(USAGE);
      return 0;
    } else {
      write(`rooman chat: unknown option ${arg}\n\n${USAGE}`);
      return 2;
    }
  }

  if (!quiet) {
    const crm = deps.crmLabel ? `\nCRM Server: ${deps.crmLabel}\n` : '';
    write(`${CHAT_BANNER}\n${crm}\nType 'q' to quit\n\n${RULE}\n\n`);
  }

  const interactive = deps.input.isTTY === true;
  const lines = createInterface({
    input: deps.input,
    output: interactive ? output : undefined,
    terminal: interactive,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const prompt = () => write('message > ');
  prompt();
  try {
    for await (const raw of lines) {
      const line = raw.trim();
      // Piped input is not echoed by a terminal: show it, so the output reads as a conversation.
      if (!interactive) write(`${raw}\n`);
      if (QUIT.has(line.toLowerCase())) break;
      if (line === '') {
        prompt();
        continue;
      }
      try {
        const turn = await deps.bot.handle({ transcript: line, session_id: sessionId }, deps.orgId);
        sessionId = turn.session_id;
        write(`\nbot > ${turn.reply}\n\n${JSON.stringify(turn, null, 2)}\n\n`);
      } catch (error) {
        const body = isRoomanError(error)
          ? error.toJSON()
          : {
              error: {
                type: 'INTERNAL_ERROR',
                details: error instanceof Error ? error.message : String(error),
              },
            };
        write(`\nerror > ${JSON.stringify(body)}\n\n`);
      }
      prompt();
    }
  } finally {
    lines.close();
  }
  write('\nGoodbye!\n');
  return 0;
}
