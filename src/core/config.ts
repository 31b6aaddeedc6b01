/**
 * Configuration: read once from the environment (and `.env`), validated here, passed in everywhere else.
 * No other module reads `process.env`.
 */
import { z } from 'zod';
import { isValidTimeZone } from './time.ts';

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalUrl = (protocols: RegExp, example: string) =>
  z.preprocess(
    emptyToUndefined,
    z.url({ protocol: protocols, message: `must be a URL like ${example}` }).optional(),
  );

/** An MCP server name: it prefixes its tools' names (`<name>__<tool>`), so it keeps to what model APIs accept. */
const McpServerName = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1–32 letters, digits, _ or -')
  .refine((name) => !name.includes('__'), 'must not contain "__" (it separates server and tool)');
const McpStringMap = z.record(z.string(), z.string()).default({});

const McpStdioServer = z
  .strictObject({
    name: McpServerName,
    command: z.string().min(1, 'must name the program to run'),
    args: z.array(z.string()).default([]),
    env: McpStringMap,
    cwd: z.string().min(1).optional(),
  })
  .transform((s) => ({ ...s, transport: 'stdio' as const }));
const McpHttpServer = z
  .strictObject({
    name: McpServerName,
    url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
    headers: McpStringMap,
  })
  .transform((s) => ({ ...s, transport: 'http' as const }));

/**
 * An external MCP server Rooman's brains may use: a program spoken to over stdio (`command`), or a Streamable HTTP
 * endpoint (`url`). Which one an entry is follows from which of the two it has, so errors name that form's fields.
 */
export const McpServerConfigSchema = z.unknown().transform((entry, ctx) => {
  const isHttp = typeof entry === 'object' && entry !== null && 'url' in entry;
  const parsed = (isHttp ? McpHttpServer : McpStdioServer).safeParse(entry);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});
export type McpServerConfig = z.output<typeof McpServerConfigSchema>;

const McpServersSchema = z
  .array(McpServerConfigSchema)
  .refine((servers) => new Set(servers.map((s) => s.name)).size === servers.length, 'names must be unique');

/** ROOMAN_MCP_SERVERS: a JSON array; each problem is reported with the entry and field it is in. */
const McpServersSetting = z.preprocess(emptyToUndefined, z.string().optional()).transform((text, ctx) => {
  if (text === undefined) return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a JSON array of {name, command, args, env} or {name, url, headers}',
    });
    return z.NEVER;
  }
  if (!Array.isArray(json)) {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON array of servers' });
    return z.NEVER;
  }
  const parsed = McpServersSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const [index, ...fields] = issue.path.map(String);
    const where = index === undefined ? '' : `[${index}]${fields.map((f) => `.${f}`).join('')}: `;
    ctx.addIssue({ code: 'custom', message: `${where}${issue.message}` });
  }
  return z.NEVER;
});

