/**
 * Secrets at rest (OAuth refresh and access tokens, PKCE verifiers) are sealed with AES-256-GCM: a fresh 96-bit
 * IV per value and the authentication tag kept with it, so a changed or swapped value fails to open rather than
 * decrypting to garbage. The key is ROOMAN_SECRET_KEY (any text of 32+ characters, hashed to 256 bits); without
 * it, a random key is generated once into the data dir (mode 0600). Several instances must share the key: set
 * ROOMAN_SECRET_KEY when they share a database.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const VERSION = 'v1';
export const SECRET_KEY_FILE = 'secret.key';

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('SecretBox needs a 256-bit key');
    this.#key = key;
  }

  /** A key from configuration text: SHA-256 of it, so any 32+ character secret works. */
  static fromPassphrase(text: string): SecretBox {
    return new SecretBox(createHash('sha256').update(text, 'utf8').digest());
  }

  /**
   * The configured key, or the one kept in `dataDir` (created on first use with mode 0600). Two processes racing
   * to create it: `wx` lets exactly one write it and the other reads what was written.
   */
  static async open(options: { secretKey: string | undefined; dataDir: string }): Promise<SecretBox> {
    if (options.secretKey) return SecretBox.fromPassphrase(options.secretKey);
    const path = join(options.dataDir, SECRET_KEY_FILE);
    try {
      return new SecretBox(Buffer.from((await readFile(path, 'utf8')).trim(), 'base64'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await mkdir(options.dataDir, { recursive: true });
    try {
      await writeFile(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      // The umask may have narrowed it further; never wider.
      await chmod(path, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // The writer may still be writing: wait for the whole key.
    for (let i = 0; ; i++) {
      const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
      if (key.length === 32 || i >= 50) return new SecretBox(key);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [VERSION, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join(
      '.',
    );
  }

  /** Opens a sealed value; throws if it was sealed with another key or altered. */
  open(sealed: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || !iv || !tag || data === undefined) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}
