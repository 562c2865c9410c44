import { generateKeyPairSync } from 'node:crypto';
import { startTestApp, type TestApp } from './test-app';

/** A fresh Ed25519 signing key as AUDIT_SIGNING_KEY takes it (PKCS#8 PEM). */
export const newSigningKey = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/** startTestApp with the audit settings (a signing key, the checkpoint interval). */
export const startAuditTestApp = (settings: Record<string, string>): Promise<TestApp> => startTestApp(settings);