export const ConfigSchema = z.object({
  PORT: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a port number' })
      .int('must be a whole number')
      .min(0)
      .max(65535)
      .default(8000),
  ),
  HOST: z.preprocess(emptyToUndefined, z.string().default('0.0.0.0')),
  ROOMAN_DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  DATABASE_URL: optionalUrl(/^postgres(ql)?$/, 'postgres://user:pass@localhost:5432/rooman'),
  ROOMAN_TZ: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .default('Asia/Kolkata')
      .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Kolkata or Europe/London'),
  ),
  CRM_BASE_URL: optionalUrl(/^https?$/, 'http://localhost:8001'),
  CRM_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** `pretty` for people at a terminal, `json` for log collectors; default: pretty when stdout is a terminal. */
  ROOMAN_LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(['pretty', 'json']).optional()),
  /** Largest request body accepted, in bytes. */
  ROOMAN_BODY_LIMIT: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1024).max(50_000_000).default(1_048_576),
  ),
  /** Whether the CSV logs and terminal blocks of the seed are written (on by default). */
  ROOMAN_CSV_LOGS: z.preprocess(emptyToUndefined, z.enum(['on', 'off']).default('on')),
  /** Where speech models live (`rooman models pull`); default `${ROOMAN_DATA_DIR}/models`. */
  ROOMAN_MODELS_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  /** A mirror serving model release files under their own names, used instead of the publishers' URLs. */
  ROOMAN_MODELS_BASE_URL: optionalUrl(/^https?$/, 'http://mirror.local/models'),
  /** Speech recognition: `sherpa` (best installed model), `sherpa:<model>`, or `none`; default sherpa when a model is installed. */
  ROOMAN_STT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^(none|sherpa(:[A-Za-z0-9._-]+)?)$/, 'must be sherpa, sherpa:<model name> or none')
      .optional(),
  ),
  /** Speech synthesis: `espeak` (built in), `espeak-ng`, `flite`, `festival` (Debian programs), `sherpa[:<model>]`, or `none`. */
  ROOMAN_TTS: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(
        /^(none|espeak|espeak-ng|flite|festival|sherpa(:[A-Za-z0-9._-]+)?)$/,
        'must be espeak, espeak-ng, flite, festival, sherpa, sherpa:<model name> or none',
      )
      .default('espeak'),
  ),
  /** Voice activity detection for calls: `silero` (Silero v5, needs its model) or `energy`; default silero when its model is installed. */
  ROOMAN_VAD: z.preprocess(
    emptyToUndefined,
    z.enum(['energy', 'silero'], { message: 'must be energy or silero' }).optional(),
  ),
  /** Silero's speech probability threshold, 0–1 (default 0.5; higher ignores more noise and soft speech). */
  ROOMAN_VAD_THRESHOLD: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a number between 0.05 and 0.95' })
      .min(0.05, 'must be a number between 0.05 and 0.95')
      .max(0.95, 'must be a number between 0.05 and 0.95')
      .optional(),
  ),
  /** The energy VAD's margin over the noise floor, dB (default 10; higher ignores more noise and soft speech). */
  ROOMAN_VAD_ENERGY_MARGIN_DB: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'must be a number of dB' }).min(3).max(40).optional(),
  ),
  /** Caller silence that ends a turn whose words look finished, ms (default 300). */
  ROOMAN_ENDPOINT_SILENCE_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be milliseconds' })
      .int('must be whole milliseconds')
      .min(100)
      .max(5000)
      .default(300),
  ),
  /** Caller silence that ends a turn stopping inside a phone number, date, name or e-mail, ms (default 1500). */
  ROOMAN_ENDPOINT_INCOMPLETE_SILENCE_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be milliseconds' })
      .int('must be whole milliseconds')
      .min(100)
      .max(10000)
      .default(1500),
  ),
  /** The address callers and providers reach this deployment at (Twilio webhooks, OAuth redirects, iCal links). */
  ROOMAN_PUBLIC_URL: optionalUrl(/^https?$/, 'https://rooman.example.com'),
  /** Key that encrypts stored secrets (OAuth tokens); 32+ characters. Default: a key generated once in the data dir. */
  ROOMAN_SECRET_KEY: z.preprocess(
    emptyToUndefined,
    z.string().min(32, 'must be at least 32 characters').optional(),
  ),
  /** Twilio account (phone calls and SMS); both or neither. */
  TWILIO_ACCOUNT_SID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'must be an account SID like AC followed by 32 hex digits')
      .optional(),
  ),
  TWILIO_AUTH_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be the account auth token').optional(),
  ),
  /** The Twilio number calls and SMS come from, E.164. */
  TWILIO_PHONE_NUMBER: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number like +14155550100')
      .optional(),
  ),
  /** Override of https://api.twilio.com (tests point it at a fake). */
  TWILIO_API_BASE_URL: optionalUrl(/^https?$/, 'https://api.twilio.com'),
  /** How often each instance's dialler looks for due outbound calls (scheduled calls, campaign rows), in ms. */
  ROOMAN_DIALLER_INTERVAL_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ message: 'must be a number of milliseconds' })
      .int()
      .min(100)
      .max(600_000)
      .default(2000),
  ),
  /** Seconds an outbound call rings before it counts as no-answer (Twilio's Timeout). */
  TWILIO_RING_TIMEOUT_S: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'must be a number of seconds' }).int().min(5).max(600).default(30),
  ),
  /** Which brain answers callers: the built-in engine (`local`), Gemini text, Gemini Live speech-to-speech, or any OpenAI-compatible endpoint. */
  ROOMAN_BRAIN: z.preprocess(
    emptyToUndefined,
    z
      .enum(['local', 'gemini', 'gemini-live', 'openai'], {
        message: 'must be local, gemini, gemini-live or openai',
      })
      .default('local'),
  ),
  GEMINI_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Text model used by ROOMAN_BRAIN=gemini. */
  GEMINI_MODEL: z.preprocess(emptyToUndefined, z.string().default('gemini-2.5-flash')),
  /** Speech-to-speech model used by ROOMAN_BRAIN=gemini-live. */
  GEMINI_LIVE_MODEL: z.preprocess(
    emptyToUndefined,
    z.string().default('gemini-2.5-flash-native-audio-preview-12-2025'),
  ),
  GEMINI_VOICE: z.preprocess(emptyToUndefined, z.string().default('Zephyr')),
  /** Override of https://generativelanguage.googleapis.com (tests point it at a fake). */
  GEMINI_BASE_URL: optionalUrl(/^(https?|wss?)$/, 'https://generativelanguage.googleapis.com'),
  /** An OpenAI-compatible chat-completions API: OpenAI, Ollama, vLLM, llama.cpp server… */
  OPENAI_BASE_URL: optionalUrl(/^https?$/, 'http://localhost:11434/v1'),
  /** Optional: local servers such as Ollama need no key. */
  OPENAI_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Model calls (a call opened, then each caller turn) one organisation may make a minute, across instances. */
  ROOMAN_MODEL_CALLS_PER_MINUTE: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ message: 'must be a number' }).int('must be a whole number').min(1).default(120),
  ),
  /** External MCP servers whose tools brains may use: JSON array of {name, command, args, env} or {name, url, headers}. */
  ROOMAN_MCP_SERVERS: McpServersSetting,
  /** Messages (docs/messages.md). E-mail by SMTP: `smtp://user:pass@host:587` or `smtps://…:465`. */
  SMTP_URL: optionalUrl(/^smtps?$/, 'smtp://user:pass@smtp.example.com:587'),
  /** The From of e-mails: `assistant@example.com` or `Rooman <assistant@example.com>`. */
  ROOMAN_EMAIL_FROM: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(
        /^([^<>]*<)?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/,
        'must be an e-mail address, optionally as Name <address>',
      )
      .optional(),
  ),
  /** How e-mail goes out: `smtp` (default when SMTP_URL is set) or `gmail` (the organisation's connected Google account). */
  ROOMAN_EMAIL_VIA: z.preprocess(
    emptyToUndefined,
    z.enum(['smtp', 'gmail'], { message: 'must be smtp or gmail' }).optional(),
  ),
  /** Override of https://gmail.googleapis.com (tests point it at a fake). */
  GMAIL_API_BASE_URL: optionalUrl(/^https?$/, 'https://gmail.googleapis.com'),
  TELEGRAM_BOT_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d+:[A-Za-z0-9_-]+$/, 'must be a bot token like 123456:ABC-DEF (from @BotFather)')
      .optional(),
  ),
  TELEGRAM_API_BASE_URL: optionalUrl(/^https?$/, 'https://api.telegram.org'),
  /** WhatsApp Business Cloud API: a system-user access token and the sending number's id; both or neither. */
  WHATSAPP_TOKEN: z.preprocess(emptyToUndefined, z.string().min(10, 'must be the access token').optional()),
  WHATSAPP_PHONE_NUMBER_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^\d{5,20}$/, 'must be the numeric phone number id')
      .optional(),
  ),
  WHATSAPP_API_BASE_URL: optionalUrl(/^https?$/, 'https://graph.facebook.com'),
  /** Delivery reports (`/whatsapp/webhook`): the Meta app's secret (signatures) and the handshake's verify token. */
  WHATSAPP_APP_SECRET: z.preprocess(
    emptyToUndefined,
    z.string().min(16, 'must be the Meta app secret').optional(),
  ),
  WHATSAPP_VERIFY_TOKEN: z.preprocess(
    emptyToUndefined,
    z.string().min(8, 'must be at least 8 characters').max(256).optional(),
  ),
  SLACK_BOT_TOKEN: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^xox[a-z]-/, 'must be a Slack token like xoxb-…')
      .optional(),
  ),
  SLACK_API_BASE_URL: optionalUrl(/^https?$/, 'https://slack.com'),
  /** Google OAuth client (Calendar sync, Gmail): both or neither. */
  GOOGLE_CLIENT_ID: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  GOOGLE_CLIENT_SECRET: z.preprocess(emptyToUndefined, z.string().min(1).optional()),
  /** Override of Google's OAuth endpoints (`{base}/o/oauth2/v2/auth`, `{base}/token`); tests point it at a fake. */
  GOOGLE_OAUTH_BASE_URL: optionalUrl(/^https?$/, 'https://oauth2.googleapis.com'),
  /** Override of https://www.googleapis.com (Calendar API); tests point it at a fake. */
  GOOGLE_API_BASE_URL: optionalUrl(/^https?$/, 'https://www.googleapis.com'),
});

