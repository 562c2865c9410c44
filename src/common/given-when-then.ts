import { DomainError } from './domain-error';
import type { Decider, DomainEvent } from './decider';

/**
 * Spec helper in the Emmett style:
 *   given(decider, [events]).when(command).then([events])
 *   given(decider, [events]).when(command).thenThrows('CLAIM.WITHDRAWN')
 */
export const given = <State, Command, Event extends DomainEvent>(
  decider: Decider<State, Command, Event>,
  history: readonly Event[],
) => ({
  when: (command: Command) => {
    const run = () => decider.decide(command, history.reduce((state, event) => decider.evolve(state, event), decider.initialState));
    return {
      then: (expected: readonly Event[]) => expect(run()).toEqual(expected),
      thenThrows: (code: string) => {
        let caught: unknown;
        try {
          run();
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(DomainError);
        expect((caught as DomainError).code).toBe(code);
      },
    };
  },
});
