/**
 * `rooman models list` and `rooman models pull <name> [--dir DIR] [--base-url URL] [--allow-unpinned]`: the speech
 * models Rooman knows, and installing one from its publisher's release (or a mirror) with a progress bar on stderr.
 * Exit codes: 0 done, 1 the pull failed (message on stderr), 2 bad usage.
 */
import { isSpeechError } from '../../speech/errors.ts';
import { installedManifest, pullModel } from '../../speech/model-pull.ts';
import { findModel, isPinned, MODEL_REGISTRY, type ModelEntry } from '../../speech/model-registry.ts';
import { createProgress } from '../../speech/progress.ts';

export interface ModelsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** ROOMAN_MODELS_DIR (already defaulted from ROOMAN_DATA_DIR). */
  modelsDir: string;
  /** ROOMAN_MODELS_BASE_URL. */
  baseUrl?: string | undefined;
  signal?: AbortSignal;
  registry?: readonly ModelEntry[];
  fetch?: typeof fetch;
}

const USAGE = `Usage: rooman models <list | pull NAME> [options]

  list                 the known speech models, their size, licence and whether they are installed
  pull NAME            download NAME from its official release, verify its sha256, install it
    --dir DIR          models folder (default: ROOMAN_MODELS_DIR, else $ROOMAN_DATA_DIR/models)
    --base-url URL     a mirror holding the release files under their own names (ROOMAN_MODELS_BASE_URL)
    --allow-unpinned   install a model whose checksums are not pinned yet (the digests are printed)
`;

interface Flags {
  dir?: string;
  baseUrl?: string;
  allowUnpinned: boolean;
  positional: string[];
}

function parseFlags(argv: readonly string[]): Flags | string {
  const out: Flags = { allowUnpinned: false, positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : argv[++i]);
    if (name === '--dir') {
      const v = value();
      if (!v) return '--dir needs a folder';
      out.dir = v;
    } else if (name === '--base-url') {
      const v = value();
      if (!v || !/^https?:\/\//.test(v)) return `--base-url needs an http(s) URL (got ${v ?? 'nothing'})`;
      out.baseUrl = v;
    } else if (name === '--allow-unpinned') out.allowUnpinned = true;
    else if (arg.startsWith('-')) return `unknown option ${arg}`;
    else out.positional.push(arg);
  }
  return out;
}

const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;

export async function runModelsCommand(argv: readonly string[], io: ModelsIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === 'help' || sub === '--help' || sub === '-h') {
    (sub ? io.stdout : io.stderr).write(USAGE);
    return sub ? 0 : 2;
  }
  const flags = parseFlags(rest);
  if (typeof flags === 'string') {
    io.stderr.write(`rooman models: ${flags}\n\n${USAGE}`);
    return 2;
  }
  const registry = io.registry ?? MODEL_REGISTRY;
  const modelsDir = flags.dir ?? io.modelsDir;

  if (sub === 'list') {
    const rows = [['name', 'kind', 'download', 'checksums', 'installed', 'licence']];
    for (const entry of registry) {
      const manifest = await installedManifest(modelsDir, entry.name);
      rows.push([
        entry.name,
        entry.kind,
        mb(entry.downloadBytes),
        isPinned(entry) ? 'pinned' : 'unpinned',
        manifest ? 'yes' : 'no',
        entry.licence,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const row of rows)
      io.stdout.write(
        `${row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    io.stdout.write(`\nmodels folder: ${modelsDir}\n`);
    return 0;
  }

  if (sub === 'pull') {
    const name = flags.positional[0];
    if (!name || flags.positional.length > 1) {
      io.stderr.write(`rooman models pull needs exactly one model name\n\n${USAGE}`);
      return 2;
    }
    const entry = findModel(name, registry);
    if (!entry) {
      io.stderr.write(`Unknown model '${name}'. Known: ${registry.map((m) => m.name).join(', ')}\n`);
      return 2;
    }
    const progress = createProgress({
      write: (text) => io.stderr.write(text),
      isTTY: io.stderr.isTTY === true,
    });
    try {
      const baseUrl = flags.baseUrl ?? io.baseUrl;
      const result = await pullModel(entry, {
        modelsDir,
        allowUnpinned: flags.allowUnpinned,
        progress,
        ...(baseUrl ? { baseUrl } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
      if (result.status === 'already-installed') {
        io.stdout.write(`${entry.name} is already installed in ${result.dir}\n`);
        return 0;
      }
      io.stdout.write(`installed ${entry.name} in ${result.dir}\n`);
      for (const file of result.files) {
        io.stdout.write(`  ${file.name}${file.sha256 ? `  sha256 ${file.sha256}` : '  (folder)'}\n`);
      }
      if (entry.refused.length > 0) {
        io.stdout.write(`note: ${entry.refused.map((r) => r.reason).join('; ')}\n`);
      }
      return 0;
    } catch (error) {
      if (io.signal?.aborted) {
        io.stderr.write('\ninterrupted; the partial download is kept and the next pull resumes it\n');
        return 1;
      }
      io.stderr.write(
        `\nrooman models pull ${name}: ${isSpeechError(error) ? error.message : String(error)}\n`,
      );
      return 1;
    }
  }

  io.stderr.write(`rooman models: unknown subcommand '${sub}'\n\n${USAGE}`);
  return 2;
}
