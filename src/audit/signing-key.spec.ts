import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTrustedKeys, resolveSigningKey, SIGNING_KEY_FILE, verifyStatement, type CheckpointStatement } from './signing-key';

const statement: CheckpointStatement = {
  log: 'claimtrail',
  seq: 1,
  treeSize: 70,
  rootHash: 'ab'.repeat(32),
  lastCheckpoint: '1041-70',
  createdAt: '2023-09-05T12:00:00.000Z',
};

describe('The checkpoint signing key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'claimtrail-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('When the embedded server starts without a key, then one is generated into DATA_DIR, private to its owner, and kept', () => {
    const first = resolveSigningKey({ DATA_DIR: dir, embedded: true });
    const again = resolveSigningKey({ DATA_DIR: dir, embedded: true });
    expect(first?.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(again?.keyId).toBe(first?.keyId);
    expect(statSync(join(dir, SIGNING_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(resolveSigningKey({ DATA_DIR: dir, embedded: false })).toBeNull();
  });

  it('When a key is configured as PEM or as base64 DER, then its signatures verify with its public key and nothing else', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    const fromPem = resolveSigningKey({ AUDIT_SIGNING_KEY: pem, DATA_DIR: dir, embedded: false });
    const fromDer = resolveSigningKey({ AUDIT_SIGNING_KEY: der, DATA_DIR: dir, embedded: true });
    expect(fromDer?.keyId).toBe(fromPem?.keyId);
    const signature = fromPem?.sign(statement) ?? Buffer.alloc(0);
    expect(verifyStatement(statement, signature, fromPem?.publicKey ?? Buffer.alloc(0))).toBe(true);
    expect(verifyStatement({ ...statement, treeSize: 71 }, signature, fromPem?.publicKey ?? Buffer.alloc(0))).toBe(false);
    expect(parseTrustedKeys(` ${fromPem?.publicKey.toString('hex')}, ${fromPem?.publicKey.toString('base64')} `)).toEqual([fromPem?.publicKey, fromPem?.publicKey]);
  });

  it('When the configured key is not an Ed25519 private key, then start-up says how to make one', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => resolveSigningKey({ AUDIT_SIGNING_KEY: rsa, DATA_DIR: dir, embedded: false })).toThrow(/rsa key.*openssl genpkey -algorithm ed25519/);
    expect(() => resolveSigningKey({ AUDIT_SIGNING_KEY: 'not a key', DATA_DIR: dir, embedded: false })).toThrow(/not a readable PKCS#8 private key/);
    expect(() => parseTrustedKeys('abc')).toThrow(/not a 32-byte Ed25519 public key/);
  });
});
