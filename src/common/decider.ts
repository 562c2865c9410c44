export type Role = 'reader' | 'editor' | 'reviewer' | 'admin';

export const ROLE_RANK: Record<Role, number> = { reader: 0, editor: 1, reviewer: 2, admin: 3 };

export const hasRole = (actual: Role, required: Role): boolean => ROLE_RANK[actual] >= ROLE_RANK[required];

/** A fact the domain records; the event store adds ids, positions and metadata around it. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** Who asks and when: every command carries it, so deciders never read a clock or a session. */
export interface CommandContext {
  readonly actor: string;
  readonly role: Role;
  /** ISO 8601 time the command is decided at. */
  readonly now: string;
}

export interface Decider<State, Command, Event extends DomainEvent> {
  readonly initialState: State;
  evolve(state: State, event: Event): State;
  decide(command: Command, state: State): Event[];
}

export const fold = <State, Event extends DomainEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState);

export const assertNever = (value: never): never => {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
};
