/** The recent-leads panel: a table refreshed after every turn, so a created or updated lead shows at once. */
import { api } from './api.js';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * The most recent leads, newest first (`GET /crm/leads`).
 * @param {number} limit
 * @returns {Promise<import('./types.js').Lead[]>}
 */
async function listRecentLeads(limit) {
  const body = await api(`/crm/leads?limit=${encodeURIComponent(String(limit))}`);
  // The API answers a page `{ leads, total, limit, offset }`; a bare array is accepted too (the seed's mock CRM).
  const leads = Array.isArray(body) ? body : Array.isArray(body?.leads) ? body.leads : [];
  return [...leads].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
}

/**
 * Loads and shows the recent leads; a failure is shown in the panel, never thrown.
 * @param {HTMLElement} root the leads panel
 */
export async function refreshLeads(root) {
  const status = /** @type {HTMLElement} */ (root.querySelector('#leads-status'));
  const table = /** @type {HTMLTableElement} */ (root.querySelector('#leads-table'));
  const body = /** @type {HTMLTableSectionElement} */ (root.querySelector('#leads-body'));
  root.setAttribute('aria-busy', 'true');
  try {
    const leads = await listRecentLeads(20);
    body.replaceChildren(...leads.map(leadRow));
    table.hidden = leads.length === 0;
    status.hidden = leads.length > 0;
    status.textContent = leads.length === 0 ? 'No leads yet.' : '';
  } catch (error) {
    status.hidden = false;
    status.textContent = `Could not load leads: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    root.removeAttribute('aria-busy');
  }
}

/** @param {import('./types.js').Lead} lead */
function leadRow(lead) {
  const row = document.createElement('tr');
  row.dataset.leadId = lead.lead_id;
  const created = new Date(lead.created_at);
  const cells = [
    lead.name,
    lead.phone,
    lead.city,
    lead.source ?? '—',
    lead.status,
    Number.isNaN(created.getTime()) ? lead.created_at : dateFormat.format(created),
  ];
  for (const [index, value] of cells.entries()) {
    const cell = document.createElement(index === 0 ? 'th' : 'td');
    if (index === 0) cell.scope = 'row';
    if (index === 4) {
      const tag = document.createElement('span');
      tag.className = `tag status-${String(value).toLowerCase()}`;
      tag.textContent = String(value);
      cell.append(tag);
    } else {
      cell.textContent = String(value);
    }
    row.append(cell);
  }
  const id = document.createElement('td');
  const code = document.createElement('code');
  code.textContent = lead.lead_id.slice(0, 8);
  code.title = lead.lead_id;
  id.append(code);
  row.append(id);
  return row;
}
