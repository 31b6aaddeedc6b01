/**
 * A fake Slack Web API: `POST /api/chat.postMessage` with a bot token → `{ok:true, channel, ts}`. As Slack does, it
 * answers HTTP 200 with `{ok:false, error}` for a bad token (`invalid_auth`) or an unknown channel
 * (`channel_not_found`).
 */
import { bearer, FakeApiServer } from './messaging-api-server.ts';

export interface SlackPosted {
  channel: string;
  text: string;
  ts: string;
}

export class FakeSlackApi extends FakeApiServer {
  readonly posted: SlackPosted[] = [];

  constructor(token: string, options: { channels?: string[] } = {}) {
    let seq = 1;
    const posted: SlackPosted[] = [];
    super((request) => {
      if (request.path !== '/api/chat.postMessage' || request.method !== 'POST')
        return { status: 404, body: { ok: false, error: 'unknown_method' } };
      if (bearer(request) !== token) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
      const body = request.body as { channel?: string; text?: string };
      if (!body.channel) return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      if (!body.text) return { status: 200, body: { ok: false, error: 'no_text' } };
      if (options.channels && !options.channels.includes(body.channel))
        return { status: 200, body: { ok: false, error: 'channel_not_found' } };
      const ts = `1700000000.${String(seq++).padStart(6, '0')}`;
      posted.push({ channel: body.channel, text: body.text, ts });
      return { status: 200, body: { ok: true, channel: 'C0123456', ts, message: { text: body.text } } };
    });
    this.posted = posted;
  }
}
