import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/core/config.ts';

describe('loadConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8000);
    assert.equal(c.dataDir, './data');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.timeZone, 'Asia/Kolkata');
    assert.equal(c.crmBaseUrl, undefined);
    assert.equal(c.csvLogs, true);
    assert.equal(c.modelsDir, './data/models');
  });

  it('reads every setting given, treating empty values as unset', () => {
    const c = loadConfig({
      PORT: '9001',
      ROOMAN_DATA_DIR: '/srv/rooman/',
      DATABASE_URL: 'postgresql://u:p@db:5432/rooman',
      ROOMAN_TZ: 'Europe/London',
      CRM_BASE_URL: 'https://crm.example.com',
      ROOMAN_CSV_LOGS: 'off',
      LOG_LEVEL: '',
    });
    assert.equal(c.port, 9001);
    assert.equal(c.databaseUrl, 'postgresql://u:p@db:5432/rooman');
    assert.equal(c.timeZone, 'Europe/London');
    assert.equal(c.crmBaseUrl, 'https://crm.example.com');
    assert.equal(c.csvLogs, false);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.modelsDir, '/srv/rooman/models');
  });

  it('names every bad value at once, with what was given', () => {
    assert.throws(
      () =>
        loadConfig({
          PORT: '70000',
          ROOMAN_TZ: 'Asia/Atlantis',
          CRM_BASE_URL: 'ftp://crm',
          LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = error.problems.map((p) => p.split(/[=:]/)[0]);
        assert.deepEqual(keys.sort(), ['CRM_BASE_URL', 'LOG_LEVEL', 'PORT', 'ROOMAN_TZ']);
        assert.match(error.message, /PORT="70000"/);
        assert.match(error.message, /ROOMAN_TZ="Asia\/Atlantis": must be an IANA time zone/);
        return true;
      },
    );
  });
});

describe('loadConfig: public URL, secret key and Twilio', () => {
  it('takes a Twilio account only whole, and trims the public URL', () => {
    const sid = `AC${'a1'.repeat(16)}`;
    const c = loadConfig({
      ROOMAN_PUBLIC_URL: 'https://calls.example.com/',
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'x'.repeat(32),
      TWILIO_PHONE_NUMBER: '+14155550100',
    });
    assert.equal(c.publicUrl, 'https://calls.example.com');
    assert.deepEqual(c.twilio, {
      accountSid: sid,
      authToken: 'x'.repeat(32),
      phoneNumber: '+14155550100',
      apiBaseUrl: undefined,
    });
    assert.throws(() => loadConfig({ TWILIO_ACCOUNT_SID: sid }), /set both or neither/);
    assert.throws(
      () => loadConfig({ TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: 'short', ROOMAN_SECRET_KEY: 'k' }),
      (e: unknown) => e instanceof ConfigError && e.problems.length === 3,
    );
  });
});

