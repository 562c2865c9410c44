import { DomainError } from '../common/domain-error';

export const auditErrors = {
  checkpointsOff: () =>
    new DomainError(
      'AUDIT.CHECKPOINTS_OFF',
      'conflict',
      'This server has no checkpoint signing key, so it signs no checkpoints. Set AUDIT_SIGNING_KEY (an Ed25519 private key) and restart.',
    ),
  eventNotFound: (position: string) => new DomainError('AUDIT.EVENT_NOT_FOUND', 'not_found', `No event at position ${position}.`),
  checkpointNotFound: (seq: number) => new DomainError('AUDIT.CHECKPOINT_NOT_FOUND', 'not_found', `No checkpoint #${seq}; see GET /api/audit/checkpoints.`),
  notYetCheckpointed: (position: string, last: { seq: number; lastPosition: string } | null) =>
    new DomainError(
      'AUDIT.NOT_YET_CHECKPOINTED',
      'conflict',
      last
        ? `The event at position ${position} comes after checkpoint #${last.seq} (which ends at position ${last.lastPosition}). Sign one with POST /api/audit/checkpoints, or ask again after the next.`
        : `No checkpoint has been signed yet. Sign one with POST /api/audit/checkpoints, or ask again after the first.`,
      { lastCheckpoint: last?.seq ?? null },
    ),
  logDiffers: (position: string, seq: number) =>
    new DomainError(
      'AUDIT.LOG_DIFFERS',
      'conflict',
      `The log at position ${position} no longer matches what checkpoint #${seq} signed. Run GET /api/audit/verify to see what changed.`,
    ),
  invalidRange: () => new DomainError('AUDIT.INVALID_RANGE', 'invalid', '`from` must not be after `to`.'),
};
