/**
 * sendMessage: one message on one channel, declared from SendMessageInput. The registry validates the recipient
 * against the channel first (e-mail for email, a phone for whatsapp/sms, a handle or chat id for telegram/slack),
 * so a bad address is a VALIDATION_ERROR on `to` and nothing is queued.
 */
import { RoomanError } from '../core/errors.ts';
import { SendMessageInput } from '../core/messages.ts';
import { ToolRegistry } from './registry.ts';
import { defineTool } from './tool.ts';

export const sendMessageTool = defineTool({
  name: 'sendMessage',
  description:
    "Send a message by email, whatsapp, telegram, sms or slack. `to` must be an address for that channel (find a lead's phone with findLeads).",
  input: SendMessageInput,
  run: async (args, ctx) => {
    if (!ctx.messages) throw new RoomanError('INTERNAL_ERROR', 'No message channel is configured');
    const sent = await ctx.messages.send(args, { idempotencyKey: ctx.idempotencyKey, signal: ctx.signal });
    return { ...sent, channel: args.channel, to: args.to };
  },
});

export function messageTools(registry = new ToolRegistry()): ToolRegistry {
  return registry.register(sendMessageTool);
}
