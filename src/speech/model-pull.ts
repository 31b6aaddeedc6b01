/**
 * `rooman models pull`: download a registry model from its publisher's release (or a mirror), verify it, unpack it
 * and install it under `<modelsDir>/<name>/`.
 *
 * - Resumable: the download goes to `<modelsDir>/.downloads/<file>.part`; a second run continues it with an HTTP
 *   Range request (a server that ignores Range makes it start over).
 * - Verified: the archive's sha256 and every installed file's sha256, where the registry pins them; a mismatch
 *   deletes the download and installs nothing. Unpinned entries need `allowUnpinned`.
 * - Unpacked with Debian `tar` (with bzip2 for .tar.bz2): GNU tar refuses member paths with `..` and strips
 *   leading `/`, and only the files the registry names are copied out of the scratch folder.
 * - Atomic: a new model directory appears by one rename of a complete staging folder. When the directory already
 *   exists (say, holding a locally patched encoder), each file is renamed into place and the manifest goes last,
 *   so files the registry does not manage are kept.
 * - Idempotent: an install whose manifest and files match is left alone without touching the network.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { z } from 'zod';
import { SpeechError } from './errors.ts';
import { sha256File } from './model-files.ts';
import { isPinned, type ModelEntry, type ModelFile } from './model-registry.ts';
import { type ProgressSink, silentProgress } from './progress.ts';

export const MANIFEST_FILE = '.rooman-model.json';

const Manifest = z.object({
  name: z.string(),
  source: z.string(),
  installedAt: z.string(),
  files: z.array(z.object({ name: z.string(), sha256: z.string().nullable(), bytes: z.number().nullable() })),
});
type Manifest = z.infer<typeof Manifest>;

export interface PullOptions {
  modelsDir: string;
  /** A mirror holding the release files under their own base names, instead of the publisher's URL. */
  baseUrl?: string;
  allowUnpinned?: boolean;
  progress?: ProgressSink;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

export interface PullResult {
  status: 'installed' | 'already-installed';
  dir: string;
  files: Manifest['files'];
}

/** Where a source URL is fetched from: the publisher's address, or the mirror's address for the same file name. */
export function downloadUrl(officialUrl: string, baseUrl: string | undefined): string {
  if (!baseUrl) return officialUrl;
  return `${baseUrl.replace(/\/+$/, '')}/${basename(new URL(officialUrl).pathname)}`;
}

