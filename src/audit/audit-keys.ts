import type { AppConfig } from '../config/app.config';
import { parseTrustedKeys, resolveSigningKey, type SigningKey } from './signing-key';

/** The key this process signs checkpoints with (if any) and every public key whose checkpoints verify. */
export class AuditKeys {
  constructor(
    readonly signer: SigningKey | null,
    readonly trusted: readonly Buffer[],
  ) {}

  static fromConfig(config: AppConfig): AuditKeys {
    const signer = resolveSigningKey(config);
    const retired = parseTrustedKeys(config.AUDIT_TRUSTED_KEYS);
    return new AuditKeys(signer, signer ? [signer.publicKey, ...retired] : retired);
  }
}
