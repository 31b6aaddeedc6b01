/**
 * A fake Telegram Bot API: `POST /bot<token>/sendMessage` with `{chat_id, text}` → `{ok:true, result:{message_id,
 * chat, text}}`; a wrong token is 401 `{ok:false, error_code:401, description:"Unauthorized"}`, an unknown chat 400
 * "Bad Request: chat not found", as Telegram answers.
 */
import { FakeApiServer } from './messaging-api-server.ts';

export interface TelegramSent {
  chat_id: string | number;
  text: string;
  message_id: number;
}

export class FakeTelegramApi extends FakeApiServer {
  readonly sent: TelegramSent[] = [];

  constructor(token: string, options: { unknownChats?: (string | number)[] } = {}) {
    let nextId = 100;
    const sent: TelegramSent[] = [];
    super((request) => {
      const match = /^\/bot([^/]+)\/sendMessage$/.exec(request.path);
      if (!match || request.method !== 'POST')
        return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
      if (match[1] !== token)
        return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
      const body = request.body as { chat_id?: string | number; text?: string };
      if (body.chat_id === undefined || !body.text)
        return {
          status: 400,
          body: { ok: false, error_code: 400, description: 'Bad Request: message text is empty' },
        };
      if (options.unknownChats?.includes(body.chat_id))
        return {
          status: 400,
          body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' },
        };
      const message_id = nextId++;
      sent.push({ chat_id: body.chat_id, text: body.text, message_id });
      return {
        status: 200,
        body: { ok: true, result: { message_id, chat: { id: body.chat_id }, date: 0, text: body.text } },
      };
    });
    this.sent = sent;
  }
}
