/**
 * The CRM as the brain sees it during a voice turn: the organisation's real gateway, with every call reported to
 * the session (tool.started / tool.result, the transcript's tool entries, the turn's tool time). Wrapping the port
 * keeps the Brain interface unchanged: any brain that uses the CRM is observed the same way.
 */
import type { CrmGateway } from '../core/crm.ts';

export interface ToolObserver {
  started(name: string, args: unknown): void;
  finished(name: string, args: unknown, outcome: { result?: unknown; error?: Error }, ms: number): void;
}

export function observedCrm(crm: CrmGateway, observer: ToolObserver, now: () => number): CrmGateway {
  async function call<T>(name: string, args: unknown, run: () => Promise<T>): Promise<T> {
    observer.started(name, args);
    const started = now();
    try {
      const result = await run();
      observer.finished(name, args, { result }, now() - started);
      return result;
    } catch (error) {
      observer.finished(name, args, { error: error as Error }, now() - started);
      throw error;
    }
  }
  return {
    createLead: (input, options) => call('createLead', input, () => crm.createLead(input, options)),
    scheduleVisit: (input, options) => call('scheduleVisit', input, () => crm.scheduleVisit(input, options)),
    updateLeadStatus: (leadId, input, options) =>
      call('updateLeadStatus', { lead_id: leadId, ...input }, () =>
        crm.updateLeadStatus(leadId, input, options),
      ),
    getLead: (leadId, options) => call('getLead', { lead_id: leadId }, () => crm.getLead(leadId, options)),
    listLeads: (query, options) => call('listLeads', query, () => crm.listLeads(query, options)),
  };
}
