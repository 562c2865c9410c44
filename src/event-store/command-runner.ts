import { fold, type CommandContext, type Decider, type DomainEvent } from '../common/decider';
import { requestContext } from '../common/request-context';
import type { Tx } from '../database/database';
import { formatCheckpoint } from './checkpoint';
import type { EventStore } from './event-store';
import { versionConflict } from './event-store.errors';
import type { ExpectedVersion, StoredEvent } from './event-store.types';

export interface HandledCommand {
  readonly streamId: string;
  readonly version: number;
  /** Global-order checkpoint of the last event written; null when the request was a replay. */
  readonly checkpoint: string | null;
  readonly replayed: boolean;
}

type Command = { readonly type: string; readonly data: object; readonly context: CommandContext };

const reasonOf = (data: object): string | undefined => {
  const reason = (data as { reason?: unknown }).reason ?? (data as { note?: unknown }).note ?? (data as { rationale?: unknown }).rationale;
  return typeof reason === 'string' ? reason : undefined;
};

export const toDomainEvent = (event: Pick<StoredEvent, 'type' | 'data'>): DomainEvent => ({ type: event.type, data: event.data });

/**
 * Load, decide, append: the whole of a command handler's work. The decision is made on the version
 * loaded and appended at exactly that version, so a concurrent change surfaces as a conflict.
 * An Idempotency-Key replay returns the first result without deciding again. `inTransaction` writes
 * what must commit or roll back with the events (e.g. destroying a key). `complete` adds to the command
 * the facts that only the loaded state names (e.g. the sources a claim cites), read after the fold.
 */
export class CommandRunner {
  constructor(private readonly store: EventStore) {}

  async handle<State, C extends Command, E extends DomainEvent>(
    decider: Decider<State, C, E>,
    streamId: string,
    command: C,
    ifMatch?: number,
    options: { readonly inTransaction?: (tx: Tx) => Promise<void>; readonly complete?: (command: C, state: State) => Promise<C> } = {},
  ): Promise<HandledCommand> {
    const scope = requestContext.current();
    const replay = this.replayed();
    if (replay) return replay;

    const history = await this.store.loadStream(streamId);
    const loaded = history.length;
    const state = fold(decider, history.map(toDomainEvent) as E[]);
    if (ifMatch !== undefined && ifMatch !== loaded) {
      // A stream that does not exist is the decider's "not found", whatever version the caller names.
      if (loaded === 0) decider.decide(command, state);
      throw versionConflict(streamId, ifMatch, loaded);
    }
    const decided = decider.decide(options.complete ? await options.complete(command, state) : command, state);
    const metadata = {
      actor: command.context.actor,
      role: command.context.role,
      reason: reasonOf(command.data),
      requestId: scope?.requestId,
      correlationId: scope?.requestId,
      command: command.type,
    };
    const expected: ExpectedVersion = loaded === 0 ? 'no_stream' : loaded;
    const result = await this.store.append(
      streamId,
      expected,
      decided.map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata })),
      {
        loaded: history,
        beforeCommit:
          scope?.idempotency || options.inTransaction
            ? async (tx, appended) => {
                await options.inTransaction?.(tx);
                await scope?.idempotency?.record(tx, streamId, appended.version);
              }
            : undefined,
      },
    );
    const last = result.events[result.events.length - 1];
    return { streamId, version: result.version, checkpoint: formatCheckpoint(last), replayed: false };
  }

  /**
   * The first result again when this request repeats an Idempotency-Key already answered, else null.
   * Handlers that check facts before `handle` ask first: the replay must not be refused by what changed since.
   */
  replayed(): HandledCommand | null {
    const replay = requestContext.current()?.idempotency?.replay;
    return replay ? { streamId: replay.streamId, version: replay.version, checkpoint: null, replayed: true } : null;
  }
}
