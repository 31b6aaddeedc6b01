/**
 * A real HTTP server speaking the seed's CRM API (like the seed's FastAPI mock: 422 with `{detail:[{loc,msg}]}` for
 * bad bodies, 404 `{detail:"Lead not found"}`), with in-memory leads and visits, Idempotency-Key replay, and faults
 * that can be queued: fail with a status, hang, reset the connection, or answer a scripted body.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeCrmLead {
  lead_id: string;
  name: string;
  phone: string;
  city: string;
  source: string | null;
  status: string;
  created_at: string;
}

export interface FakeCrmVisit {
  visit_id: string;
  lead_id: string;
  visit_time: string;
  notes: string | null;
  status: 'SCHEDULED';
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

type Fault =
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface FakeCrmOptions {
  /** When set, requests without this key get 401 (`Authorization: Bearer <key>`, or the bare key in `apiKeyHeader`). */
  apiKey?: string;
  apiKeyHeader?: string;
  /** Answer `GET /crm/leads` with every lead, ignoring filters (as a simpler CRM would). */
  ignoreFilters?: boolean;
  /** Behave like the seed's mock: no `GET /crm/leads/{id}` route, and `GET /crm/leads` a bare array. */
  seedMock?: boolean;
}

const STATUSES = ['NEW', 'IN_PROGRESS', 'FOLLOW_UP', 'WON', 'LOST'];

export class FakeCrmServer {
  readonly requests: RecordedRequest[] = [];
  readonly leads = new Map<string, FakeCrmLead>();
  readonly visits = new Map<string, FakeCrmVisit>();
  readonly #server: Server;
  readonly #options: FakeCrmOptions;
  readonly #faults: Fault[] = [];
  readonly #sockets = new Set<Socket>();
  readonly #replays = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  #url = '';

  private constructor(options: FakeCrmOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  static async start(options: FakeCrmOptions = {}): Promise<FakeCrmServer> {
    const fake = new FakeCrmServer(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.#server.address() as AddressInfo;
    fake.#url = `http://127.0.0.1:${port}`;
    return fake;
  }

  get url(): string {
    return this.#url;
  }

  /** The next `count` requests are answered with `status` (default 503). */
  failNext(count: number, status = 503, headers?: Record<string, string>): void {
    for (let i = 0; i < count; i++) {
      this.#faults.push({ kind: 'status', status, body: { detail: 'Service Unavailable' }, headers });
    }
  }

  /** The next `count` requests get no answer at all. */
  hangNext(count: number): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'hang' });
  }

  /** The next `count` requests have their connection destroyed without an answer. */
  resetNext(count: number): void {
    for (let i = 0; i < count; i++) this.#faults.push({ kind: 'reset' });
  }

  /** The next request is answered with exactly this status and body. */
  answerNext(status: number, body: unknown): void {
    this.#faults.push({ kind: 'status', status, body });
  }

  addLead(lead: Partial<FakeCrmLead> & { name: string }): FakeCrmLead {
    const full: FakeCrmLead = {
      lead_id: randomUUID(),
      phone: '9876543210',
      city: 'Pune',
      source: null,
      status: 'NEW',
      created_at: new Date().toISOString(),
      ...lead,
    };
    this.leads.set(full.lead_id, full);
    return full;
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path === path);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });

    const fault = this.#faults.shift();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      send(res, fault.status, fault.body, fault.headers);
      return;
    }

    if (this.#options.apiKey) {
      const header = (this.#options.apiKeyHeader ?? 'authorization').toLowerCase();
      const expected = header === 'authorization' ? `Bearer ${this.#options.apiKey}` : this.#options.apiKey;
      if (req.headers[header] !== expected) {
        send(res, 401, { detail: 'Invalid API key' });
        return;
      }
    }

    const key = req.headers['idempotency-key'];
    const idempotencyKey = typeof key === 'string' && method === 'POST' ? key : undefined;
    const fingerprint = createHash('sha256').update(`${method} ${url.pathname} ${raw}`).digest('hex');
    if (idempotencyKey) {
      const seen = this.#replays.get(idempotencyKey);
      if (seen) {
        if (seen.fingerprint !== fingerprint) {
          send(res, 422, { detail: 'Idempotency-Key reused with a different request' });
        } else {
          send(res, seen.status, seen.body, { 'idempotent-replayed': 'true' });
        }
        return;
      }
    }

    const [status, answer] = this.#route(method, url, body);
    if (idempotencyKey && status < 500)
      this.#replays.set(idempotencyKey, { fingerprint, status, body: answer });
    send(res, status, answer);
  }

  #route(method: string, url: URL, body: unknown): [number, unknown] {
    const path = url.pathname;
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/crm/leads') {
      const missing = ['name', 'phone', 'city'].filter((f) => typeof b[f] !== 'string' || b[f] === '');
      if (missing.length > 0) return [422, fieldErrors(missing)];
      const lead = this.addLead({
        name: String(b.name),
        phone: String(b.phone),
        city: String(b.city),
        source: typeof b.source === 'string' ? b.source : null,
      });
      return [200, { lead_id: lead.lead_id, status: 'NEW' }];
    }
    if (method === 'POST' && path === '/crm/visits') {
      const missing = ['lead_id', 'visit_time'].filter((f) => typeof b[f] !== 'string');
      if (missing.length > 0) return [422, fieldErrors(missing)];
      if (!this.leads.has(String(b.lead_id))) return [404, { detail: 'Lead not found' }];
      const visit: FakeCrmVisit = {
        visit_id: randomUUID(),
        lead_id: String(b.lead_id),
        visit_time: String(b.visit_time),
        notes: typeof b.notes === 'string' ? b.notes : null,
        status: 'SCHEDULED',
      };
      this.visits.set(visit.visit_id, visit);
      return [200, { visit_id: visit.visit_id, status: 'SCHEDULED' }];
    }
    const statusMatch = /^\/crm\/leads\/([^/]+)\/status$/.exec(path);
    if (method === 'POST' && statusMatch) {
      const lead = this.leads.get(decodeURIComponent(statusMatch[1]!));
      if (!lead) return [404, { detail: 'Lead not found' }];
      if (typeof b.status !== 'string' || !STATUSES.includes(b.status)) return [422, fieldErrors(['status'])];
      lead.status = b.status;
      return [200, { lead_id: lead.lead_id, status: lead.status }];
    }
    if (method === 'GET' && path === '/crm/leads') {
      let items = [...this.leads.values()];
      if (!this.#options.ignoreFilters && !this.#options.seedMock) {
        const q = url.searchParams.get('q')?.toLowerCase();
        const prefix = url.searchParams.get('id_prefix')?.toLowerCase();
        if (q) items = items.filter((l) => l.name.toLowerCase().includes(q));
        if (prefix) items = items.filter((l) => l.lead_id.startsWith(prefix));
      }
      if (this.#options.seedMock) return [200, items];
      return [200, { items, total: items.length, limit: 50, offset: 0 }];
    }
    const leadMatch = /^\/crm\/leads\/([^/]+)$/.exec(path);
    if (method === 'GET' && leadMatch && !this.#options.seedMock) {
      const lead = this.leads.get(decodeURIComponent(leadMatch[1]!));
      return lead ? [200, lead] : [404, { detail: 'Lead not found' }];
    }
    return [404, { detail: 'Not Found' }];
  }
}

function fieldErrors(fields: string[]) {
  return { detail: fields.map((f) => ({ loc: ['body', f], msg: 'Field required', type: 'missing' })) };
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