export async function pullModel(entry: ModelEntry, options: PullOptions): Promise<PullResult> {
  const { modelsDir } = options;
  const target = join(modelsDir, entry.name);
  if (!isPinned(entry) && !options.allowUnpinned) {
    throw new SpeechError(
      'UNPINNED',
      `No checksum is pinned for ${entry.name} yet, so its download cannot be verified. ` +
        'Pass --allow-unpinned to install it anyway (the sha256 of every file is printed and kept in the manifest).',
    );
  }
  const existing = await readManifest(target);
  if (existing && (await manifestHolds(target, existing, entry))) {
    return { status: 'already-installed', dir: target, files: existing.files };
  }

  await mkdir(modelsDir, { recursive: true });
  await checkFreeSpace(modelsDir, entry.downloadBytes * (entry.source.type === 'archive' ? 2.5 : 1.2));
  const downloads = join(modelsDir, '.downloads');
  await mkdir(downloads, { recursive: true });
  const staging = await mkdtemp(join(modelsDir, `.staging-${entry.name}-`));
  try {
    let sourceLabel: string;
    if (entry.source.type === 'archive') {
      const url = downloadUrl(entry.source.url, options.baseUrl);
      sourceLabel = url;
      const archive = join(downloads, `${basename(new URL(entry.source.url).pathname)}.part`);
      await download(url, archive, options);
      if (entry.source.sha256) await verify(archive, entry.source.sha256, basename(archive, '.part'), true);
      const unpacked = join(staging, 'unpacked');
      await mkdir(unpacked);
      await untar(archive, unpacked, entry.source.format);
      const members = await indexByBaseName(unpacked);
      const install = join(staging, 'install');
      await mkdir(install);
      for (const file of entry.files) {
        const found = members.get(file.source);
        if (!found) {
          throw new SpeechError(
            'EXTRACT_FAILED',
            `${basename(url)} has no ${file.source} (needed as ${file.name})`,
          );
        }
        await rename(found, join(install, file.name));
      }
      await rm(unpacked, { recursive: true, force: true });
      await rm(archive, { force: true });
    } else {
      sourceLabel = options.baseUrl ?? 'publisher';
      const install = join(staging, 'install');
      await mkdir(install);
      for (const file of entry.files) {
        const part = join(downloads, `${entry.name}-${file.name}.part`);
        await download(downloadUrl(file.source, options.baseUrl), part, options);
        await rename(part, join(install, file.name));
      }
    }
    const install = join(staging, 'install');
    const files = await verifyFiles(install, entry.files);
    const manifest: Manifest = {
      name: entry.name,
      source: sourceLabel,
      installedAt: new Date().toISOString(),
      files,
    };
    await writeFile(join(install, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await place(install, target, entry.files);
    return { status: 'installed', dir: target, files };
  } catch (error) {
    throw asDiskError(error);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    return Manifest.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
  } catch {
    return undefined;
  }
}

/** The manifest names every registry file, and each is present with its recorded size. */
async function manifestHolds(dir: string, manifest: Manifest, entry: ModelEntry): Promise<boolean> {
  for (const file of entry.files) {
    const recorded = manifest.files.find((f) => f.name === file.name);
    if (!recorded || (file.sha256 && recorded.sha256 !== file.sha256)) return false;
    try {
      const s = await stat(join(dir, file.name));
      if (recorded.bytes !== null && s.size !== recorded.bytes) return false;
    } catch {
      return false;
    }
  }
  return true;
}

async function checkFreeSpace(dir: string, neededBytes: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  if (free < neededBytes) {
    throw new SpeechError(
      'DISK_FULL',
      `Not enough disk space in ${dir}: ${(free / 1e6).toFixed(0)} MB free, about ${(neededBytes / 1e6).toFixed(0)} MB needed`,
    );
  }
}

function asDiskError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new SpeechError('DISK_FULL', `The disk filled up while installing: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return error;
}

/** Downloads to `part`, continuing a previous partial download when the server honours Range. */
async function download(url: string, part: string, options: PullOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const progress = options.progress ?? silentProgress;
  let have = 0;
  try {
    have = (await stat(part)).size;
  } catch {}
  let response: Response;
  try {
    response = await doFetch(url, {
      headers: have > 0 ? { range: `bytes=${have}-` } : {},
      redirect: 'follow',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new SpeechError('DOWNLOAD_FAILED', `Could not reach ${url}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (response.status === 416 && have > 0) {
    // Range past the end: the part file is already complete.
    await response.body?.cancel();
    return;
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new SpeechError(
      'DOWNLOAD_FAILED',
      `Download failed: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${url}`,
    );
  }
  const resumed = response.status === 206;
  if (!resumed) have = 0;
  const length = Number(response.headers.get('content-length') ?? Number.NaN);
  progress.start(basename(part, '.part'), Number.isFinite(length) ? have + length : undefined, have);
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => progress.advance(chunk.length));
  await pipeline(body, createWriteStream(part, { flags: resumed ? 'a' : 'w' }), {
    ...(options.signal ? { signal: options.signal } : {}),
  });
  progress.done();
}

async function verify(
  path: string,
  expected: string,
  label: string,
  deleteOnMismatch: boolean,
): Promise<void> {
  const actual = await sha256File(path);
  if (actual !== expected) {
    if (deleteOnMismatch) await rm(path, { force: true });
    throw new SpeechError(
      'CHECKSUM_MISMATCH',
      `Checksum mismatch for ${label}: expected sha256 ${expected}, got ${actual}. Nothing was installed.`,
    );
  }
}

async function verifyFiles(dir: string, files: readonly ModelFile[]): Promise<Manifest['files']> {
  const out: Manifest['files'] = [];
  for (const file of files) {
    const path = join(dir, file.name);
    if (file.directory) {
      out.push({ name: file.name, sha256: null, bytes: null });
      continue;
    }
    const size = (await stat(path)).size;
    if (file.sha256) await verify(path, file.sha256, file.name, false);
    out.push({ name: file.name, sha256: file.sha256 ?? (await sha256File(path)), bytes: size });
  }
  return out;
}

async function untar(archive: string, into: string, format: 'tar.bz2' | 'tar.gz'): Promise<void> {
  const args = [
    format === 'tar.bz2' ? '-xjf' : '-xzf',
    archive,
    '-C',
    into,
    '--no-same-owner',
    '--no-same-permissions',
  ];
  try {
    await promisify(execFile)('tar', args, { maxBuffer: 1 << 20 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const hint = /bzip2: Cannot exec|bzip2.*not found/i.test(stderr)
      ? ' (install bzip2: apt-get install bzip2)'
      : '';
    throw new SpeechError(
      'EXTRACT_FAILED',
      `Could not unpack ${basename(archive, '.part')}: ${stderr}${hint}`,
      {
        cause: error,
      },
    );
  }
}

/** Every file and folder under `dir` by base name (first found wins: archives have one top folder). */
async function indexByBaseName(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const full = join(entry.parentPath, entry.name);
    if (!out.has(entry.name)) out.set(entry.name, full);
  }
  return out;
}

async function place(install: string, target: string, files: readonly ModelFile[]): Promise<void> {
  try {
    await rename(install, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
  }
  for (const file of files) {
    const to = join(target, file.name);
    if (file.directory) {
      await rm(to, { recursive: true, force: true });
      await cp(join(install, file.name), to, { recursive: true });
    } else await rename(join(install, file.name), to);
  }
  await rename(join(install, MANIFEST_FILE), join(target, MANIFEST_FILE));
}

/** Installed or not, for `rooman models list`. */
export async function installedManifest(modelsDir: string, name: string): Promise<Manifest | undefined> {
  return readManifest(join(modelsDir, name));
}