export type Config = {
  port: number;
  /** Message channels that have an account configured; a channel without one is delivered to the outbox. */
  messaging: MessagingConfig;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  timeZone: string;
  crmBaseUrl: string | undefined;
  crmApiKey: string | undefined;
  logLevel: z.infer<typeof ConfigSchema>['LOG_LEVEL'];
  logFormat: 'pretty' | 'json' | undefined;
  bodyLimit: number;
  csvLogs: boolean;
  modelsDir: string;
  modelsBaseUrl: string | undefined;
  /** `undefined`: use sherpa when a speech model is installed, else none. */
  stt: string | undefined;
  tts: string;
  publicUrl: string | undefined;
  secretKey: string | undefined;
  /** Turn-taking of calls (ROOMAN_VAD*, ROOMAN_ENDPOINT_*). `vad` undefined: silero when its model is installed. */
  voice: {
    vad: 'energy' | 'silero' | undefined;
    vadThreshold: number | undefined;
    energyMarginDb: number | undefined;
    endpointSilenceMs: number;
    endpointIncompleteSilenceMs: number;
  };
  twilio:
    | {
        accountSid: string;
        authToken: string;
        phoneNumber: string | undefined;
        apiBaseUrl: string | undefined;
      }
    | undefined;
  /** Outbound calls: the dialler's tick and how long a call rings (src/calls). */
  outboundCalls: { dialIntervalMs: number; ringTimeoutSeconds: number };
  /** Which brain answers: `local` (built in), `gemini` (text), `gemini-live` (speech-to-speech), `openai` (compatible API). */
  brain: 'local' | 'gemini' | 'gemini-live' | 'openai';
  /** Set when GEMINI_API_KEY is. */
  gemini:
    | { apiKey: string; model: string; liveModel: string; voice: string; baseUrl: string | undefined }
    | undefined;
  /** Set when OPENAI_BASE_URL and OPENAI_MODEL are. */
  openai: { baseUrl: string; apiKey: string | undefined; model: string } | undefined;
  /** Per-organisation budget of model calls a minute (ROOMAN_MODEL_CALLS_PER_MINUTE). */
  modelCallsPerMinute: number;
  /** External MCP servers (ROOMAN_MCP_SERVERS) connected at start-up. */
  mcp: { servers: McpServerConfig[] };
  /** The Google OAuth client, when GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET are set. */
  google:
    | {
        clientId: string;
        clientSecret: string;
        oauthBaseUrl: string | undefined;
        apiBaseUrl: string | undefined;
      }
    | undefined;
};

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Settings whose values are never echoed in an error: keys, tokens, passwords, and the MCP server list (its entries
 * carry headers and env with credentials). Start-up errors end up in logs and CI output.
 */
