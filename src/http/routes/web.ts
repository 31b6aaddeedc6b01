/**
 * The web page: every file under `web/` served as it is (no build step), read once at start so a request never
 * touches the disk. `GET /` is `web/index.html`.
 *
 * Caching: the files carry no content hash in their names, so browsers keep them but revalidate every time
 * (`no-cache` + a strong ETag): an upgrade is seen at once, and an unchanged file costs a 304 with no body.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

/**
 * The page talks only to its own origin. `connect-src 'self'` also covers same-origin WebSockets (for the call
 * button); `frame-ancestors` is left out on purpose so the embeddable widget's host pages can frame it.
 */
const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'";

export interface WebAsset {
  /** URL path, e.g. `/js/chat.js`. */
  path: string;
  body: Buffer;
  contentType: string;
  etag: string;
}

export interface WebRoutesOptions {
  /** Folder the page is served from; default the repository's `web/`. */
  root?: string;
}

/** Reads every file under `root` (hidden files left out) into memory, keyed by URL path. */
export function loadWebAssets(root: string): WebAsset[] {
  const assets: WebAsset[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(root, full);
    if (rel.split(sep).some((part) => part.startsWith('.'))) continue;
    const body = readFileSync(full);
    assets.push({
      path: `/${rel.split(sep).join('/')}`,
      body,
      contentType: CONTENT_TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    });
  }
  return assets.sort((a, b) => a.path.localeCompare(b.path));
}

export function registerWebRoutes(app: FastifyInstance, options: WebRoutesOptions = {}): WebAsset[] {
  const assets = loadWebAssets(options.root ?? DEFAULT_WEB_ROOT);
  for (const asset of assets) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => send(asset, request, reply);
    app.get(asset.path, handler);
    if (asset.path === '/index.html') app.get('/', handler);
    // The messages page also answers at /outbox.
    if (asset.path === '/outbox.html') app.get('/outbox', handler);
    // The calendar page (Google connection, subscribe links) also answers at /calendar.
    if (asset.path === '/google.html') app.get('/calendar', handler);
    if (asset.path === '/calls.html') app.get('/calls', handler); // the phone-calls page (web/calls.html)
    if (asset.path === '/dashboard.html') app.get('/dashboard', handler); // charts of /api/stats
  }
  return assets;
}

function send(asset: WebAsset, request: FastifyRequest, reply: FastifyReply) {
  void reply
    .header('content-type', asset.contentType)
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .header('x-content-type-options', 'nosniff');
  if (asset.contentType.startsWith('text/html')) {
    void reply.header('content-security-policy', PAGE_POLICY).header('referrer-policy', 'same-origin');
  }
  if (matchesEtag(request.headers['if-none-match'], asset.etag)) return reply.status(304).send();
  return reply.send(asset.body);
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}
