import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DomainError } from '../common/domain-error';
import type { SqlExecutor } from '../common/request-context';
import type { Database } from '../database/database';
import type { SealedIdentity } from './source.decider';

export const MASTER_KEY_FILE = 'confidential-master.key';

const seal = (key: Buffer, plaintext: Buffer): { iv: Buffer; ciphertext: Buffer; tag: Buffer } => {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
};

const unseal = (key: Buffer, sealed: { iv: Buffer; ciphertext: Buffer; tag: Buffer }): Buffer => {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
  decipher.setAuthTag(sealed.tag);
  return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
};

/** CONFIDENTIAL_MASTER_KEY when set; for the embedded server, a key generated once into DATA_DIR; otherwise none. */
export const resolveMasterKey = (config: { CONFIDENTIAL_MASTER_KEY?: string; DATA_DIR: string; embedded: boolean }): Buffer | null => {
  const parse = (text: string, where: string) => {
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new Error(`${where} must be 32 random bytes in base64 (e.g. "openssl rand -base64 32").`);
    return key;
  };
  if (config.CONFIDENTIAL_MASTER_KEY) return parse(config.CONFIDENTIAL_MASTER_KEY, 'CONFIDENTIAL_MASTER_KEY');
  if (!config.embedded) return null;
  const file = resolve(config.DATA_DIR, MASTER_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return parse(readFileSync(file, 'utf8'), file);
};

/**
 * Envelope encryption for the identities of confidential sources: each source gets its own data key,
 * stored wrapped by the master key; the identity is sealed (AES-256-GCM) into the source's event.
 */
export class ConfidentialIdentities {
  constructor(
    private readonly db: Database,
    private readonly masterKey: Buffer | null,
  ) {}

  async seal(sourceId: string, identity: string): Promise<SealedIdentity> {
    if (!this.masterKey) {
      throw new DomainError(
        'SOURCE.CONFIDENTIAL_DISABLED',
        'conflict',
        'This server keeps no confidential identities: set CONFIDENTIAL_MASTER_KEY (32 random bytes, base64) and restart.',
      );
    }
    const dataKey = randomBytes(32);
    const wrapped = seal(this.masterKey, dataKey);
    await this.db.query('INSERT INTO source_keys (source_id, wrapped_key) VALUES ($1, $2)', [
      sourceId,
      Buffer.concat([wrapped.iv, wrapped.tag, wrapped.ciphertext]),
    ]);
    const sealed = seal(dataKey, Buffer.from(identity, 'utf8'));
    return { iv: sealed.iv.toString('base64'), ciphertext: sealed.ciphertext.toString('base64'), tag: sealed.tag.toString('base64') };
  }

  /** Destroys the source's data key inside the caller's transaction; the sealed identity is then unreadable everywhere. */
  async destroy(tx: SqlExecutor, sourceId: string): Promise<void> {
    await tx.query('UPDATE source_keys SET wrapped_key = NULL, shredded_at = now() WHERE source_id = $1 AND wrapped_key IS NOT NULL', [sourceId]);
  }

  /** The identity, or null once the source's key has been shredded. */
  async open(sourceId: string, sealed: SealedIdentity): Promise<string | null> {
    if (!this.masterKey) return null;
    const [row] = await this.db.query<{ wrapped_key: Buffer | null }>('SELECT wrapped_key FROM source_keys WHERE source_id = $1', [sourceId]);
    if (!row?.wrapped_key) return null;
    const wrapped = row.wrapped_key;
    const dataKey = unseal(this.masterKey, { iv: wrapped.subarray(0, 12), tag: wrapped.subarray(12, 28), ciphertext: wrapped.subarray(28) });
    const fromBase64 = (text: string) => Buffer.from(text, 'base64');
    return unseal(dataKey, { iv: fromBase64(sealed.iv), ciphertext: fromBase64(sealed.ciphertext), tag: fromBase64(sealed.tag) }).toString('utf8');
  }
}
