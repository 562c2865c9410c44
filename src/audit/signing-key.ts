import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import canonicalize from 'canonicalize';

/** What a checkpoint signs: RFC 8785 canonical JSON of these fields, so any verifier can rebuild the bytes. */
export interface CheckpointStatement {
  readonly log: 'claimtrail';
  readonly seq: number;
  readonly treeSize: number;
  /** hex SHA-256 Merkle root of the first treeSize event hashes in global order */
  readonly rootHash: string;
  /** the global-order checkpoint ("transactionId-globalPosition") of the last event covered; "0-0" for none */
  readonly lastCheckpoint: string;
  readonly createdAt: string;
}

export const statementBytes = (statement: CheckpointStatement): Buffer =>
  Buffer.from(
    canonicalize({
      log: statement.log,
      seq: statement.seq,
      treeSize: statement.treeSize,
      rootHash: statement.rootHash,
      lastCheckpoint: statement.lastCheckpoint,
      createdAt: statement.createdAt,
    }) ?? '',
    'utf8',
  );

/** The 32 raw bytes of an Ed25519 public key. */
export const rawPublicKey = (key: KeyObject): Buffer => Buffer.from(key.export({ format: 'jwk' }).x ?? '', 'base64url');

export const publicKeyFromRaw = (raw: Buffer): KeyObject =>
  createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });

/** A short name for a public key: the first 8 bytes of its SHA-256, in hex. */
export const keyIdOf = (raw: Buffer): string => createHash('sha256').update(raw).digest('hex').slice(0, 16);

export interface SigningKey {
  readonly keyId: string;
  readonly publicKey: Buffer;
  sign(statement: CheckpointStatement): Buffer;
}

export const verifyStatement = (statement: CheckpointStatement, signature: Buffer, publicKey: Buffer): boolean => {
  try {
    return verify(null, statementBytes(statement), publicKeyFromRaw(publicKey), signature);
  } catch {
    return false;
  }
};

const HOW_TO_MAKE_ONE = 'Make one with `openssl genpkey -algorithm ed25519` and pass the PEM text (or its base64 DER body).';

const parsePrivateKey = (text: string): KeyObject => {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPrivateKey({ key: text, format: 'pem' })
      : createPrivateKey({ key: Buffer.from(text.trim(), 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new Error(`AUDIT_SIGNING_KEY is not a readable PKCS#8 private key. ${HOW_TO_MAKE_ONE}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`AUDIT_SIGNING_KEY is a ${key.asymmetricKeyType ?? 'unknown'} key; checkpoints are signed with Ed25519. ${HOW_TO_MAKE_ONE}`);
  }
  return key;
};

export const signingKeyOf = (privateKey: KeyObject): SigningKey => {
  const publicKey = rawPublicKey(createPublicKey(privateKey));
  return {
    keyId: keyIdOf(publicKey),
    publicKey,
    sign: (statement) => sign(null, statementBytes(statement), privateKey),
  };
};

export const SIGNING_KEY_FILE = 'audit-signing-key.pem';

/**
 * The checkpoint signing key: AUDIT_SIGNING_KEY when set; for the embedded server, a key generated
 * once into DATA_DIR; otherwise none, and checkpoints are not written.
 */
export const resolveSigningKey = (config: { AUDIT_SIGNING_KEY?: string; DATA_DIR: string; embedded: boolean }): SigningKey | null => {
  if (config.AUDIT_SIGNING_KEY) return signingKeyOf(parsePrivateKey(config.AUDIT_SIGNING_KEY));
  if (!config.embedded) return null;
  const file = resolve(config.DATA_DIR, SIGNING_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(config.DATA_DIR, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // A second process starting at the same moment wrote it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return signingKeyOf(parsePrivateKey(readFileSync(file, 'utf8')));
};

/** Public keys from AUDIT_TRUSTED_KEYS (comma-separated, hex or base64 of the raw 32 bytes): retired signing keys. */
export const parseTrustedKeys = (value: string | undefined): Buffer[] =>
  (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const raw = /^[0-9a-f]{64}$/i.test(part) ? Buffer.from(part, 'hex') : Buffer.from(part, 'base64');
      if (raw.length !== 32) throw new Error(`AUDIT_TRUSTED_KEYS: "${part}" is not a 32-byte Ed25519 public key in hex or base64.`);
      return raw;
    });
