/**
 * A fake WhatsApp Business Cloud API: `POST /<version>/<phone-number-id>/messages` with a bearer token and a text
 * message → `{messaging_product, contacts:[{input, wa_id}], messages:[{id:"wamid…"}]}`. A wrong token is 401 with
 * Graph's `{error:{code:190, type:"OAuthException"}}`; a malformed body is 400 `{error:{code:100}}`.
 */
import { bearer, FakeApiServer } from './messaging-api-server.ts';

export interface WhatsAppSent {
  to: string;
  body: string;
  id: string;
}

export class FakeWhatsAppApi extends FakeApiServer {
  readonly sent: WhatsAppSent[] = [];

  constructor(options: { token: string; phoneNumberId: string }) {
    let nextId = 1;
    const sent: WhatsAppSent[] = [];
    super((request) => {
      const match = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(request.path);
      if (!match || request.method !== 'POST' || match[1] !== options.phoneNumberId)
        return {
          status: 400,
          body: { error: { message: 'Unsupported post request', type: 'GraphMethodException', code: 100 } },
        };
      if (bearer(request) !== options.token)
        return {
          status: 401,
          body: {
            error: { message: 'Error validating access token', type: 'OAuthException', code: 190 },
          },
        };
      const body = request.body as {
        messaging_product?: string;
        to?: string;
        type?: string;
        text?: { body?: string };
      };
      if (
        body.messaging_product !== 'whatsapp' ||
        body.type !== 'text' ||
        !body.text?.body ||
        !/^\d{8,15}$/.test(body.to ?? '')
      )
        return {
          status: 400,
          body: { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100 } },
        };
      const id = `wamid.FAKE${String(nextId++).padStart(6, '0')}`;
      sent.push({ to: body.to!, body: body.text.body, id });
      return {
        status: 200,
        body: {
          messaging_product: 'whatsapp',
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id }],
        },
      };
    });
    this.sent = sent;
  }
}
