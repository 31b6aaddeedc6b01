/**
 * The media-stream wire format: inbound messages are validated (a hand-written fast path for `media`, the zod schema
 * for everything, and the two must agree), outbound `media` messages are valid JSON carrying the exact bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mediaMessageFor, parseInbound, TwilioInboundSchema } from '../../../src/channels/twilio/protocol.ts';

const good = {
  event: 'media',
  sequenceNumber: '3',
  streamSid: 'MZ0123456789abcdef0123456789abcdef',
  media: {
    track: 'inbound',
    chunk: '2',
    timestamp: '20',
    payload: Buffer.alloc(160, 0xff).toString('base64'),
  },
};

/** Every way of bending one field of a good media message, plus whole-message oddities. */
function variants(): unknown[] {
  const values: unknown[] = [
    undefined,
    null,
    '',
    '7',
    '007',
    '1234567890123',
    'x1',
    7,
    true,
    [],
    {},
    'outbound',
    'inbound',
    'both',
    '////',
    'ab==',
    'a=b',
    'a'.repeat(12_000),
    'a'.repeat(12_001),
    'M'.repeat(64),
    'M'.repeat(65),
  ];
  const out: unknown[] = [good, null, [], 'media', { event: 'media' }, { ...good, event: 'mark' }];
  const fields: Array<[string, string | null]> = [
    ['sequenceNumber', null],
    ['streamSid', null],
    ['media', null],
    ['track', 'media'],
    ['chunk', 'media'],
    ['timestamp', 'media'],
    ['payload', 'media'],
  ];
  for (const [field, parent] of fields)
    for (const value of values) {
      const copy = structuredClone(good) as Record<string, unknown> & { media: Record<string, unknown> };
      const target: Record<string, unknown> = parent ? copy.media : copy;
      if (value === undefined) delete target[field];
      else target[field] = value;
      out.push(copy);
    }
  out.push({ ...good, extra: 1, media: { ...good.media, extra: 2 } });
  return out;
}

test('the media fast path accepts exactly what the schema accepts, and builds the same message', () => {
  let accepted = 0;
  for (const candidate of variants()) {
    const text = JSON.stringify(candidate) ?? 'null';
    const fromSchema = TwilioInboundSchema.safeParse(JSON.parse(text));
    const parsed = parseInbound(text);
    assert.equal(parsed.ok, fromSchema.success, `disagree on ${text.slice(0, 120)}`);
    if (parsed.ok && fromSchema.success) {
      assert.deepEqual(parsed.message, fromSchema.data);
      accepted++;
    }
  }
  assert.ok(accepted >= 10, `only ${accepted} variants were valid: the comparison proves little`);
});

test('a bad media message is refused with the field that is wrong', () => {
  const bad = parseInbound(JSON.stringify({ ...good, media: { ...good.media, payload: 'not base64!' } }));
  assert.deepEqual(bad, { ok: false, reason: 'bad "media" message: media.payload must be base64' });
  const noSequence = parseInbound(JSON.stringify({ ...good, sequenceNumber: 5 }));
  assert.equal(noSequence.ok, false);
  assert.match(noSequence.ok ? '' : noSequence.reason, /sequenceNumber/);
  assert.deepEqual(parseInbound('{'), { ok: false, reason: 'not JSON' });
});

test('an outbound media message is JSON with the stream and the exact bytes, base64', () => {
  const bytes = new Uint8Array(480).map((_, i) => (i * 37) & 0xff);
  // A view into a bigger buffer, as the bridge sends (one frame of a chunk): only the view's bytes go out.
  const frame = bytes.subarray(160, 320);
  const sid = 'MZ"quoted"\\sid';
  const message = JSON.parse(mediaMessageFor(sid)(frame));
  assert.deepEqual(message, {
    event: 'media',
    streamSid: sid,
    media: { payload: Buffer.from(frame).toString('base64') },
  });
  assert.deepEqual(new Uint8Array(Buffer.from(message.media.payload, 'base64')), frame);
});