describe('loadConfig: the brain', () => {
  it('defaults to the built-in engine with no model settings', () => {
    const c = loadConfig({});
    assert.equal(c.brain, 'local');
    assert.equal(c.gemini, undefined);
    assert.equal(c.openai, undefined);
  });

  it('reads Gemini with its default models and voice', () => {
    const c = loadConfig({
      ROOMAN_BRAIN: 'gemini',
      GEMINI_API_KEY: 'k-1',
      GEMINI_BASE_URL: 'http://127.0.0.1:9/',
    });
    assert.equal(c.brain, 'gemini');
    assert.deepEqual(c.gemini, {
      apiKey: 'k-1',
      model: 'gemini-2.5-flash',
      liveModel: 'gemini-2.5-flash-native-audio-preview-12-2025',
      voice: 'Zephyr',
      baseUrl: 'http://127.0.0.1:9',
    });
    const live = loadConfig({
      ROOMAN_BRAIN: 'gemini-live',
      GEMINI_API_KEY: 'k-2',
      GEMINI_LIVE_MODEL: 'gemini-3.1-flash-live-preview',
      GEMINI_VOICE: 'Puck',
    });
    assert.equal(live.brain, 'gemini-live');
    assert.equal(live.gemini?.liveModel, 'gemini-3.1-flash-live-preview');
    assert.equal(live.gemini?.voice, 'Puck');
  });

  it('reads the per-organisation model-call budget (default 120 a minute) and refuses a bad one', () => {
    assert.equal(loadConfig({}).modelCallsPerMinute, 120);
    assert.equal(loadConfig({ ROOMAN_MODEL_CALLS_PER_MINUTE: '30' }).modelCallsPerMinute, 30);
    assert.throws(
      () => loadConfig({ ROOMAN_MODEL_CALLS_PER_MINUTE: '0' }),
      /ROOMAN_MODEL_CALLS_PER_MINUTE="0"/,
    );
  });

  it('reads an OpenAI-compatible endpoint, the key optional (Ollama needs none)', () => {
    const c = loadConfig({
      ROOMAN_BRAIN: 'openai',
      OPENAI_BASE_URL: 'http://localhost:11434/v1/',
      OPENAI_MODEL: 'qwen2.5:7b',
    });
    assert.equal(c.brain, 'openai');
    assert.deepEqual(c.openai, {
      baseUrl: 'http://localhost:11434/v1',
      apiKey: undefined,
      model: 'qwen2.5:7b',
    });
  });

  it('fails at start-up when the chosen brain lacks its settings', () => {
    assert.throws(
      () => loadConfig({ ROOMAN_BRAIN: 'gemini' }),
      (e: unknown) =>
        e instanceof ConfigError && /GEMINI_API_KEY: required when ROOMAN_BRAIN=gemini/.test(e.message),
    );
    assert.throws(() => loadConfig({ ROOMAN_BRAIN: 'gemini-live' }), /GEMINI_API_KEY: required/);
    assert.throws(
      () => loadConfig({ ROOMAN_BRAIN: 'openai', OPENAI_API_KEY: 'sk' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.length === 2 &&
        /OPENAI_BASE_URL: required/.test(e.message) &&
        /OPENAI_MODEL: required/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ ROOMAN_BRAIN: 'claude' }),
      /ROOMAN_BRAIN="claude": must be local, gemini/,
    );
    assert.throws(() => loadConfig({ OPENAI_BASE_URL: 'localhost:11434' }), /OPENAI_BASE_URL/);
  });
});

