/**
 * What went wrong, in domain terms. The one problem+json filter maps `kind` to an HTTP status;
 * `code` is a stable string clients may match on.
 */
export type DomainErrorKind = 'invalid' | 'not_found' | 'conflict' | 'stale' | 'forbidden' | 'unavailable';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
