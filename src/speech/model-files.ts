/**
 * Finding an installed model on disk: `<modelsDir>/<name>/`, one file per role (encoder, tokens…), picked by the
 * registry's preference order. Files the engine is known to crash on are refused here, by checksum, because
 * sherpa-onnx reports such a crash as a native abort that would take the whole process down.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SpeechError } from './errors.ts';
import { findModel, MODEL_REGISTRY, type ModelEntry, type ModelKind } from './model-registry.ts';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export interface InstalledModel {
  entry: ModelEntry;
  dir: string;
  /** Absolute path of the file chosen for each role. */
  files: Record<string, string>;
}

/** The registry entry for a name, or an error listing the known names of the wanted kind. */
export function requireEntry(
  name: string,
  kinds: readonly ModelKind[],
  registry: readonly ModelEntry[] = MODEL_REGISTRY,
): ModelEntry {
  const entry = findModel(name, registry);
  const known = registry.filter((m) => kinds.includes(m.kind)).map((m) => m.name);
  if (!entry) throw new SpeechError('UNKNOWN_MODEL', `Unknown model '${name}'. Known: ${known.join(', ')}`);
  if (!kinds.includes(entry.kind)) {
    throw new SpeechError(
      'WRONG_MODEL_KIND',
      `Model '${name}' is a ${entry.kind} model; this needs one of: ${known.join(', ')}`,
    );
  }
  return entry;
}

/**
 * Resolves every role of an installed model. Throws MODEL_MISSING (with the pull command to run) when a role has
 * no file, MODEL_REFUSED when the chosen file is one the engine is known to crash on.
 */
export async function locateModel(entry: ModelEntry, modelsDir: string): Promise<InstalledModel> {
  const dir = join(modelsDir, entry.name);
  const files: Record<string, string> = {};
  const missing: string[] = [];
  for (const [role, candidates] of Object.entries(entry.roles)) {
    let found: string | undefined;
    for (const candidate of candidates) {
      if (await exists(join(dir, candidate))) {
        found = join(dir, candidate);
        break;
      }
    }
    if (found) files[role] = found;
    else missing.push(`${role} (${candidates.join(' or ')})`);
  }
  if (missing.length > 0) {
    throw new SpeechError(
      'MODEL_MISSING',
      `Model '${entry.name}' is not installed in ${dir}: missing ${missing.join(', ')}. ` +
        `Run: rooman models pull ${entry.name}${modelsDir ? ` --dir ${modelsDir}` : ''}`,
    );
  }
  if (entry.refused.length > 0) {
    for (const path of Object.values(files)) {
      if ((await stat(path)).isDirectory()) continue;
      const digest = await sha256File(path);
      const refusal = entry.refused.find((r) => r.sha256 === digest);
      if (refusal) throw new SpeechError('MODEL_REFUSED', `Refusing ${path}: ${refusal.reason}`);
    }
  }
  return { entry, dir, files };
}
