import { fold, type CommandContext } from '../common/decider';
import { given } from '../common/given-when-then';
import {
  sourceDecider,
  type RegisterSource,
  type Reliability,
  type SourceCommand,
  type SourceRegistered,
  type SourceRegraded,
  decideIdentityRead,
  type IdentityShredded,
} from './source.decider';

const sourceId = '0b6a1d3e-8f2c-4e57-b9a4-5c7d2e1f9a30';

const editor: CommandContext = { actor: 'editor@desk', role: 'editor', now: '2023-09-04T22:00:00Z' };
const reader: CommandContext = { actor: 'reader@desk', role: 'reader', now: '2023-09-04T22:00:00Z' };
const reviewer: CommandContext = { actor: 'reviewer@desk', role: 'reviewer', now: '2023-09-14T10:00:00Z' };
const admin: CommandContext = { actor: 'admin@desk', role: 'admin', now: '2023-09-14T10:00:00Z' };

const usOfficials: RegisterSource['data'] = {
  sourceId,
  kind: 'anonymous_group',
  descriptor: 'US officials',
  name: null,
  anonymous: true,
  affiliation: 'United States government',
  reliability: 'C',
  rationale: 'Unnamed officials with a policy interest in publicising the talks; their evidence is not shown to us.',
  desk: 'world',
  sealedIdentity: null,
};

const register = (overrides: Partial<RegisterSource['data']> = {}, context = editor): SourceCommand => ({
  type: 'RegisterSource',
  data: { ...usOfficials, ...overrides },
  context,
});

const regrade = (reliability: Reliability, rationale: string, context = reviewer): SourceCommand => ({
  type: 'RegradeSource',
  data: { reliability, rationale },
  context,
});

const { sealedIdentity: _none, ...openFields } = usOfficials;

const registered: SourceRegistered = {
  type: 'SourceRegistered',
  data: { ...openFields, at: editor.now, by: editor.actor },
};

const sealed = { iv: 'aXY=', ciphertext: 'Y2lwaGVy', tag: 'dGFn' };

const upgraded: SourceRegraded = {
  type: 'SourceRegraded',
  data: {
    from: 'C',
    to: 'B',
    rationale: 'Their account of the Vladivostok meeting and the armored train held up.',
    at: reviewer.now,
    by: reviewer.actor,
  },
};

