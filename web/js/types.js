/**
 * Shapes the page receives, for editors and readers (JSDoc only; the server's zod schemas in src/core are the
 * source of truth).
 *
 * @typedef {{ function: string, method: string, path: string, body: Record<string, unknown> }} CrmCall
 * @typedef {{ type: string, details: string }} BotError
 * @typedef {{
 *   session_id: string,
 *   intent: string,
 *   entities: Record<string, unknown>,
 *   crm_call?: CrmCall,
 *   result?: Record<string, unknown>,
 *   reply: string,
 *   awaiting?: string,
 *   error?: BotError,
 * }} BotResponse
 * @typedef {{
 *   lead_id: string, name: string, phone: string, city: string, source: string | null,
 *   status: string, created_at: string,
 * }} Lead
 */
export {};
