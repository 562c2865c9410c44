import { DomainError } from './domain-error';
import type { Principal } from './request-context';

/**
 * Who may see and change what, by desk (docs/decisions/060-desks.md). Everything here is pure; the
 * guard (src/auth/api-key.guard.ts) applies it to one resource, and the SQL functions `story_visible`
 * and `stream_visible` (migration 1764320600000) apply the same rules inside every list query.
 */

/** A key's grant of every desk. */
export const EVERY_DESK = '*';

/** A desk's name: short, lowercase, as in "world" or "politics-us". */
export const DESK_NAME = /^[a-z0-9-]{1,40}$/;

/** What a key may list: a desk's name or '*'. */
export const DESK_GRANT = /^([a-z0-9-]{1,40}|\*)$/;

/**
 * The desks a query may show beyond published stories, bound as the `desks` argument of the SQL
 * functions: null for an admin (everything, the identity-read records included), else the key's desks
 * ('*' sees every desk's stories, but not who read which identity).
 */
export type DeskScope = readonly string[] | null;

export const deskScopeOf = (principal: Principal): DeskScope => (principal.role === 'admin' ? null : principal.desks);

/** Where a story, claim or source sits: its desk and, for stories and their claims, whether it is published. */
export interface ResourcePlace {
  readonly desk: string | null;
  /** Published stories and their claims are seen by every key; sources are always seen (their identity never is). */
  readonly public: boolean;
}

/** Admins work on every desk by role; a key with '*' on every desk that has a name. */
export const worksOnDesk = (principal: Principal, desk: string | null): boolean =>
  principal.role === 'admin' || (desk !== null && (principal.desks.includes(EVERY_DESK) || principal.desks.includes(desk)));

export const maySee = (principal: Principal, place: ResourcePlace): boolean => place.public || worksOnDesk(principal, place.desk);

/** The desk a new story or source goes to when the request names none: the key's first (home) desk. */
export const deskForNew = (principal: Principal, requested: string | undefined): string => {
  if (requested !== undefined) return requested;
  const home = principal.desks.find((desk) => desk !== EVERY_DESK);
  if (home === undefined) {
    throw new DomainError('DESK.REQUIRED', 'invalid', 'Name the desk this belongs to ("desk"); your key has no home desk.');
  }
  return home;
};

export const notOnDesk = (desk: string | null): DomainError =>
  new DomainError('AUTH.DESK', 'forbidden', desk === null ? 'Only an admin may change what belongs to no desk.' : `This belongs to the ${desk} desk, which your key does not work on.`, {
    desk,
  });

/** Event fields that never leave through the API, even sealed: a confidential identity's ciphertext. */
export const RESTRICTED_EVENT_FIELDS: readonly string[] = ['sealedIdentity'];

/** An event's data as the feeds and the audit trail show it: restricted fields become "restricted". */
export const shownData = (data: Record<string, unknown>): Record<string, unknown> => {
  if (!RESTRICTED_EVENT_FIELDS.some((field) => field in data)) return data;
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, RESTRICTED_EVENT_FIELDS.includes(key) ? 'restricted' : value]));
};