describe('source decider', () => {
  describe('RegisterSource', () => {
    it('When an anonymous source is registered with a sealed identity, then the event carries it sealed', () => {
      given(sourceDecider, [])
        .when(register({ sealedIdentity: sealed }))
        .then([{ ...registered, data: { ...registered.data, sealedIdentity: sealed } }]);
    });

    it('When a named source comes with a confidential identity, then SOURCE.IDENTITY_NEEDS_ANONYMOUS', () => {
      given(sourceDecider, [])
        .when(register({ anonymous: false, name: 'Kim Yo-jong', kind: 'person', sealedIdentity: sealed }))
        .thenThrows('SOURCE.IDENTITY_NEEDS_ANONYMOUS');
    });

    it('When an editor registers the anonymous US officials, then they are registered with grade and rationale', () => {
      given(sourceDecider, []).when(register()).then([registered]);
    });

    it('When an editor registers Kim Jong-un by name, then the name and affiliation are recorded', () => {
      const kim = {
        kind: 'person',
        descriptor: 'Kim Jong-un, leader of North Korea',
        name: 'Kim Jong-un',
        anonymous: false,
        affiliation: 'Government of North Korea',
        reliability: 'D',
        rationale: 'His statements reach us through state media and serve its messaging.',
      } as const;
      given(sourceDecider, [])
        .when(register(kim))
        .then([{ type: 'SourceRegistered', data: { ...openFields, ...kim, at: editor.now, by: editor.actor } }]);
    });

    it.each([reviewer, admin])('When the role is $role, then registering is allowed', (context) => {
      given(sourceDecider, [])
        .when(register({}, context))
        .then([{ type: 'SourceRegistered', data: { ...openFields, at: context.now, by: context.actor } }]);
    });

    it('When the rationale has surrounding whitespace, then it is recorded trimmed', () => {
      given(sourceDecider, [])
        .when(register({ rationale: `  ${usOfficials.rationale}\n` }))
        .then([registered]);
    });

    it('When a reader registers a source, then it is refused as SOURCE.EDITOR_REQUIRED', () => {
      given(sourceDecider, []).when(register({}, reader)).thenThrows('SOURCE.EDITOR_REQUIRED');
    });

    it.each(['Jane Doe', ''])(
      'When an anonymous source is given the name %j, then it is refused as SOURCE.ANONYMOUS_WITH_NAME',
      (name) => {
        given(sourceDecider, []).when(register({ name })).thenThrows('SOURCE.ANONYMOUS_WITH_NAME');
      },
    );

    it('When the anonymous-with-name refusal is raised, then its message and details do not repeat the name', () => {
      let caught: unknown;
      try {
        sourceDecider.decide(register({ name: 'Jane Doe' }), sourceDecider.initialState);
      } catch (error) {
        caught = error;
      }
      expect(JSON.stringify(caught) + String(caught)).not.toContain('Jane Doe');
    });

    it.each(['', '  \n'])('When the rationale is %j, then it is refused as SOURCE.RATIONALE_REQUIRED', (rationale) => {
      given(sourceDecider, []).when(register({ rationale })).thenThrows('SOURCE.RATIONALE_REQUIRED');
    });

    it('When the source id is already registered, then it is refused as SOURCE.ALREADY_EXISTS', () => {
      given(sourceDecider, [registered]).when(register()).thenThrows('SOURCE.ALREADY_EXISTS');
    });
  });

  describe('RegradeSource', () => {
    it('When a reviewer regrades the US officials from C to B, then the move and its rationale are recorded', () => {
      given(sourceDecider, [registered])
        .when(regrade('B', 'Their account of the Vladivostok meeting and the armored train held up.'))
        .then([upgraded]);
    });

    it('When an admin regrades a source after an earlier regrade, then the move starts from the current grade', () => {
      const rationale = 'The Moscow leg they forecast did not happen.';
      given(sourceDecider, [registered, upgraded])
        .when(regrade('C', `  ${rationale} `, admin))
        .then([{ type: 'SourceRegraded', data: { from: 'B', to: 'C', rationale, at: admin.now, by: admin.actor } }]);
    });

    it.each([editor, reader])(
      'When the role is $role, then regrading is refused as SOURCE.REVIEWER_REQUIRED',
      (context) => {
        given(sourceDecider, [registered]).when(regrade('B', 'Held up.', context)).thenThrows('SOURCE.REVIEWER_REQUIRED');
      },
    );

    it('When the grade is the one the source already has, then it is refused as SOURCE.GRADE_UNCHANGED', () => {
      given(sourceDecider, [registered])
        .when(regrade('C', 'Still fairly reliable, with a fresh look at their record.'))
        .thenThrows('SOURCE.GRADE_UNCHANGED');
    });

    it('When the rationale is blank, then it is refused as SOURCE.RATIONALE_REQUIRED', () => {
      given(sourceDecider, [registered]).when(regrade('B', ' ')).thenThrows('SOURCE.RATIONALE_REQUIRED');
    });

    it('When the source does not exist, then it is refused as SOURCE.NOT_FOUND', () => {
      given(sourceDecider, []).when(regrade('B', 'Held up.')).thenThrows('SOURCE.NOT_FOUND');
    });
  });

  describe('evolve', () => {
    it('When a source is registered and regraded, then it carries the current grade and every grade in order', () => {
      expect(fold(sourceDecider, [registered, upgraded])).toEqual({
        status: 'registered',
        source: {
          id: sourceId,
          kind: 'anonymous_group',
          descriptor: 'US officials',
          name: null,
          anonymous: true,
          affiliation: 'United States government',
          reliability: 'B',
          rationale: upgraded.data.rationale,
          grades: [
            { reliability: 'C', rationale: usOfficials.rationale, at: editor.now, by: editor.actor },
            { reliability: 'B', rationale: upgraded.data.rationale, at: reviewer.now, by: reviewer.actor },
          ],
          createdAt: editor.now,
          updatedAt: reviewer.now,
          desk: 'world',
          sealedIdentity: null,
          shredded: null,
        },
      });
    });

    it('When there are no events, then the source is absent', () => {
      expect(fold(sourceDecider, [])).toEqual({ status: 'absent' });
    });
  });

  describe('ShredIdentity', () => {
    const withIdentity: SourceRegistered = { ...registered, data: { ...registered.data, sealedIdentity: sealed } };
    const shred = (reason: string, context = admin): SourceCommand => ({ type: 'ShredIdentity', data: { reason }, context });
    const shredded: IdentityShredded = {
      type: 'IdentityShredded',
      data: { reason: 'The source asked us to destroy the record.', at: admin.now, by: admin.actor },
    };

    it('When an admin shreds a recorded identity with a reason, then IdentityShredded is recorded, without the identity', () => {
      given(sourceDecider, [withIdentity]).when(shred('  The source asked us to destroy the record. ')).then([shredded]);
    });

    it('When the identity is shredded, then the folded source no longer holds the sealed identity', () => {
      const state = fold(sourceDecider, [withIdentity, shredded]);
      expect(state).toEqual({
        status: 'registered',
        source: expect.objectContaining({ sealedIdentity: null, shredded: { at: admin.now, by: admin.actor, reason: shredded.data.reason } }) as unknown,
      });
    });

    it.each([reviewer, editor])('When a $role shreds, then SOURCE.ADMIN_REQUIRED', (context) => {
      given(sourceDecider, [withIdentity]).when(shred('no longer needed', context)).thenThrows('SOURCE.ADMIN_REQUIRED');
    });

    it('When the reason is blank, then SOURCE.REASON_REQUIRED', () => {
      given(sourceDecider, [withIdentity]).when(shred(' ')).thenThrows('SOURCE.REASON_REQUIRED');
    });

    it('When the source has no confidential identity, then SOURCE.NO_CONFIDENTIAL_IDENTITY', () => {
      given(sourceDecider, [registered]).when(shred('no longer needed')).thenThrows('SOURCE.NO_CONFIDENTIAL_IDENTITY');
    });

    it('When it was shredded already, then SOURCE.IDENTITY_SHREDDED', () => {
      given(sourceDecider, [withIdentity, shredded]).when(shred('again')).thenThrows('SOURCE.IDENTITY_SHREDDED');
    });

    it('When there is no such source, then SOURCE.NOT_FOUND', () => {
      given(sourceDecider, []).when(shred('no longer needed')).thenThrows('SOURCE.NOT_FOUND');
    });

    describe('reading the identity', () => {
      const readAs = (history: (SourceRegistered | IdentityShredded)[], context: CommandContext) => () =>
        decideIdentityRead(fold(sourceDecider, history), context);

      it('When a reviewer asks for a recorded identity, then the read is allowed', () => {
        expect(readAs([withIdentity], reviewer)).not.toThrow();
      });

      it.each([editor, reader, admin])('When a $role asks, then SOURCE.IDENTITY_REVIEWERS_ONLY', (context) => {
        expect(readAs([withIdentity], context)).toThrow(expect.objectContaining({ code: 'SOURCE.IDENTITY_REVIEWERS_ONLY' }) as Error);
      });

      it('When it was shredded, then SOURCE.IDENTITY_SHREDDED', () => {
        expect(readAs([withIdentity, shredded], reviewer)).toThrow(expect.objectContaining({ code: 'SOURCE.IDENTITY_SHREDDED' }) as Error);
      });

      it('When none was recorded, then SOURCE.NO_CONFIDENTIAL_IDENTITY', () => {
        expect(readAs([registered], reviewer)).toThrow(expect.objectContaining({ code: 'SOURCE.NO_CONFIDENTIAL_IDENTITY' }) as Error);
      });
    });
  });
});
