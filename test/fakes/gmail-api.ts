/**
 * A fake Gmail API: `POST /gmail/v1/users/me/messages/send` with a bearer token and `{raw}` (an RFC 822 message in
 * base64url) → `{id, threadId, labelIds:["SENT"]}`. A token not in `validTokens` gets Google's 401
 * `{error:{code:401, status:"UNAUTHENTICATED"}}`; a missing or unreadable `raw` gets 400.
 */
import { bearer, FakeApiServer, type ParsedMail, parseRfc822 } from './messaging-api-server.ts';

export interface GmailSent extends ParsedMail {
  id: string;
  token: string;
}

export class FakeGmailApi extends FakeApiServer {
  readonly sent: GmailSent[] = [];
  readonly validTokens: Set<string>;

  /** `validTokens`: the access tokens Google would accept now, or a test of one (for tokens another fake issued). */
  constructor(validTokens: string[] | ((token: string) => boolean)) {
    let seq = 1;
    const sent: GmailSent[] = [];
    const tokens = new Set(Array.isArray(validTokens) ? validTokens : []);
    const accepts = (token: string) => (Array.isArray(validTokens) ? tokens.has(token) : validTokens(token));
    super((request) => {
      if (request.path !== '/gmail/v1/users/me/messages/send' || request.method !== 'POST')
        return { status: 404, body: { error: { code: 404, message: 'Not Found', status: 'NOT_FOUND' } } };
      const token = bearer(request);
      if (!token || !accepts(token))
        return {
          status: 401,
          body: {
            error: {
              code: 401,
              message: 'Request had invalid authentication credentials.',
              status: 'UNAUTHENTICATED',
            },
          },
        };
      const raw = (request.body as { raw?: string }).raw;
      if (!raw || !/^[A-Za-z0-9_-]+=*$/.test(raw))
        return {
          status: 400,
          body: {
            error: {
              code: 400,
              message: "'raw' RFC822 payload message string or uploading message via /upload/* URL required",
              status: 'INVALID_ARGUMENT',
            },
          },
        };
      const mail = parseRfc822(Buffer.from(raw, 'base64url').toString('utf8'));
      if (!mail.headers.to)
        return {
          status: 400,
          body: { error: { code: 400, message: 'Invalid To header', status: 'INVALID_ARGUMENT' } },
        };
      const id = `18c${String(seq++).padStart(13, '0')}`;
      sent.push({ ...mail, id, token });
      return { status: 200, body: { id, threadId: id, labelIds: ['SENT'] } };
    });
    this.sent = sent;
    this.validTokens = tokens;
  }
}
