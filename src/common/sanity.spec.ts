import { fold } from './decider';

describe('fold', () => {
  it('When there are no events, then the state is the initial state', () => {
    expect(fold({ initialState: 0, evolve: (s: number) => s + 1 }, [])).toBe(0);
  });
});
