import { fold, type CommandContext } from '../common/decider';
import { DomainError } from '../common/domain-error';
import { given } from '../common/given-when-then';
import {
  claimDecider,
  supportingChains,
  type ChangeVerdict,
  type CitationAdded,
  type CitationInput,
  type ClaimCommand,
  type ClaimEvent,
  type ClaimRecorded,
  type NewCitation,
  type SourceFacts,
  type Verdict,
} from './claim.decider';

const STORY = 'story-kim-jong-un-plans-to-visit-russia';
const ARMS_CLAIM = 'claim-putin-wants-shells-and-missiles';
const TECH_CLAIM = 'claim-kim-wants-satellite-technology';
const VISIT_CLAIM = 'claim-kim-will-travel-to-vladivostok';

const RECORDED_AT = '2023-09-04T22:00:00.000Z';
const NOW = '2023-09-05T09:30:00.000Z';

const editor: CommandContext = { actor: 'desk.editor', role: 'editor', now: NOW };
const reviewer: CommandContext = { actor: 'standards.reviewer', role: 'reviewer', now: NOW };
const admin: CommandContext = { actor: 'night.admin', role: 'admin', now: NOW };

const US_OFFICIALS = 'source-us-officials';
const SOUTH_KOREAN_OFFICIALS = 'source-south-korean-officials';
const WHITE_HOUSE = 'source-white-house-nsc';
const DECLASSIFIED_INTELLIGENCE = 'source-declassified-intelligence';
const NYT = 'source-new-york-times';
const YONHAP = 'source-yonhap';
const KCNA = 'source-kcna';
const KREMLIN = 'source-kremlin';

const sources: Record<string, SourceFacts> = {
  [US_OFFICIALS]: { reliability: 'B', anonymous: true },
  [SOUTH_KOREAN_OFFICIALS]: { reliability: 'C', anonymous: true },
  [WHITE_HOUSE]: { reliability: 'A', anonymous: false },
  [DECLASSIFIED_INTELLIGENCE]: { reliability: 'B', anonymous: false },
  [NYT]: { reliability: 'B', anonymous: false },
  [YONHAP]: { reliability: 'C', anonymous: false },
  [KCNA]: { reliability: 'D', anonymous: false },
  [KREMLIN]: { reliability: 'C', anonymous: false },
};

const ARMS_STATEMENT = 'Putin wants Kim to supply artillery shells and antitank missiles';

const armsClaimRecorded = (data: Partial<ClaimRecorded['data']> = {}): ClaimRecorded => ({
  type: 'ClaimRecorded',
  data: {
    claimId: ARMS_CLAIM,
    storyId: STORY,
    statement: ARMS_STATEMENT,
    kind: 'intent',
    topics: ['arms-for-technology'],
    actors: ['Vladimir Putin', 'Kim Jong-un'],
    occurredAt: null,
    dueAt: null,
    at: RECORDED_AT,
    ...data,
  },
});

const visitForecastRecorded: ClaimRecorded = armsClaimRecorded({
  claimId: VISIT_CLAIM,
  statement: 'Kim will travel to Vladivostok to meet Putin',
  kind: 'forecast',
  topics: ['travel', 'summit'],
  dueAt: '2023-09-30T23:59:59.000Z',
});

const citationInput = (sourceId: string, fields: Partial<CitationInput>): CitationInput => ({
  sourceId,
  role: 'original_source',
  stance: 'supports',
  credibility: 3,
  access: 'on_record',
  quote: null,
  url: null,
  publishedAt: null,
  retrievedAt: null,
  relayOf: null,
  ...fields,
});

const newCitation = (citationId: string, sourceId: string, fields: Partial<NewCitation> = {}): NewCitation => ({
  citationId,
  source: sources[sourceId] ?? null,
  ...citationInput(sourceId, fields),
});

const cited = (
  citationId: string,
  sourceId: string,
  fields: Partial<CitationInput> = {},
  { by, at }: { by: string; at: string } = { by: editor.actor, at: RECORDED_AT },
): CitationAdded => ({
  type: 'CitationAdded',
  data: { citationId, ...citationInput(sourceId, fields), citedAt: at, citedBy: by, at },
});

const usOfficialsSay = cited('cit-us-officials', US_OFFICIALS, { access: 'anonymous' });
const nytRelaysOfficials = cited('cit-nyt', NYT, { role: 'relay', relayOf: US_OFFICIALS });
const whiteHouseWarns = cited('cit-white-house', WHITE_HOUSE, { role: 'corroborates', credibility: 2 });
const southKoreanOfficialsSay = cited('cit-sk-officials', SOUTH_KOREAN_OFFICIALS, {
  role: 'corroborates',
  access: 'anonymous',
});
const kremlinDenies = cited('cit-kremlin', KREMLIN, { role: 'denial', stance: 'contradicts', credibility: 4 });

const withdrawn: ClaimEvent = { type: 'ClaimWithdrawn', data: { reason: 'Merged into the summit claim', at: NOW } };

const changeVerdict = (
  verdict: Verdict,
  context: CommandContext = reviewer,
  data: Partial<ChangeVerdict['data']> = {},
): ClaimCommand => ({
  type: 'ChangeVerdict',
  data: { verdict, reason: 'Weighed the citations', override: false, sources, ...data },
  context,
});