export function isSecretSetting(key: string): boolean {
  return /(KEY|TOKEN|SECRET|PASSWORD|_SERVERS)$|^(SMTP_URL|DATABASE_URL)$/.test(key);
}

/** Validates the environment; throws a ConfigError naming every bad value at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const key = String(i.path[0] ?? '?');
        const given = env[key];
        const shown =
          given === undefined ? '' : `=${isSecretSetting(key) ? '(hidden)' : JSON.stringify(given)}`;
        return `${key}${shown}: ${i.message}`;
      }),
    );
  }
  const c = parsed.data;
  if ((c.TWILIO_ACCOUNT_SID === undefined) !== (c.TWILIO_AUTH_TOKEN === undefined))
    throw new ConfigError(['TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: set both or neither']);
  if ((c.GOOGLE_CLIENT_ID === undefined) !== (c.GOOGLE_CLIENT_SECRET === undefined))
    throw new ConfigError(['GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET: set both or neither']);
  const brainProblems = brainSettingProblems(c);
  if (brainProblems.length > 0) throw new ConfigError(brainProblems);
  return {
    port: c.PORT,
    host: c.HOST,
    dataDir: c.ROOMAN_DATA_DIR,
    databaseUrl: c.DATABASE_URL,
    timeZone: c.ROOMAN_TZ,
    crmBaseUrl: c.CRM_BASE_URL,
    crmApiKey: c.CRM_API_KEY,
    logLevel: c.LOG_LEVEL,
    logFormat: c.ROOMAN_LOG_FORMAT,
    bodyLimit: c.ROOMAN_BODY_LIMIT,
    csvLogs: c.ROOMAN_CSV_LOGS === 'on',
    modelsDir: c.ROOMAN_MODELS_DIR ?? `${c.ROOMAN_DATA_DIR.replace(/\/+$/, '')}/models`,
    modelsBaseUrl: c.ROOMAN_MODELS_BASE_URL,
    stt: c.ROOMAN_STT,
    tts: c.ROOMAN_TTS,
    publicUrl: c.ROOMAN_PUBLIC_URL?.replace(/\/+$/, ''),
    secretKey: c.ROOMAN_SECRET_KEY,
    voice: {
      vad: c.ROOMAN_VAD,
      vadThreshold: c.ROOMAN_VAD_THRESHOLD,
      energyMarginDb: c.ROOMAN_VAD_ENERGY_MARGIN_DB,
      endpointSilenceMs: c.ROOMAN_ENDPOINT_SILENCE_MS,
      endpointIncompleteSilenceMs: c.ROOMAN_ENDPOINT_INCOMPLETE_SILENCE_MS,
    },
    twilio:
      c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN
        ? {
            accountSid: c.TWILIO_ACCOUNT_SID,
            authToken: c.TWILIO_AUTH_TOKEN,
            phoneNumber: c.TWILIO_PHONE_NUMBER,
            apiBaseUrl: c.TWILIO_API_BASE_URL,
          }
        : undefined,
    outboundCalls: {
      dialIntervalMs: c.ROOMAN_DIALLER_INTERVAL_MS,
      ringTimeoutSeconds: c.TWILIO_RING_TIMEOUT_S,
    },
    brain: c.ROOMAN_BRAIN,
    gemini: c.GEMINI_API_KEY
      ? {
          apiKey: c.GEMINI_API_KEY,
          model: c.GEMINI_MODEL,
          liveModel: c.GEMINI_LIVE_MODEL,
          voice: c.GEMINI_VOICE,
          baseUrl: c.GEMINI_BASE_URL?.replace(/\/+$/, ''),
        }
      : undefined,
    openai:
      c.OPENAI_BASE_URL && c.OPENAI_MODEL
        ? { baseUrl: c.OPENAI_BASE_URL.replace(/\/+$/, ''), apiKey: c.OPENAI_API_KEY, model: c.OPENAI_MODEL }
        : undefined,
    modelCallsPerMinute: c.ROOMAN_MODEL_CALLS_PER_MINUTE,
    mcp: { servers: c.ROOMAN_MCP_SERVERS },
    messaging: messagingConfig(c),
    google:
      c.GOOGLE_CLIENT_ID && c.GOOGLE_CLIENT_SECRET
        ? {
            clientId: c.GOOGLE_CLIENT_ID,
            clientSecret: c.GOOGLE_CLIENT_SECRET,
            oauthBaseUrl: c.GOOGLE_OAUTH_BASE_URL?.replace(/\/+$/, ''),
            apiBaseUrl: c.GOOGLE_API_BASE_URL?.replace(/\/+$/, ''),
          }
        : undefined,
  };
}

export interface MessagingConfig {
  email:
    | {
        via: 'smtp' | 'gmail';
        smtpUrl: string | undefined;
        from: string | undefined;
        gmailApiBaseUrl: string | undefined;
      }
    | undefined;
  telegram: { botToken: string; apiBaseUrl: string | undefined } | undefined;
  whatsapp:
    | {
        token: string;
        phoneNumberId: string;
        apiBaseUrl: string | undefined;
        /** Delivery reports on /whatsapp/webhook, when both are set. */
        webhook: { appSecret: string; verifyToken: string } | undefined;
      }
    | undefined;
  slack: { botToken: string; apiBaseUrl: string | undefined } | undefined;
}