describe('loadConfig: external MCP servers', () => {
  it('has none by default, and reads stdio and Streamable HTTP entries with their defaults', () => {
    assert.deepEqual(loadConfig({}).mcp, { servers: [] });
    const c = loadConfig({
      ROOMAN_MCP_SERVERS: JSON.stringify([
        { name: 'files', command: 'node', args: ['files-server.js'], env: { ROOT: '/srv' } },
        { name: 'search', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t' } },
        { name: 'bare', command: 'mcp-bare' },
      ]),
    });
    assert.deepEqual(c.mcp.servers, [
      {
        name: 'files',
        command: 'node',
        args: ['files-server.js'],
        env: { ROOT: '/srv' },
        transport: 'stdio',
      },
      {
        name: 'search',
        url: 'https://mcp.example.com/mcp',
        headers: { Authorization: 'Bearer t' },
        transport: 'http',
      },
      { name: 'bare', command: 'mcp-bare', args: [], env: {}, transport: 'stdio' },
    ]);
  });

  it('names the entry and field of every problem', () => {
    const problems = (value: string) => {
      try {
        loadConfig({ ROOMAN_MCP_SERVERS: value });
      } catch (e) {
        if (e instanceof ConfigError) return e.problems.join('\n');
      }
      return 'accepted';
    };
    assert.match(problems('not json'), /ROOMAN_MCP_SERVERS=.*must be a JSON array/);
    assert.match(problems('{"name":"a"}'), /must be a JSON array of servers/);
    assert.match(problems('[{"name":"a b","command":"x"}]'), /\[0\]\.name: must be 1–32 letters/);
    assert.match(problems('[{"name":"a__b","command":"x"}]'), /\[0\]\.name: must not contain "__"/);
    assert.match(
      problems('[{"name":"ok","command":"x"},{"name":"w","url":"ftp://h"}]'),
      /\[1\]\.url: must be an http\(s\) URL/,
    );
    assert.match(problems('[{"name":"a","command":""}]'), /\[0\]\.command: must name the program/);
    assert.match(problems('[{"name":"a","command":"x","bogus":1}]'), /\[0\]: Unrecognized key: "bogus"/);
    assert.match(
      problems('[{"name":"a","command":"x"},{"name":"a","url":"http://h/mcp"}]'),
      /names must be unique/,
    );
  });
});

describe('loadConfig: voice turn-taking', () => {
  it('defaults to the VAD chosen at start (silero when its model loads) and a 300 ms endpoint', () => {
    assert.deepEqual(loadConfig({}).voice, {
      vad: undefined,
      vadThreshold: undefined,
      energyMarginDb: undefined,
      endpointSilenceMs: 300,
      endpointIncompleteSilenceMs: 1500,
    });
  });

  it('reads the VAD, its thresholds and the endpoint silences, and names bad values', () => {
    assert.deepEqual(
      loadConfig({
        ROOMAN_VAD: 'energy',
        ROOMAN_VAD_THRESHOLD: '0.6',
        ROOMAN_VAD_ENERGY_MARGIN_DB: '12',
        ROOMAN_ENDPOINT_SILENCE_MS: '400',
        ROOMAN_ENDPOINT_INCOMPLETE_SILENCE_MS: '2000',
      }).voice,
      {
        vad: 'energy',
        vadThreshold: 0.6,
        energyMarginDb: 12,
        endpointSilenceMs: 400,
        endpointIncompleteSilenceMs: 2000,
      },
    );
    assert.throws(
      () =>
        loadConfig({ ROOMAN_VAD: 'webrtc', ROOMAN_VAD_THRESHOLD: '1.5', ROOMAN_ENDPOINT_SILENCE_MS: '20' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = error.problems.map((p) => p.split(/[=:]/)[0]).sort();
        assert.deepEqual(keys, ['ROOMAN_ENDPOINT_SILENCE_MS', 'ROOMAN_VAD', 'ROOMAN_VAD_THRESHOLD']);
        assert.match(error.message, /ROOMAN_VAD="webrtc": must be energy or silero/);
        return true;
      },
    );
  });
});

describe('loadConfig: message channels', () => {
  it('has none by default: every message goes to the outbox', () => {
    assert.deepEqual(loadConfig({}).messaging, {
      email: undefined,
      telegram: undefined,
      whatsapp: undefined,
      slack: undefined,
    });
  });

  it('reads SMTP, Telegram, WhatsApp and Slack with their base-URL overrides', () => {
    const config = loadConfig({
      SMTP_URL: 'smtp://mailer:pw@127.0.0.1:2525',
      ROOMAN_EMAIL_FROM: 'Rooman <assistant@example.com>',
      TELEGRAM_BOT_TOKEN: '123456:ABC-def_1',
      TELEGRAM_API_BASE_URL: 'http://127.0.0.1:9001',
      WHATSAPP_TOKEN: 'EAAG0123456789',
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      SLACK_BOT_TOKEN: 'xoxb-1-2-3',
    });
    assert.deepEqual(config.messaging, {
      email: {
        via: 'smtp',
        smtpUrl: 'smtp://mailer:pw@127.0.0.1:2525',
        from: 'Rooman <assistant@example.com>',
        gmailApiBaseUrl: undefined,
      },
      telegram: { botToken: '123456:ABC-def_1', apiBaseUrl: 'http://127.0.0.1:9001' },
      whatsapp: {
        token: 'EAAG0123456789',
        phoneNumberId: '106540352242922',
        apiBaseUrl: undefined,
        webhook: undefined,
      },
      slack: { botToken: 'xoxb-1-2-3', apiBaseUrl: undefined },
    });
    assert.equal(loadConfig({ ROOMAN_EMAIL_VIA: 'gmail' }).messaging.email?.via, 'gmail');
  });

  it('reads the WhatsApp webhook secret and verify token, both or neither, and only with WhatsApp sending', () => {
    const whatsapp = { WHATSAPP_TOKEN: 'EAAG0123456789', WHATSAPP_PHONE_NUMBER_ID: '106540352242922' };
    const webhook = { WHATSAPP_APP_SECRET: '7f0c2a9d4e8b1f3a6c5d', WHATSAPP_VERIFY_TOKEN: 'verify-me-2026' };
    assert.deepEqual(loadConfig({ ...whatsapp, ...webhook }).messaging.whatsapp?.webhook, {
      appSecret: '7f0c2a9d4e8b1f3a6c5d',
      verifyToken: 'verify-me-2026',
    });
    assert.throws(
      () => loadConfig({ ...whatsapp, WHATSAPP_APP_SECRET: webhook.WHATSAPP_APP_SECRET }),
      /WHATSAPP_APP_SECRET and WHATSAPP_VERIFY_TOKEN: set both or neither/,
    );
    assert.throws(() => loadConfig(webhook), /delivery reports need WhatsApp sending/);
    // The secret is never echoed in the error.
    assert.throws(
      () => loadConfig({ ...whatsapp, ...webhook, WHATSAPP_APP_SECRET: 'short-secret' }),
      (error: Error) =>
        /WHATSAPP_APP_SECRET=\(hidden\)/.test(error.message) && !error.message.includes('short-secret'),
    );
  });

  it('refuses half a WhatsApp account, SMTP without a From, and malformed tokens', () => {
    assert.throws(
      () => loadConfig({ WHATSAPP_TOKEN: 'EAAG0123456789' }),
      /WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID/,
    );
    assert.throws(() => loadConfig({ SMTP_URL: 'smtp://h:25' }), /ROOMAN_EMAIL_FROM: required with SMTP_URL/);
    assert.throws(
      () => loadConfig({ TELEGRAM_BOT_TOKEN: 'nope', SLACK_BOT_TOKEN: 'abc', SMTP_URL: 'http://x' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const keys = error.problems.map((p) => p.split(/[=:]/)[0]).sort();
        assert.deepEqual(keys, ['SLACK_BOT_TOKEN', 'SMTP_URL', 'TELEGRAM_BOT_TOKEN']);
        return true;
      },
    );
  });
});

describe('loadConfig: Google', () => {
  it('is off by default; reads the OAuth client and the base-URL overrides; refuses half a client', () => {
    assert.equal(loadConfig({}).google, undefined);
    assert.deepEqual(
      loadConfig({
        GOOGLE_CLIENT_ID: 'id.apps.googleusercontent.com',
        GOOGLE_CLIENT_SECRET: 'shh',
        GOOGLE_OAUTH_BASE_URL: 'http://127.0.0.1:9100/',
        GOOGLE_API_BASE_URL: 'http://127.0.0.1:9100',
      }).google,
      {
        clientId: 'id.apps.googleusercontent.com',
        clientSecret: 'shh',
        oauthBaseUrl: 'http://127.0.0.1:9100',
        apiBaseUrl: 'http://127.0.0.1:9100',
      },
    );
    assert.throws(() => loadConfig({ GOOGLE_CLIENT_ID: 'id' }), /GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
    assert.throws(() => loadConfig({ GOOGLE_API_BASE_URL: 'ftp://x' }), /GOOGLE_API_BASE_URL/);
  });
});

describe('loadConfig: outbound calls', () => {
  it('has a 2 s dialler tick and 30 s ring time by default; both can be set and are checked', () => {
    assert.deepEqual(loadConfig({}).outboundCalls, { dialIntervalMs: 2000, ringTimeoutSeconds: 30 });
    assert.deepEqual(
      loadConfig({ ROOMAN_DIALLER_INTERVAL_MS: '500', TWILIO_RING_TIMEOUT_S: '20' }).outboundCalls,
      { dialIntervalMs: 500, ringTimeoutSeconds: 20 },
    );
    assert.throws(() => loadConfig({ TWILIO_RING_TIMEOUT_S: '2' }), /TWILIO_RING_TIMEOUT_S/);
    assert.throws(() => loadConfig({ ROOMAN_DIALLER_INTERVAL_MS: 'soon' }), /ROOMAN_DIALLER_INTERVAL_MS/);
  });
});

describe('loadConfig: secrets stay out of error messages', () => {
  it('names a bad secret setting without echoing its value', () => {
    assert.throws(
      () => loadConfig({ TWILIO_AUTH_TOKEN: 'short-tok', TWILIO_ACCOUNT_SID: 'nope', PORT: 'x' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.startsWith('TWILIO_AUTH_TOKEN=(hidden):')) &&
        e.problems.some((p) => p.startsWith('TWILIO_ACCOUNT_SID="nope":')) &&
        e.problems.some((p) => p.startsWith('PORT="x":')) &&
        !e.message.includes('short-tok'),
    );
  });
});
