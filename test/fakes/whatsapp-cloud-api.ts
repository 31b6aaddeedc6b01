/**
 * A fake WhatsApp Business Cloud API: `POST /<version>/<phone-number-id>/messages` with a bearer token and a text
 * message → `{messaging_product, contacts:[{input, wa_id}], messages:[{id:"wamid…"}]}`. A wrong token is 401 with
 * Graph's `{error:{code:190, type:"OAuthException"}}`; a malformed body is 400 `{error:{code:100}}`.
 *
 * It also plays Meta's side of the webhook: `verifyWebhook` makes the subscription handshake (GET with `hub.mode`,
 * `hub.verify_token`, `hub.challenge`), and `report` posts a delivery report for a sent message the way Meta does
 * (`{object:"whatsapp_business_account", entry:[{id, changes:[{field:"messages", value:{messaging_product, metadata,
 * statuses:[{id, status, timestamp, recipient_id, errors?}]}}]}]}`), signed with `X-Hub-Signature-256: sha256=<HMAC
 * of the raw body with the app secret>`.
 */
import { createHmac } from 'node:crypto';
import { bearer, FakeApiServer } from './messaging-api-server.ts';

/** One status of one sent message, as Meta reports it. */
export interface WhatsAppReport {
  wamid: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  recipient: string;
  errors?: Array<{ code: number; title: string; message?: string; error_data?: { details: string } }>;
}

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
    this.#phoneNumberId = options.phoneNumberId;
  }

  readonly #phoneNumberId: string;

  /** Meta's subscription handshake against `webhookUrl`: the answer's status and text. */
  async verifyWebhook(
    webhookUrl: string,
    verifyToken: string,
    challenge = '1158201444',
  ): Promise<{ status: number; text: string }> {
    const url = new URL(webhookUrl);
    url.searchParams.set('hub.mode', 'subscribe');
    url.searchParams.set('hub.verify_token', verifyToken);
    url.searchParams.set('hub.challenge', challenge);
    const answer = await fetch(url);
    return { status: answer.status, text: await answer.text() };
  }

  /** Posts delivery reports to `webhookUrl`, signed with `appSecret` (null: unsigned). Returns the HTTP status. */
  async report(webhookUrl: string, appSecret: string | null, reports: WhatsAppReport[]): Promise<number> {
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: '102290129340398',
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550783881', phone_number_id: this.#phoneNumberId },
                statuses: reports.map((r) => ({
                  id: r.wamid,
                  status: r.status,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  recipient_id: r.recipient,
                  ...(r.errors ? { errors: r.errors } : {}),
                })),
              },
            },
          ],
        },
      ],
    });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (appSecret !== null)
      headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
    const answer = await fetch(webhookUrl, { method: 'POST', headers, body });
    await answer.arrayBuffer();
    return answer.status;
  }
}