function messagingConfig(c: z.infer<typeof ConfigSchema>): MessagingConfig {
  const problems: string[] = [];
  if ((c.WHATSAPP_TOKEN === undefined) !== (c.WHATSAPP_PHONE_NUMBER_ID === undefined))
    problems.push('WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID: set both or neither');
  if ((c.WHATSAPP_APP_SECRET === undefined) !== (c.WHATSAPP_VERIFY_TOKEN === undefined))
    problems.push('WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN: set both or neither');
  if (c.WHATSAPP_APP_SECRET && !c.WHATSAPP_TOKEN)
    problems.push('WHATSAPP_APP_SECRET: delivery reports need WhatsApp sending (WHATSAPP_TOKEN) configured');
  const via = c.ROOMAN_EMAIL_VIA ?? (c.SMTP_URL ? 'smtp' : undefined);
  if (via === 'smtp' && !c.SMTP_URL) problems.push('ROOMAN_EMAIL_VIA=smtp needs SMTP_URL');
  if (via === 'smtp' && !c.ROOMAN_EMAIL_FROM)
    problems.push('ROOMAN_EMAIL_FROM: required with SMTP_URL (the From of e-mails)');
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    email: via
      ? { via, smtpUrl: c.SMTP_URL, from: c.ROOMAN_EMAIL_FROM, gmailApiBaseUrl: c.GMAIL_API_BASE_URL }
      : undefined,
    telegram: c.TELEGRAM_BOT_TOKEN
      ? { botToken: c.TELEGRAM_BOT_TOKEN, apiBaseUrl: c.TELEGRAM_API_BASE_URL }
      : undefined,
    whatsapp:
      c.WHATSAPP_TOKEN && c.WHATSAPP_PHONE_NUMBER_ID
        ? {
            token: c.WHATSAPP_TOKEN,
            phoneNumberId: c.WHATSAPP_PHONE_NUMBER_ID,
            apiBaseUrl: c.WHATSAPP_API_BASE_URL,
            webhook:
              c.WHATSAPP_APP_SECRET && c.WHATSAPP_VERIFY_TOKEN
                ? { appSecret: c.WHATSAPP_APP_SECRET, verifyToken: c.WHATSAPP_VERIFY_TOKEN }
                : undefined,
          }
        : undefined,
    slack: c.SLACK_BOT_TOKEN ? { botToken: c.SLACK_BOT_TOKEN, apiBaseUrl: c.SLACK_API_BASE_URL } : undefined,
  };
}

/** A model brain chosen without what it needs fails at start-up, not at the first caller. */
function brainSettingProblems(c: z.infer<typeof ConfigSchema>): string[] {
  const problems: string[] = [];
  if ((c.ROOMAN_BRAIN === 'gemini' || c.ROOMAN_BRAIN === 'gemini-live') && !c.GEMINI_API_KEY)
    problems.push(`GEMINI_API_KEY: required when ROOMAN_BRAIN=${c.ROOMAN_BRAIN}`);
  if (c.ROOMAN_BRAIN === 'openai') {
    if (!c.OPENAI_BASE_URL)
      problems.push('OPENAI_BASE_URL: required when ROOMAN_BRAIN=openai (e.g. http://localhost:11434/v1)');
    if (!c.OPENAI_MODEL) problems.push('OPENAI_MODEL: required when ROOMAN_BRAIN=openai (e.g. gpt-4o-mini)');
  }
  return problems;
}