const verdictChanged = (from: Verdict, to: Verdict, override = false): ClaimEvent => ({
  type: 'VerdictChanged',
  data: { from, to, reason: 'Weighed the citations', override, at: NOW },
});

const recordArmsClaim = (data: Partial<Extract<ClaimCommand, { type: 'RecordClaim' }>['data']> = {}): ClaimCommand => ({
  type: 'RecordClaim',
  data: {
    claimId: ARMS_CLAIM,
    storyId: STORY,
    statement: ARMS_STATEMENT,
    kind: 'intent',
    topics: ['arms-for-technology'],
    actors: ['Vladimir Putin', 'Kim Jong-un'],
    occurredAt: null,
    dueAt: null,
    citations: [],
    ...data,
  },
  context: editor,
});

const citeSource = (citation: NewCitation, context: CommandContext = editor): ClaimCommand => ({
  type: 'CiteSource',
  data: citation,
  context,
});

const errorOf = (history: readonly ClaimEvent[], command: ClaimCommand): DomainError => {
  try {
    claimDecider.decide(command, fold(claimDecider, history));
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the command to be refused');
};

describe('claimDecider', () => {
  describe('RecordClaim', () => {
    it('When a claim is recorded with citations, then ClaimRecorded is followed by one CitationAdded each', () => {
      given(claimDecider, [])
        .when(
          recordArmsClaim({
            statement: `  ${ARMS_STATEMENT} `,
            citations: [
              newCitation('cit-us-officials', US_OFFICIALS, { access: 'anonymous', quote: 'Putin wants shells' }),
              newCitation('cit-nyt', NYT, { role: 'relay', relayOf: US_OFFICIALS }),
            ],
          }),
        )
        .then([
          armsClaimRecorded({ at: NOW }),
          cited(
            'cit-us-officials',
            US_OFFICIALS,
            { access: 'anonymous', quote: 'Putin wants shells' },
            { by: editor.actor, at: NOW },
          ),
          cited('cit-nyt', NYT, { role: 'relay', relayOf: US_OFFICIALS }, { by: editor.actor, at: NOW }),
        ]);
    });

    it('When a claim is recorded without citations, then only ClaimRecorded is emitted', () => {
      given(claimDecider, []).when(recordArmsClaim()).then([armsClaimRecorded({ at: NOW })]);
    });

    it('When a forecast is recorded with a due date, then it is recorded', () => {
      given(claimDecider, [])
        .when(recordArmsClaim({ ...visitForecastRecorded.data, citations: [] }))
        .then([{ type: 'ClaimRecorded', data: { ...visitForecastRecorded.data, at: NOW } }]);
    });

    it('When the claim already exists, then CLAIM.ALREADY_EXISTS', () => {
      given(claimDecider, [armsClaimRecorded()]).when(recordArmsClaim()).thenThrows('CLAIM.ALREADY_EXISTS');
    });

    it('When a withdrawn claim is recorded again, then CLAIM.ALREADY_EXISTS', () => {
      given(claimDecider, [armsClaimRecorded(), withdrawn]).when(recordArmsClaim()).thenThrows('CLAIM.ALREADY_EXISTS');
    });

    it('When the statement is blank, then CLAIM.STATEMENT_REQUIRED', () => {
      given(claimDecider, []).when(recordArmsClaim({ statement: '   ' })).thenThrows('CLAIM.STATEMENT_REQUIRED');
    });

    it('When a forecast has no due date, then CLAIM.FORECAST_NEEDS_DUE_DATE', () => {
      given(claimDecider, [])
        .when(recordArmsClaim({ kind: 'forecast', dueAt: null }))
        .thenThrows('CLAIM.FORECAST_NEEDS_DUE_DATE');
    });

    it.each(['assertion', 'quote', 'intent'] as const)(
      'When a %s has a due date, then CLAIM.DUE_DATE_ONLY_FOR_FORECASTS',
      (kind) => {
        given(claimDecider, [])
          .when(recordArmsClaim({ kind, dueAt: '2023-09-13T00:00:00.000Z' }))
          .thenThrows('CLAIM.DUE_DATE_ONLY_FOR_FORECASTS');
      },
    );

    it('When a citation names a source that does not exist, then SOURCE.NOT_FOUND', () => {
      given(claimDecider, [])
        .when(recordArmsClaim({ citations: [newCitation('cit-ghost', 'source-ghost')] }))
        .thenThrows('SOURCE.NOT_FOUND');
    });

    it('When two citations give the same source the same role, then CITATION.DUPLICATE', () => {
      given(claimDecider, [])
        .when(
          recordArmsClaim({
            citations: [newCitation('cit-1', US_OFFICIALS), newCitation('cit-2', US_OFFICIALS)],
          }),
        )
        .thenThrows('CITATION.DUPLICATE');
    });

    it('When a citation that is not a relay names what it relays, then CITATION.RELAY_OF_ONLY_FOR_RELAYS', () => {
      given(claimDecider, [])
        .when(recordArmsClaim({ citations: [newCitation('cit-nyt', NYT, { relayOf: US_OFFICIALS })] }))
        .thenThrows('CITATION.RELAY_OF_ONLY_FOR_RELAYS');
    });
  });

  describe('CiteSource', () => {
    it('When a source is cited, then CitationAdded records who cited it and when', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(citeSource(newCitation('cit-white-house', WHITE_HOUSE, { role: 'corroborates', credibility: 2 })))
        .then([
          cited(
            'cit-white-house',
            WHITE_HOUSE,
            { role: 'corroborates', credibility: 2 },
            { by: editor.actor, at: NOW },
          ),
        ]);
    });

    it('When a relay names the original source it got the claim from, then it is cited', () => {
      given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
        .when(citeSource(newCitation('cit-nyt', NYT, { role: 'relay', relayOf: US_OFFICIALS })))
        .then([cited('cit-nyt', NYT, { role: 'relay', relayOf: US_OFFICIALS }, { by: editor.actor, at: NOW })]);
    });

    it('When the source does not exist, then SOURCE.NOT_FOUND', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(citeSource(newCitation('cit-ghost', 'source-ghost')))
        .thenThrows('SOURCE.NOT_FOUND');
    });

    it('When the same source is cited in the same role again, then CITATION.DUPLICATE', () => {
      given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
        .when(citeSource(newCitation('cit-again', US_OFFICIALS)))
        .thenThrows('CITATION.DUPLICATE');
    });

    it('When the same source is cited in another role, then it is cited', () => {
      given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
        .when(citeSource(newCitation('cit-claimant', US_OFFICIALS, { role: 'claimant' })))
        .then([cited('cit-claimant', US_OFFICIALS, { role: 'claimant' }, { by: editor.actor, at: NOW })]);
    });

    it('When a withdrawn citation is cited again, then it is cited', () => {
      given(claimDecider, [
        armsClaimRecorded(),
        usOfficialsSay,
        { type: 'CitationWithdrawn', data: { citationId: 'cit-us-officials', reason: 'Wrong link', at: NOW } },
      ])
        .when(citeSource(newCitation('cit-again', US_OFFICIALS)))
        .then([cited('cit-again', US_OFFICIALS, {}, { by: editor.actor, at: NOW })]);
    });

    it.each(['original_source', 'corroborates'] as const)(
      'When a %s citation names what it relays, then CITATION.RELAY_OF_ONLY_FOR_RELAYS',
      (role) => {
        given(claimDecider, [armsClaimRecorded()])
          .when(citeSource(newCitation('cit-yonhap', YONHAP, { role, relayOf: KCNA })))
          .thenThrows('CITATION.RELAY_OF_ONLY_FOR_RELAYS');
      },
    );
  });

  describe('WithdrawCitation', () => {
    const withdrawCitation = (citationId: string, reason = 'Quote was from a different briefing'): ClaimCommand => ({
      type: 'WithdrawCitation',
      data: { citationId, reason },
      context: editor,
    });

    it('When an active citation is withdrawn, then CitationWithdrawn', () => {
      given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
        .when(withdrawCitation('cit-us-officials', ' Quote was from a different briefing '))
        .then([
          {
            type: 'CitationWithdrawn',
            data: { citationId: 'cit-us-officials', reason: 'Quote was from a different briefing', at: NOW },
          },
        ]);
    });

    it('When the citation is unknown, then CITATION.NOT_FOUND', () => {
      given(claimDecider, [armsClaimRecorded()]).when(withdrawCitation('cit-nope')).thenThrows('CITATION.NOT_FOUND');
    });

    it('When the citation is already withdrawn, then CITATION.NOT_FOUND', () => {
      given(claimDecider, [
        armsClaimRecorded(),
        usOfficialsSay,
        { type: 'CitationWithdrawn', data: { citationId: 'cit-us-officials', reason: 'Wrong link', at: NOW } },
      ])
        .when(withdrawCitation('cit-us-officials'))
        .thenThrows('CITATION.NOT_FOUND');
    });

    it('When the reason is blank, then CLAIM.REASON_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
        .when(withdrawCitation('cit-us-officials', ' '))
        .thenThrows('CLAIM.REASON_REQUIRED');
    });
  });

  describe('ChangeVerdict', () => {
    describe('who may set what', () => {
      it.each([
        ['unverified', 'reported'],
        ['unverified', 'disputed'],
        ['reported', 'unverified'],
      ] as const)('When an editor moves the verdict from %s to %s, then VerdictChanged', (from, to) => {
        const history =
          from === 'unverified' ? [armsClaimRecorded()] : [armsClaimRecorded(), verdictChanged('unverified', from)];
        given(claimDecider, history).when(changeVerdict(to, editor)).then([verdictChanged(from, to)]);
      });

      it.each(['corroborated', 'confirmed', 'misleading', 'false', 'inconclusive'] as const)(
        'When an editor sets %s, then VERDICT.REVIEWER_REQUIRED, before any evidence is weighed',
        (verdict) => {
          given(claimDecider, [armsClaimRecorded()])
            .when(changeVerdict(verdict, editor))
            .thenThrows('VERDICT.REVIEWER_REQUIRED');
        },
      );

      it.each(['misleading', 'inconclusive', 'disputed'] as const)(
        'When a reviewer sets %s, then no evidence rule applies',
        (verdict) => {
          given(claimDecider, [armsClaimRecorded()])
            .when(changeVerdict(verdict))
            .then([verdictChanged('unverified', verdict)]);
        },
      );

      it('When the verdict is set to what it already is, then VERDICT.UNCHANGED, even for an editor', () => {
        given(claimDecider, [armsClaimRecorded(), whiteHouseWarns, verdictChanged('unverified', 'confirmed')])
          .when(changeVerdict('confirmed', editor))
          .thenThrows('VERDICT.UNCHANGED');
      });

      it('When an editor asks for an override, then VERDICT.OVERRIDE_FORBIDDEN', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
          .when(changeVerdict('reported', editor, { override: true }))
          .thenThrows('VERDICT.OVERRIDE_FORBIDDEN');
      });

      it('When the reason is blank, then CLAIM.REASON_REQUIRED', () => {
        given(claimDecider, [armsClaimRecorded()])
          .when(changeVerdict('reported', editor, { reason: '  ' }))
          .thenThrows('CLAIM.REASON_REQUIRED');
      });
    });

    describe('corroborated', () => {
      it('When two independent chains support the claim, then VerdictChanged', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay, whiteHouseWarns])
          .when(changeVerdict('corroborated'))
          .then([verdictChanged('unverified', 'corroborated')]);
      });

      it('When only one source supports the claim, then VERDICT.NEEDS_CORROBORATION', () => {
        given(claimDecider, [armsClaimRecorded(), whiteHouseWarns])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.NEEDS_CORROBORATION');
      });

      it('When the second citation relays the first source, then it is one chain: VERDICT.NEEDS_CORROBORATION', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay, nytRelaysOfficials])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.NEEDS_CORROBORATION');
      });

      it('When the other citation contradicts the claim, then it is no support and VERDICT.NEEDS_CORROBORATION', () => {
        given(claimDecider, [armsClaimRecorded(), whiteHouseWarns, kremlinDenies])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.NEEDS_CORROBORATION');
      });

      it('When a supporting citation has been withdrawn, then it no longer counts', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          usOfficialsSay,
          whiteHouseWarns,
          { type: 'CitationWithdrawn', data: { citationId: 'cit-white-house', reason: 'Misattributed', at: NOW } },
        ])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.NEEDS_CORROBORATION');
      });

      it('When a reviewer overrides with one chain, then VERDICT.NEEDS_CORROBORATION still applies', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
          .when(changeVerdict('corroborated', reviewer, { override: true }))
          .thenThrows('VERDICT.NEEDS_CORROBORATION');
      });

      it('When every supporting chain is anonymous, then VERDICT.ANONYMOUS_ONLY', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay, southKoreanOfficialsSay])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.ANONYMOUS_ONLY');
      });

      it('When a named source speaks anonymously, then its chain is anonymous too', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          usOfficialsSay,
          cited('cit-white-house', WHITE_HOUSE, { role: 'corroborates', access: 'anonymous' }),
        ])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.ANONYMOUS_ONLY');
      });

      it('When a named outlet relays the anonymous officials, then that chain is still anonymous support: VERDICT.ANONYMOUS_ONLY', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay, nytRelaysOfficials, southKoreanOfficialsSay])
          .when(changeVerdict('corroborated'))
          .thenThrows('VERDICT.ANONYMOUS_ONLY');
      });

      it.each([reviewer, admin])(
        'When $role overrides anonymous-only support, then VerdictChanged records the override',
        (context) => {
          given(claimDecider, [armsClaimRecorded(), usOfficialsSay, southKoreanOfficialsSay])
            .when(changeVerdict('corroborated', context, { override: true }))
            .then([verdictChanged('unverified', 'corroborated', true)]);
        },
      );

      it('When the handler passes no facts for a cited source, then that source counts as anonymous', () => {
        const withoutWhiteHouse = Object.fromEntries(Object.entries(sources).filter(([id]) => id !== WHITE_HOUSE));
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay, whiteHouseWarns])
          .when(changeVerdict('corroborated', reviewer, { sources: withoutWhiteHouse }))
          .thenThrows('VERDICT.ANONYMOUS_ONLY');
      });
    });

    describe('four eyes', () => {
      const bySameReviewer = { by: reviewer.actor, at: RECORDED_AT };

      it('When the reviewer who made the last citation sets confirmed, then VERDICT.FOUR_EYES', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-1', WHITE_HOUSE, { credibility: 1, access: 'document' }, bySameReviewer)])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.FOUR_EYES');
      });

      it('When the reviewer who last reworded the claim sets false, then VERDICT.FOUR_EYES', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-intel', DECLASSIFIED_INTELLIGENCE, { stance: 'contradicts', credibility: 1 }),
          {
            type: 'ClaimReworded',
            data: { from: 'Putin wants artillery shells', to: 'Putin wants shells and missiles', reason: 'Precision', at: NOW, by: reviewer.actor },
          },
        ])
          .when(changeVerdict('false'))
          .thenThrows('VERDICT.FOUR_EYES');
      });

      it('When the same reviewer sets a verdict that settles nothing, then four eyes do not apply', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-1', WHITE_HOUSE, {}, bySameReviewer)])
          .when(changeVerdict('disputed'))
          .then([verdictChanged('unverified', 'disputed')]);
      });

      it('When another reviewer made the last citation, then the reviewer may confirm', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-1', WHITE_HOUSE, { credibility: 1, access: 'document' }, { by: 'other.reviewer', at: RECORDED_AT }),
        ])
          .when(changeVerdict('confirmed'))
          .then([verdictChanged('unverified', 'confirmed')]);
      });
    });

    describe('confirmed', () => {
      it.each([
        [WHITE_HOUSE, 'A'],
        [DECLASSIFIED_INTELLIGENCE, 'B'],
      ])('When %s, graded %s, supports with credibility 1, then VerdictChanged', (sourceId) => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-1', sourceId, { credibility: 1, access: 'document' })])
          .when(changeVerdict('confirmed'))
          .then([verdictChanged('unverified', 'confirmed')]);
      });

      it('When the only support is graded C with credibility 1, then VERDICT.NEEDS_CONFIRMATION', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-yonhap', YONHAP, { credibility: 1 })])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When the only support is graded A with credibility 2, then VERDICT.NEEDS_CONFIRMATION', () => {
        given(claimDecider, [armsClaimRecorded(), whiteHouseWarns])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When an A-graded credibility-1 citation contradicts the claim, then it confirms nothing', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-white-house', WHITE_HOUSE, { stance: 'contradicts', credibility: 1 }),
        ])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When the source has since been regraded D, then its credibility-1 citation no longer confirms', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-white-house', WHITE_HOUSE, { credibility: 1 })])
          .when(
            changeVerdict('confirmed', reviewer, {
              sources: { ...sources, [WHITE_HOUSE]: { reliability: 'D', anonymous: false } },
            }),
          )
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When two independent chains are graded A to C, then VerdictChanged', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-yonhap', YONHAP),
          cited('cit-intel', DECLASSIFIED_INTELLIGENCE, { access: 'document' }),
        ])
          .when(changeVerdict('confirmed'))
          .then([verdictChanged('unverified', 'confirmed')]);
      });

      it('When one of two chains is graded D, then VERDICT.NEEDS_CONFIRMATION', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-yonhap', YONHAP), cited('cit-kcna', KCNA)])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When a D-graded original is relayed by a C-graded outlet, then the chain keeps the origin’s grade: VERDICT.NEEDS_CONFIRMATION', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-kcna', KCNA),
          cited('cit-yonhap', YONHAP, { role: 'relay', relayOf: KCNA }),
          cited('cit-intel', DECLASSIFIED_INTELLIGENCE, { access: 'document' }),
        ])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.NEEDS_CONFIRMATION');
      });

      it('When a C-graded original is relayed and a B-graded source supports independently, then two A–C chains confirm', () => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-nyt-yonhap', NYT, { role: 'relay', relayOf: YONHAP }),
          cited('cit-intel', DECLASSIFIED_INTELLIGENCE, { access: 'document' }),
        ])
          .when(changeVerdict('confirmed'))
          .then([verdictChanged('unverified', 'confirmed')]);
      });

      it('When the only confirming citation is anonymous, then VERDICT.ANONYMOUS_ONLY', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-us-officials', US_OFFICIALS, { credibility: 1 })])
          .when(changeVerdict('confirmed'))
          .thenThrows('VERDICT.ANONYMOUS_ONLY');
      });

      it('When a reviewer overrides anonymous-only confirmation, then VerdictChanged records the override', () => {
        given(claimDecider, [armsClaimRecorded(), cited('cit-us-officials', US_OFFICIALS, { credibility: 1 })])
          .when(changeVerdict('confirmed', reviewer, { override: true }))
          .then([verdictChanged('unverified', 'confirmed', true)]);
      });
    });

    describe('false', () => {
      it('When nothing contradicts the claim, then VERDICT.NEEDS_CONTRADICTION', () => {
        given(claimDecider, [armsClaimRecorded(), usOfficialsSay])
          .when(changeVerdict('false'))
          .thenThrows('VERDICT.NEEDS_CONTRADICTION');
      });

      it('When the only contradiction has credibility 4, then VERDICT.NEEDS_CONTRADICTION', () => {
        given(claimDecider, [armsClaimRecorded(), kremlinDenies])
          .when(changeVerdict('false'))
          .thenThrows('VERDICT.NEEDS_CONTRADICTION');
      });

      it.each([1, 2] as const)('When a contradiction has credibility %i, then VerdictChanged', (credibility) => {
        given(claimDecider, [
          armsClaimRecorded(),
          cited('cit-intel', DECLASSIFIED_INTELLIGENCE, { stance: 'contradicts', credibility }),
        ])
          .when(changeVerdict('false'))
          .then([verdictChanged('unverified', 'false')]);
      });
    });
  });

  describe('RewordClaim', () => {
    const reword = (statement: string, reason = 'Match the wording of the officials'): ClaimCommand => ({
      type: 'RewordClaim',
      data: { statement, reason },
      context: editor,
    });
    const reworded = 'Putin wants Kim to supply Russia with artillery shells and antitank missiles';

    it('When the claim is reworded, then ClaimReworded keeps both texts and the editor', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(reword(` ${reworded} `))
        .then([
          {
            type: 'ClaimReworded',
            data: {
              from: ARMS_STATEMENT,
              to: reworded,
              reason: 'Match the wording of the officials',
              at: NOW,
              by: editor.actor,
            },
          },
        ]);
    });

    it('When the text is the same, then CLAIM.STATEMENT_UNCHANGED', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(reword(`${ARMS_STATEMENT} `))
        .thenThrows('CLAIM.STATEMENT_UNCHANGED');
    });

    it('When the new text is blank, then CLAIM.STATEMENT_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded()]).when(reword('')).thenThrows('CLAIM.STATEMENT_REQUIRED');
    });

    it('When the reason is blank, then CLAIM.REASON_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded()]).when(reword(reworded, '')).thenThrows('CLAIM.REASON_REQUIRED');
    });
  });

  describe('ResolveForecast', () => {
    const resolve = (
      outcome: 'occurred' | 'did_not_occur' | 'occurred_differently',
      reason = 'Kim arrived at Vostochny Cosmodrome by armored train',
    ): ClaimCommand => ({ type: 'ResolveForecast', data: { outcome, reason }, context: editor });

    it('When a forecast is resolved for the first time, then ForecastResolved has no previous outcome', () => {
      given(claimDecider, [visitForecastRecorded])
        .when(resolve('occurred_differently'))
        .then([
          {
            type: 'ForecastResolved',
            data: {
              outcome: 'occurred_differently',
              previousOutcome: null,
              reason: 'Kim arrived at Vostochny Cosmodrome by armored train',
              at: NOW,
            },
          },
        ]);
    });

    it('When a resolved forecast is resolved differently, then ForecastResolved names the previous outcome', () => {
      given(claimDecider, [
        visitForecastRecorded,
        {
          type: 'ForecastResolved',
          data: { outcome: 'did_not_occur', previousOutcome: null, reason: 'No sign', at: NOW },
        },
      ])
        .when(resolve('occurred', 'Kim later visited Vladivostok'))
        .then([
          {
            type: 'ForecastResolved',
            data: {
              outcome: 'occurred',
              previousOutcome: 'did_not_occur',
              reason: 'Kim later visited Vladivostok',
              at: NOW,
            },
          },
        ]);
    });

    it('When the outcome is the current one, then CLAIM.RESOLUTION_UNCHANGED', () => {
      given(claimDecider, [
        visitForecastRecorded,
        { type: 'ForecastResolved', data: { outcome: 'occurred', previousOutcome: null, reason: 'He went', at: NOW } },
      ])
        .when(resolve('occurred'))
        .thenThrows('CLAIM.RESOLUTION_UNCHANGED');
    });

    it('When the claim is not a forecast, then CLAIM.NOT_A_FORECAST', () => {
      given(claimDecider, [armsClaimRecorded()]).when(resolve('occurred')).thenThrows('CLAIM.NOT_A_FORECAST');
    });

    it('When the reason is blank, then CLAIM.REASON_REQUIRED', () => {
      given(claimDecider, [visitForecastRecorded]).when(resolve('occurred', ' ')).thenThrows('CLAIM.REASON_REQUIRED');
    });
  });

  describe('RelateClaim', () => {
    const relate = (
      relation: 'supports' | 'part_of' | 'duplicate_of',
      claimId = TECH_CLAIM,
      exists = true,
    ): ClaimCommand => ({ type: 'RelateClaim', data: { relation, claimId, target: { exists } }, context: editor });
    const related: ClaimEvent = { type: 'ClaimRelated', data: { relation: 'part_of', claimId: TECH_CLAIM, at: NOW } };

    it('When a claim is related to another, then ClaimRelated', () => {
      given(claimDecider, [armsClaimRecorded()]).when(relate('part_of')).then([related]);
    });

    it('When the other claim does not exist, then CLAIM.RELATED_NOT_FOUND', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(relate('part_of', 'claim-nowhere', false))
        .thenThrows('CLAIM.RELATED_NOT_FOUND');
    });

    it('When a claim is related to itself, then CLAIM.SELF_RELATION', () => {
      given(claimDecider, [armsClaimRecorded()])
        .when(relate('duplicate_of', ARMS_CLAIM))
        .thenThrows('CLAIM.SELF_RELATION');
    });

    it('When the same relation already exists, then CLAIM.RELATION_EXISTS', () => {
      given(claimDecider, [armsClaimRecorded(), related]).when(relate('part_of')).thenThrows('CLAIM.RELATION_EXISTS');
    });

    it('When another relation links the same claims, then ClaimRelated', () => {
      given(claimDecider, [armsClaimRecorded(), related])
        .when(relate('supports'))
        .then([{ type: 'ClaimRelated', data: { relation: 'supports', claimId: TECH_CLAIM, at: NOW } }]);
    });
  });

  describe('WithdrawClaim and ReinstateClaim', () => {
    const withdraw = (context: CommandContext, reason = 'Merged into the summit claim'): ClaimCommand => ({
      type: 'WithdrawClaim',
      data: { reason },
      context,
    });
    const reinstate = (context: CommandContext, reason = 'Split out again'): ClaimCommand => ({
      type: 'ReinstateClaim',
      data: { reason },
      context,
    });

    it.each([reviewer, admin])('When $role withdraws a claim, then ClaimWithdrawn', (context) => {
      given(claimDecider, [armsClaimRecorded()]).when(withdraw(context)).then([withdrawn]);
    });

    it('When an editor withdraws a claim, then CLAIM.REVIEWER_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded()]).when(withdraw(editor)).thenThrows('CLAIM.REVIEWER_REQUIRED');
    });

    it('When the claim is already withdrawn, then CLAIM.ALREADY_WITHDRAWN', () => {
      given(claimDecider, [armsClaimRecorded(), withdrawn])
        .when(withdraw(reviewer))
        .thenThrows('CLAIM.ALREADY_WITHDRAWN');
    });

    it('When the withdrawal has no reason, then CLAIM.REASON_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded()]).when(withdraw(reviewer, '')).thenThrows('CLAIM.REASON_REQUIRED');
    });

    it.each([reviewer, admin])('When $role reinstates a withdrawn claim, then ClaimReinstated', (context) => {
      given(claimDecider, [armsClaimRecorded(), withdrawn])
        .when(reinstate(context))
        .then([{ type: 'ClaimReinstated', data: { reason: 'Split out again', at: NOW } }]);
    });

    it('When an editor reinstates a claim, then CLAIM.REVIEWER_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded(), withdrawn])
        .when(reinstate(editor))
        .thenThrows('CLAIM.REVIEWER_REQUIRED');
    });

    it('When the claim is not withdrawn, then CLAIM.NOT_WITHDRAWN', () => {
      given(claimDecider, [armsClaimRecorded()]).when(reinstate(reviewer)).thenThrows('CLAIM.NOT_WITHDRAWN');
    });

    it('When the reinstatement has no reason, then CLAIM.REASON_REQUIRED', () => {
      given(claimDecider, [armsClaimRecorded(), withdrawn])
        .when(reinstate(reviewer, ' '))
        .thenThrows('CLAIM.REASON_REQUIRED');
    });
  });

  describe('every command but RecordClaim', () => {
    const commands: Array<[string, ClaimCommand]> = [
      ['CiteSource', citeSource(newCitation('cit-white-house', WHITE_HOUSE))],
      [
        'WithdrawCitation',
        { type: 'WithdrawCitation', data: { citationId: 'cit-us-officials', reason: 'Wrong link' }, context: editor },
      ],
      ['ChangeVerdict', changeVerdict('reported')],
      [
        'RewordClaim',
        { type: 'RewordClaim', data: { statement: 'Putin wants shells', reason: 'Shorter' }, context: editor },
      ],
      [
        'ResolveForecast',
        { type: 'ResolveForecast', data: { outcome: 'occurred', reason: 'He went' }, context: editor },
      ],
      [
        'RelateClaim',
        {
          type: 'RelateClaim',
          data: { relation: 'supports', claimId: TECH_CLAIM, target: { exists: true } },
          context: editor,
        },
      ],
    ];
    const reviewerOnly: Array<[string, ClaimCommand]> = [
      ['WithdrawClaim', { type: 'WithdrawClaim', data: { reason: 'Duplicate' }, context: reviewer }],
      ['ReinstateClaim', { type: 'ReinstateClaim', data: { reason: 'Not a duplicate' }, context: reviewer }],
    ];

    it.each([...commands, ...reviewerOnly])(
      'When %s targets a claim never recorded, then CLAIM.NOT_FOUND',
      (_, command) => {
        given(claimDecider, []).when(command).thenThrows('CLAIM.NOT_FOUND');
      },
    );

    it.each(commands)('When %s targets a withdrawn claim, then CLAIM.WITHDRAWN', (_, command) => {
      given(claimDecider, [visitForecastRecorded, usOfficialsSay, withdrawn])
        .when(command)
        .thenThrows('CLAIM.WITHDRAWN');
    });
  });

  describe('error kinds', () => {
    it.each([
      ['CLAIM.NOT_FOUND', 'not_found', [], citeSource(newCitation('cit-1', WHITE_HOUSE))],
      ['CLAIM.ALREADY_EXISTS', 'conflict', [armsClaimRecorded()], recordArmsClaim()],
      ['CLAIM.REASON_REQUIRED', 'invalid', [armsClaimRecorded()], changeVerdict('reported', editor, { reason: '' })],
      ['VERDICT.REVIEWER_REQUIRED', 'forbidden', [armsClaimRecorded()], changeVerdict('confirmed', editor)],
      [
        'VERDICT.OVERRIDE_FORBIDDEN',
        'forbidden',
        [armsClaimRecorded()],
        changeVerdict('reported', editor, { override: true }),
      ],
      [
        'CLAIM.REVIEWER_REQUIRED',
        'forbidden',
        [armsClaimRecorded()],
        { type: 'WithdrawClaim', data: { reason: 'Duplicate' }, context: editor },
      ],
      [
        'VERDICT.ANONYMOUS_ONLY',
        'conflict',
        [armsClaimRecorded(), usOfficialsSay, southKoreanOfficialsSay],
        changeVerdict('corroborated'),
      ],
    ] as Array<[string, string, ClaimEvent[], ClaimCommand]>)(
      'When a command is refused with %s, then the error is of kind %s and carries no HTTP status',
      (code, kind, history, command) => {
        const error = errorOf(history, command);
        expect(error.code).toBe(code);
        expect(error.kind).toBe(kind);
        expect(error).not.toHaveProperty('status');
      },
    );
  });

  describe('evolve', () => {
    it('When a claim is recorded and cited, then it starts unverified with its active citations', () => {
      const state = fold(claimDecider, [
        armsClaimRecorded(),
        usOfficialsSay,
        cited('cit-white-house', WHITE_HOUSE, {}, { by: 'second.editor', at: NOW }),
      ]);
      expect(state).toEqual({
        status: 'active',
        claim: {
          id: ARMS_CLAIM,
          storyId: STORY,
          statement: ARMS_STATEMENT,
          kind: 'intent',
          topics: ['arms-for-technology'],
          actors: ['Vladimir Putin', 'Kim Jong-un'],
          occurredAt: null,
          dueAt: null,
          verdict: 'unverified',
          verdictReason: null,
          resolution: null,
          citations: [
            {
              id: 'cit-us-officials',
              ...citationInput(US_OFFICIALS, { access: 'anonymous' }),
              citedAt: RECORDED_AT,
              citedBy: editor.actor,
            },
            { id: 'cit-white-house', ...citationInput(WHITE_HOUSE, {}), citedAt: NOW, citedBy: 'second.editor' },
          ],
          relations: [],
          createdAt: RECORDED_AT,
          updatedAt: NOW,
          lastEvidenceBy: 'second.editor',
        },
      });
    });

    it('When events follow, then the claim keeps verdict, wording, resolution, relations and active citations', () => {
      const later = '2023-09-13T08:00:00.000Z';
      const state = fold(claimDecider, [
        visitForecastRecorded,
        usOfficialsSay,
        whiteHouseWarns,
        { type: 'CitationWithdrawn', data: { citationId: 'cit-us-officials', reason: 'Wrong briefing', at: NOW } },
        verdictChanged('unverified', 'reported'),
        {
          type: 'ClaimReworded',
          data: { from: 'a', to: 'Kim will travel to Vladivostok', reason: 'Shorter', at: NOW, by: 'copy.desk' },
        },
        {
          type: 'ForecastResolved',
          data: { outcome: 'occurred', previousOutcome: null, reason: 'He went', at: later },
        },
        { type: 'ClaimRelated', data: { relation: 'part_of', claimId: TECH_CLAIM, at: later } },
      ]);
      expect(state).toMatchObject({
        status: 'active',
        claim: {
          statement: 'Kim will travel to Vladivostok',
          verdict: 'reported',
          verdictReason: 'Weighed the citations',
          resolution: { outcome: 'occurred', reason: 'He went', at: later },
          relations: [{ relation: 'part_of', claimId: TECH_CLAIM, at: later }],
          citations: [expect.objectContaining({ id: 'cit-white-house' })],
          lastEvidenceBy: 'copy.desk',
          createdAt: RECORDED_AT,
          updatedAt: later,
        },
      });
      expect(state.status === 'active' && state.claim.citations).toHaveLength(1);
    });

    it('When a claim is withdrawn and reinstated, then its status follows and the claim is kept', () => {
      const withdrawnState = fold(claimDecider, [armsClaimRecorded(), withdrawn]);
      expect(withdrawnState).toMatchObject({ status: 'withdrawn', withdrawnReason: 'Merged into the summit claim' });
      const reinstated = fold(claimDecider, [
        armsClaimRecorded(),
        withdrawn,
        { type: 'ClaimReinstated', data: { reason: 'Split out again', at: '2023-09-06T10:00:00.000Z' } },
      ]);
      expect(reinstated).toMatchObject({
        status: 'active',
        claim: { statement: ARMS_STATEMENT, updatedAt: '2023-09-06T10:00:00.000Z' },
      });
    });
  });

  describe('supportingChains', () => {
    it('When relays share an original source, then they form one chain that is only as good, and as anonymous, as that source', () => {
      const state = fold(claimDecider, [
        armsClaimRecorded(),
        usOfficialsSay,
        nytRelaysOfficials,
        kremlinDenies,
        cited('cit-yonhap', YONHAP, { role: 'relay', relayOf: US_OFFICIALS }),
      ]);
      const claim = state.status === 'active' ? state.claim : { citations: [] };
      expect(
        supportingChains(claim, sources).map(({ key, grade, anonymous, citations }) => ({
          key,
          grade,
          anonymous,
          citations: citations.map((c) => c.id),
        })),
      ).toEqual([
        { key: US_OFFICIALS, grade: 'B', anonymous: true, citations: ['cit-us-officials', 'cit-nyt', 'cit-yonhap'] },
      ]);
    });

    it('When a named outlet relays anonymous officials and a second anonymous source supports, then corroborated needs an override', () => {
      given(claimDecider, [armsClaimRecorded(), nytRelaysOfficials, southKoreanOfficialsSay])
        .when(changeVerdict('corroborated'))
        .thenThrows('VERDICT.ANONYMOUS_ONLY');
    });

    it('When a relay of a better-graded outlet repeats a D-graded origin, then the chain is graded D', () => {
      const state = fold(claimDecider, [armsClaimRecorded(), cited('cit-nyt-kcna', NYT, { role: 'relay', relayOf: KCNA })]);
      const claim = state.status === 'active' ? state.claim : { citations: [] };
      expect(supportingChains(claim, sources).map((chain) => chain.grade)).toEqual(['D']);
    });
  });
});
