import { ApiKeys } from '../../src/auth/api-keys.service';
import { ConfidentialIdentities } from '../../src/sources/confidential-identities';
import type { SealedIdentity } from '../../src/sources/source.decider';
import { newSigningKey } from '../support/audit-test-app';
import { SecretGrep } from '../support/canary-grep';
import { expectProblem, ifMatch, pause, storyBody } from '../support/fixtures';
import { routeName, routesOf } from '../support/routes';
import { mulberry32 } from '../support/seeded-random';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue #5's canary test. 500 claims on the world desk cite 100 confidential sources whose identities
 * are unique random strings (canaries). Then every GET route the router answers is crawled as a reader
 * of the world desk, as an editor and a reviewer of another desk, and with no key: every id of the
 * scene, every page of every list, filters, history, as-of views, the event feed and its SSE stream,
 * the audit trail and error paths. Every body, header, SSE byte and log line is grepped for every
 * canary (and for the sealed ciphertexts): none may appear. A world reviewer opening one identity is
 * the positive control: the canaries are really stored and the grep finds them when they leave.
 *
 * Randomized from a printed seed; replay with SEED=<seed>. CANARY_VERBOSE=1 prints what each caller got
 * from each route (counts by path shape, status and problem code).
 */

const SEED = process.env.SEED ? Number(process.env.SEED) : Math.floor(Math.random() * 2 ** 31);
const random = mulberry32(SEED);
const hex = (digits: number): string => Array.from({ length: digits }, () => Math.floor(random() * 16).toString(16)).join('');
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-${pick(['8', '9', 'a', 'b'])}${hex(3)}-${hex(12)}`;
const canary = (): string => `CANARY-${hex(24)}`;

const SOURCE_COUNT = 100;
const CLAIM_COUNT = 500;
/** Stories of the world desk: published (public), drafts (no publishedAt) and one scheduled for later (not public yet). */
const STORY_PLAN = ['published', 'published', 'published', 'published', 'published', 'published', 'draft', 'draft', 'draft', 'scheduled'] as const;
const WRITE_WIDTH = 12;
const READ_WIDTH = 10;

const ACTORS = ['Vladimir Putin', 'Kim Jong-un', 'Sergei Shoigu', 'Choe Son-hui', 'Yoon Suk-yeol'];
const VERBS = ['plans to send', 'has promised', 'is seeking', 'will deliver', 'refused to discuss'];
const OBJECTS = ['artillery shells', 'satellite technology', 'food aid', 'antitank missiles', 'fuel shipments', 'submarine designs'];
const PLACES = ['Vladivostok', 'Pyongyang', 'Khasan', 'Rason', 'Vostochny'];
const TOPICS = ['arms-for-technology', 'military-cooperation', 'food-aid', 'summit', 'space'];
const KINDS = ['assertion', 'forecast', 'quote', 'intent'] as const;
const DESCRIPTORS = ['officials briefed on the talks', 'a member of the delegation', 'intelligence officials', 'a diplomat in Beijing', 'people familiar with the plans'];
const UNKNOWN_FIELDS = 'sealedIdentity=1&confidentialIdentity=1&identity=1&includeRestricted=true';
const WORLD_REVIEWER = 'crawl-world-reviewer';

interface Caller {
  readonly name: string;
  readonly headers: Record<string, string>;
}

interface Scene {
  readonly stories: { id: string; public: boolean; revised: boolean }[];
  readonly claims: { id: string; storyId: string; public: boolean; changed: boolean }[];
  readonly sources: { id: string; canary: string; regraded: boolean }[];
  /** ids that name nothing, or something of another kind */
  readonly missingId: string;
  readonly keyId: string;
  /** before the scene; after the claims were recorded; after the first round of changes */
  readonly t0: string;
  readonly t1: string;
  readonly t2: string;
  /** X-Checkpoint of the last write before t1, and of the last write */
  readonly midCheckpoint: string;
  readonly lastCheckpoint: string;
  proofPositions: string[];
}

interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

const cursorOf = (position: string): string => Buffer.from(`p:${position}`).toString('base64url');

const withParam = (path: string, key: string, value: string): string => {
  const url = new URL(path, 'http://canary.invalid');
  url.searchParams.set(key, value);
  return `${url.pathname}${url.search}`;
};

const headerLines = (res: Response): string => [...res.headers].map(([name, value]) => `${name}: ${value}`).join('\n');

const parse = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

const pool = async <T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
};

/** Every GET route and what to ask it for: a new GET route fails the crawl until it is listed here. */
const crawlPlan = (s: Scene): Record<string, string[]> => {
  const [story] = s.stories;
  const [claim] = s.claims;
  const [source] = s.sources;
  const wrongIds = (own: string) => ['not-a-uuid', '00000000-0000-0000-0000-000000000000', s.missingId, s.keyId, own.toUpperCase(), `${own}x`];
  const asOfs = (path: string) => [`${path}?version=1`, `${path}?version=2`, `${path}?version=999`, `${path}?asOf=${s.t0}`, `${path}?asOf=${s.t1}`, `${path}?asOf=${s.t2}`];
  const readAtErrors = (path: string) => [`${path}?version=0`, `${path}?version=abc`, `${path}?asOf=yesterday`, `${path}?asOf=2023-W36`, `${path}?asOf=${s.t1}&version=1`, `${path}?${UNKNOWN_FIELDS}`];
  const badCursors = (path: string) => [
    withParam(path, 'cursor', 'not-a-cursor'),
    withParam(path, 'cursor', cursorOf('99999999999999999999')),
    withParam(path, 'cursor', cursorOf('0')),
    withParam(path, 'limit', '0'),
    withParam(path, 'limit', '101'),
    `${path}${path.includes('?') ? '&' : '?'}${UNKNOWN_FIELDS}`,
  ];
  const claimsOfStory = (storyId: string) => s.claims.filter((c) => c.storyId === storyId);
  return {
    'GET /health/live': ['/health/live'],
    'GET /health/ready': ['/health/ready'],
    'GET /metrics': ['/metrics'],
    'GET /api/openapi.json': ['/api/openapi.json'],
    'GET /api/keys': ['/api/keys', `/api/keys?${UNKNOWN_FIELDS}`],
    'GET /api/events': [
      '/api/events',
      '/api/events?limit=1000',
      '/api/events?limit=37',
      `/api/events?after=${s.midCheckpoint}`,
      '/api/events?after=0',
      '/api/events?after=not-a-checkpoint',
      '/api/events?after=99999999999999999999999-1',
      '/api/events?limit=0',
      '/api/events?limit=1001',
      `/api/events?${UNKNOWN_FIELDS}`,
    ],
    // The live feed never ends: read for a while in its own step (readStream).
    'GET /api/events/stream': [],
    'GET /api/audit': [
      '/api/audit',
      '/api/audit?limit=100',
      '/api/audit?actor=test-editor&limit=100',
      `/api/audit?actor=${WORLD_REVIEWER}`,
      '/api/audit?type=SourceRegistered,ConfidentialIdentityRead,IdentityShredded&limit=100',
      '/api/audit?type=ClaimReworded,VerdictChanged,SourceRegraded,StoryRevised,CitationAdded&limit=100',
      `/api/audit?from=${s.t1}&to=${s.t2}&limit=100`,
      `/api/audit?from=${s.t2}&to=${s.t1}`,
      '/api/audit?from=yesterday',
      ...badCursors('/api/audit'),
      ...s.sources.map((x) => `/api/audit?streamId=source-${x.id}`),
      ...s.sources.slice(0, 10).map((x) => `/api/audit?streamId=identity-reads-${x.id}`),
      ...s.stories.map((x) => `/api/audit?streamId=story-${x.id}`),
      ...s.claims.filter((_, i) => i % 10 === 0).map((x) => `/api/audit?streamId=claim-${x.id}`),
    ],
    'GET /api/audit/checkpoints': ['/api/audit/checkpoints', '/api/audit/checkpoints?limit=1', '/api/audit/checkpoints?cursor=abc', '/api/audit/checkpoints?cursor=999999999'],
    'GET /api/audit/proof': [
      ...s.proofPositions.map((p) => `/api/audit/proof?position=${p}`),
      '/api/audit/proof',
      '/api/audit/proof?position=abc',
      '/api/audit/proof?position=99999999',
      '/api/audit/proof?position=1&checkpoint=999',
    ],
    'GET /api/audit/verify': ['/api/audit/verify'],
    'GET /api/corrections': ['/api/corrections', '/api/corrections?limit=1', ...badCursors('/api/corrections')],
    'GET /api/dashboard': [
      '/api/dashboard',
      ...s.stories.map((x) => `/api/dashboard?storyId=${x.id}`),
      `/api/dashboard?storyId=${s.missingId}`,
      '/api/dashboard?storyId=not-a-uuid',
      '/api/dashboard?minCheckpoint=garbage',
      `/api/dashboard?minCheckpoint=${s.lastCheckpoint}`,
      `/api/dashboard?${UNKNOWN_FIELDS}`,
    ],
    'GET /api/stories': [
      '/api/stories',
      '/api/stories?limit=1',
      '/api/stories?desk=world',
      '/api/stories?desk=politics',
      '/api/stories?q=Kim',
      '/api/stories?q=officials',
      ...badCursors('/api/stories'),
    ],
    'GET /api/stories/:id': [
      ...s.stories.flatMap((x) => [`/api/stories/${x.id}`, ...asOfs(`/api/stories/${x.id}`)]),
      ...readAtErrors(`/api/stories/${story.id}`),
      ...[...wrongIds(story.id), claim.id, source.id].map((id) => `/api/stories/${id}`),
    ],
    'GET /api/stories/:id/revisions': [...s.stories.map((x) => `/api/stories/${x.id}/revisions`), ...[...wrongIds(story.id), claim.id].map((id) => `/api/stories/${id}/revisions`)],
    'GET /api/stories/:id/diff': [
      ...s.stories.flatMap((x) => [`/api/stories/${x.id}/diff?from=1&to=2`, `/api/stories/${x.id}/diff?from=1&to=1`]),
      ...['', '?from=2&to=1', '?from=1&to=99', '?from=abc&to=1', `?from=1&to=2&${UNKNOWN_FIELDS}`].map((q) => `/api/stories/${story.id}/diff${q}`),
      ...[s.missingId, claim.id, 'not-a-uuid'].map((id) => `/api/stories/${id}/diff?from=1&to=2`),
    ],
    'GET /api/sources': [
      '/api/sources',
      '/api/sources?limit=100',
      '/api/sources?limit=7',
      '/api/sources?kind=anonymous_group',
      '/api/sources?kind=person',
      '/api/sources?q=officials',
      '/api/sources?q=delegation&limit=3',
      '/api/sources?q=%25',
      '/api/sources?kind=nonsense',
      ...badCursors('/api/sources'),
    ],
    'GET /api/sources/:id': [
      ...s.sources.flatMap((x) => [`/api/sources/${x.id}`, `/api/sources/${x.id}?version=1`]),
      ...s.sources.filter((x) => x.regraded).flatMap((x) => asOfs(`/api/sources/${x.id}`)),
      ...readAtErrors(`/api/sources/${source.id}`),
      ...[...wrongIds(source.id), claim.id, story.id].map((id) => `/api/sources/${id}`),
    ],
    'GET /api/sources/:id/identity': [
      ...s.sources.map((x) => `/api/sources/${x.id}/identity`),
      `/api/sources/${source.id}/identity?${UNKNOWN_FIELDS}`,
      ...[...wrongIds(source.id), claim.id, story.id].map((id) => `/api/sources/${id}/identity`),
    ],
    'GET /api/claims': [
      '/api/claims',
      '/api/claims?limit=100',
      ...s.stories.map((x) => `/api/claims?storyId=${x.id}&limit=100`),
      ...['unverified', 'reported', 'disputed', 'corroborated', 'confirmed', 'misleading', 'false', 'inconclusive'].map((v) => `/api/claims?verdict=${v}&limit=100`),
      ...KINDS.map((k) => `/api/claims?kind=${k}&limit=100`),
      ...TOPICS.map((topic) => `/api/claims?topic=${topic}&limit=100`),
      ...PLACES.map((place) => `/api/claims?q=${place}&limit=100`),
      '/api/claims?q=officials%20missiles&limit=100',
      `/api/claims?asOf=${s.t0}`,
      `/api/claims?asOf=${s.t1}&limit=100`,
      `/api/claims?asOf=${s.t2}&limit=100&verdict=reported`,
      `/api/claims?asOf=${s.t1}&q=${PLACES[0]}&limit=100`,
      `/api/claims?storyId=${s.stories[6].id}&verdict=reported&kind=assertion&topic=${TOPICS[0]}`,
      `/api/claims?storyId=${s.missingId}`,
      '/api/claims?storyId=not-a-uuid',
      '/api/claims?verdict=nonsense',
      '/api/claims?asOf=yesterday',
      `/api/claims?q=x&minCheckpoint=${s.lastCheckpoint}`,
      '/api/claims?q=x&minCheckpoint=garbage',
      ...badCursors('/api/claims'),
    ],
    'GET /api/claims/:id': [
      ...s.claims.map((x) => `/api/claims/${x.id}`),
      ...s.claims.filter((x) => x.changed).flatMap((x) => [`/api/claims/${x.id}?version=1`, `/api/claims/${x.id}?asOf=${s.t1}`]),
      ...asOfs(`/api/claims/${claim.id}`),
      ...readAtErrors(`/api/claims/${claim.id}`),
      ...[...wrongIds(claim.id), story.id, source.id].map((id) => `/api/claims/${id}`),
    ],
    'GET /api/claims/:id/history': [...s.claims.map((x) => `/api/claims/${x.id}/history`), ...[...wrongIds(claim.id), story.id, source.id].map((id) => `/api/claims/${id}/history`)],
    'GET /api/claims/:id/claimreview': [
      ...s.claims.map((x) => `/api/claims/${x.id}/claimreview`),
      ...[...wrongIds(claim.id), story.id, source.id].map((id) => `/api/claims/${id}/claimreview`),
      ...claimsOfStory(s.stories[9].id)
        .slice(0, 3)
        .map((x) => `/api/claims/${x.id}/claimreview?${UNKNOWN_FIELDS}`),
    ],
    // Not routes: paths nothing answers but the catch-all.
    'unknown paths': [`/api/sources/${source.id}/identity/plain`, `/api/sources/${source.id}/sealed`, '/api/identities', `/api/claims/${claim.id}/citations`, '/api/events/stream/x'],
  };
};

describe('Canary: confidential identities never leave, whoever asks and however', () => {
  const logs: string[] = [];
  let t: TestApp;
  let base = '';
  let s: Scene;
  let grep: SecretGrep;
  const callers: Record<'readerWorld' | 'editorPolitics' | 'reviewerPolitics' | 'nobody' | 'reviewerWorld' | 'admin', Caller> = {} as never;
  const stats = { requests: 0, bytes: 0, setupMs: 0, statuses: {} as Record<string, Record<number, number>>, serverErrors: [] as string[] };
  /** How many items each list held for each caller, by `${caller} ${first page's path}`. */
  const lists = new Map<string, number>();
  const verbose = new Map<string, number>();
  /** Canaries sent in writes that are refused: never stored, and never echoed back or logged either. */
  const refused = Array.from({ length: 10 }, canary);
  /** What the scene's writes answered: [where, text]. */
  const written: [string, string][] = [];

  const get = async (caller: Caller, path: string, into: SecretGrep | null = grep): Promise<Reply> => {
    const res = await fetch(base + path, { headers: caller.headers, redirect: 'manual' });
    const text = await res.text();
    const headerText = headerLines(res);
    stats.requests += 1;
    stats.bytes += Buffer.byteLength(text) + Buffer.byteLength(headerText);
    (stats.statuses[caller.name] ??= {})[res.status] = (stats.statuses[caller.name][res.status] ?? 0) + 1;
    if (process.env.CANARY_VERBOSE) {
      const key = `${caller.name} ${path.split('?')[0].replace(/[0-9a-f-]{36}/gi, ':id')}${path.includes('?') ? '?' + [...new URL(path, 'http://x').searchParams.keys()].join('&') : ''} ${res.status} ${(parse(text) as { code?: string } | null)?.code ?? ''}`;
      verbose.set(key, (verbose.get(key) ?? 0) + 1);
    }
    if (res.status >= 500) stats.serverErrors.push(`${caller.name} GET ${path} → ${res.status} ${text.slice(0, 300)}`);
    into?.scan(`${caller.name} GET ${path} (headers)`, headerText);
    into?.scan(`${caller.name} GET ${path}`, text);
    return { status: res.status, headers: res.headers, text, body: parse(text) };
  };

  /** One GET, and when the answer is a page, every following page (nextCursor / nextCheckpoint). */
  const crawl = async (caller: Caller, path: string, into: SecretGrep | null = grep): Promise<unknown[]> => {
    const items: unknown[] = [];
    let url = path;
    for (let page = 0; page < 400; page++) {
      const reply = await get(caller, url, into);
      const body = reply.body as { items?: unknown; nextCursor?: unknown; nextCheckpoint?: unknown } | null;
      if (reply.status !== 200 || !body || !Array.isArray(body.items)) break;
      items.push(...(body.items as unknown[]));
      if (typeof body.nextCursor === 'string') url = withParam(path, 'cursor', body.nextCursor);
      else if (typeof body.nextCheckpoint === 'string' && body.items.length > 0) url = withParam(path, 'after', body.nextCheckpoint);
      else break;
    }
    lists.set(`${caller.name} ${path}`, items.length);
    return items;
  };

  /** A write of the scene, as the given key; its answer is grepped too (a create response is a way out). */
  const write = async (method: 'POST', path: string, auth: Record<string, string>, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(base + path, { method, headers: { 'Content-Type': 'application/json', ...auth, ...headers }, body: JSON.stringify(body) });
    const text = await res.text();
    stats.requests += 1;
    // Grepped once the scene is built, when the sealed material to look for is known too.
    written.push([`setup ${method} ${path}`, text], [`setup ${method} ${path} (headers)`, headerLines(res)]);
    if (res.status !== 201 && res.status !== 200) throw new Error(`${method} ${path} → ${res.status} ${text}`);
    return { body: JSON.parse(text) as { id: string; version: number }, checkpoint: res.headers.get('x-checkpoint') ?? '' };
  };

  /** The SSE feed for `ms` (or until `events` events arrived, then a little more), as text. */
  const readStream = async (caller: Caller, path: string, { ms, events, lastEventId }: { ms: number; events?: number; lastEventId?: string }) => {
    const abort = new AbortController();
    let timer = setTimeout(() => abort.abort(), ms);
    let text = '';
    let status = 0;
    let headerText = '';
    try {
      const res = await fetch(base + path, { headers: { ...caller.headers, ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) }, signal: abort.signal });
      status = res.status;
      headerText = headerLines(res);
      if (!res.body) throw new Error(`no body: ${path}`);
      const decoder = new TextDecoder();
      let caughtUp = false;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (events !== undefined && !caughtUp && (text.match(/^id: /gm)?.length ?? 0) >= events) {
          caughtUp = true;
          clearTimeout(timer);
          timer = setTimeout(() => abort.abort(), 300);
        }
      }
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    } finally {
      clearTimeout(timer);
    }
    stats.requests += 1;
    stats.bytes += Buffer.byteLength(text) + Buffer.byteLength(headerText);
    (stats.statuses[caller.name] ??= {})[status] = (stats.statuses[caller.name][status] ?? 0) + 1;
    grep.scan(`${caller.name} SSE ${path} ${lastEventId ?? ''} (headers)`, headerText);
    grep.scan(`${caller.name} SSE ${path} ${lastEventId ?? ''}`, text);
    return { status, text, events: text.match(/^id: /gm)?.length ?? 0 };
  };

  beforeAll(async () => {
    const started = Date.now();
    console.log(`canary seed ${SEED} (replay with SEED=${SEED})`);
    t = await startTestApp({ AUDIT_SIGNING_KEY: newSigningKey(), AUDIT_CHECKPOINT_EVERY: '0' }, { logs });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    const apiKeys = t.app.get(ApiKeys);
    const bearer = async (name: string, role: 'reader' | 'editor' | 'reviewer' | 'admin', desks: string[]): Promise<Caller> => ({
      name,
      headers: { Authorization: `Bearer ${(await apiKeys.create(name, role, desks)).token}` },
    });
    callers.readerWorld = await bearer('crawl-world-reader', 'reader', ['world']);
    callers.editorPolitics = await bearer('crawl-politics-editor', 'editor', ['politics']);
    callers.reviewerPolitics = await bearer('crawl-politics-reviewer', 'reviewer', ['politics']);
    callers.reviewerWorld = await bearer(WORLD_REVIEWER, 'reviewer', ['world']);
    callers.admin = await bearer('crawl-admin', 'admin', []);
    callers.nobody = { name: 'nobody', headers: {} };
    const keyId = (await apiKeys.create('crawl-bystander', 'reader', ['world'])).id;

    const canaries = Array.from({ length: SOURCE_COUNT }, canary);
    expect(new Set(canaries).size).toBe(SOURCE_COUNT);
    grep = new SecretGrep([...canaries, ...refused]);
    const editor = t.auth('editor');
    const reviewer = t.auth('reviewer');
    const t0 = new Date().toISOString();
    await pause(20);

    // 100 confidential sources of the world desk, 10 stories, 500 claims each citing one (every source 5 times).
    const sources: Scene['sources'] = canaries.map((identity) => ({ id: '', canary: identity, regraded: false }));
    await pool(sources, WRITE_WIDTH, async (source) => {
      const i = sources.indexOf(source);
      const created = await write('POST', '/api/sources', editor, {
        kind: i % 3 === 0 ? 'person' : 'anonymous_group',
        descriptor: `${pick(DESCRIPTORS)} (${i})`,
        anonymous: true,
        affiliation: pick(['Russian government', 'Government of North Korea', 'United States government']),
        reliability: 'C',
        rationale: 'Placed to know; spoke on condition of anonymity.',
        confidentialIdentity: source.canary,
        desk: 'world',
      });
      source.id = created.body.id;
    });
    const stories: Scene['stories'] = STORY_PLAN.map((plan) => ({ id: '', public: plan === 'published', revised: false }));
    await pool(stories, WRITE_WIDTH, async (story) => {
      const i = stories.indexOf(story);
      const publishedAt = { published: '2023-09-04T22:00:00Z', draft: undefined, scheduled: '2099-01-01T00:00:00Z' }[STORY_PLAN[i]];
      story.id = (await write('POST', '/api/stories', editor, storyBody(`scene-${SEED}-${i}`, { publishedAt }))).body.id;
    });
    const claims: (Scene['claims'][number] & { version: number; index: number })[] = Array.from({ length: CLAIM_COUNT }, (_, index) => {
      const story = stories[index % stories.length];
      return { id: '', storyId: story.id, public: story.public, changed: index % 5 < 2, version: 0, index };
    });
    let midCheckpoint = '';
    await pool(claims, WRITE_WIDTH, async (claim) => {
      const i = claim.index;
      const kind = KINDS[i % KINDS.length];
      const citations = [{ sourceId: sources[i % SOURCE_COUNT].id, role: 'original_source', stance: 'supports', credibility: 3, access: 'anonymous' }];
      if (i % 7 === 0) citations.push({ sourceId: sources[(i * 31 + 7) % SOURCE_COUNT].id, role: 'corroborates', stance: 'supports', credibility: 4, access: 'background' });
      const created = await write('POST', '/api/claims', editor, {
        storyId: claim.storyId,
        statement: `${pick(ACTORS)} ${pick(VERBS)} ${pick(OBJECTS)} near ${PLACES[i % PLACES.length]}, say officials (${i}).`,
        kind,
        topics: [TOPICS[i % TOPICS.length], pick(TOPICS)].filter((topic, n, all) => all.indexOf(topic) === n),
        actors: [pick(ACTORS)],
        ...(kind === 'forecast' ? { dueAt: '2030-01-01T00:00:00Z' } : {}),
        citations,
      });
      claim.id = created.body.id;
      claim.version = created.body.version;
      midCheckpoint = created.checkpoint;
    });
    await pause(30);
    const t1 = new Date().toISOString();
    await pause(30);

    // History: rewordings and verdicts on 200 claims, regrades of 10 sources, corrections of 3 stories; then a second round.
    await pool(
      claims.filter((c) => c.changed),
      WRITE_WIDTH,
      async (claim) => {
        const reworded = claim.index % 5 === 0;
        const path = `/api/claims/${claim.id}/${reworded ? 'rewordings' : 'verdicts'}`;
        const body = reworded
          ? { statement: `Officials now say ${pick(ACTORS)} ${pick(VERBS)} ${pick(OBJECTS)} (${claim.index}).`, reason: 'Tighter wording after a second call.' }
          : { verdict: 'reported', reason: 'Reported by our own anonymous sources.' };
        claim.version = (await write('POST', path, editor, body, ifMatch(claim.version))).body.version;
      },
    );
    await pool(
      sources.filter((_, i) => i % 10 === 0),
      WRITE_WIDTH,
      async (source) => {
        await write('POST', `/api/sources/${source.id}/grades`, reviewer, { reliability: 'B', rationale: 'Right twice since.' }, ifMatch(1));
        source.regraded = true;
      },
    );
    await pool([0, 1, 6], WRITE_WIDTH, async (i) => {
      await write(
        'POST',
        `/api/stories/${stories[i].id}/revisions`,
        editor,
        { body: `${storyBody('x').body}\n\nCorrection: the forum runs to September 13.`, kind: i === 6 ? 'update' : 'correction', note: 'Corrected the forum dates.' },
        ifMatch(1),
      );
      stories[i].revised = true;
    });
    await pause(30);
    const t2 = new Date().toISOString();
    await pause(30);
    let lastCheckpoint = '';
    await pool(
      claims.filter((c) => c.index % 10 === 1 || c.index % 20 === 0),
      WRITE_WIDTH,
      async (claim) => {
        const reworded = claim.index % 20 === 0;
        const path = `/api/claims/${claim.id}/${reworded ? 'rewordings' : 'verdicts'}`;
        const body = reworded ? { statement: `Officials now doubt it (${claim.index}).`, reason: 'Walked back.' } : { verdict: 'disputed', reason: 'The Kremlin denies it.' };
        const answer = await write('POST', path, editor, body, ifMatch(claim.version));
        claim.version = answer.body.version;
        lastCheckpoint = answer.checkpoint;
      },
    );

    // The sealed identities, as stored, are secrets too: not even the ciphertext may leave.
    const sealed = await t.db.query<{ data: { sourceId: string; sealedIdentity: SealedIdentity } }>("SELECT data FROM events WHERE type = 'SourceRegistered'");
    for (const { data } of sealed) {
      for (const part of ['iv', 'ciphertext', 'tag'] as const) grep.addSealed(`${part} of source ${data.sourceId}`, data.sealedIdentity[part]);
    }
    const wrapped = await t.db.query<{ source_id: string; wrapped_key: Buffer }>('SELECT source_id, wrapped_key FROM source_keys');
    for (const row of wrapped) grep.addSealed(`wrapped key of source ${row.source_id}`, row.wrapped_key.toString('base64'));
    expect({ sealed: sealed.length, wrapped: wrapped.length }).toEqual({ sealed: SOURCE_COUNT, wrapped: SOURCE_COUNT });
    for (const [where, text] of written) grep.scan(where, text);

    s = {
      stories,
      claims: claims.map(({ id, storyId, public: isPublic, changed }) => ({ id, storyId, public: isPublic, changed })),
      sources,
      missingId: uuid(),
      keyId,
      t0,
      t1,
      t2,
      midCheckpoint,
      lastCheckpoint,
      proofPositions: [],
    };
    stats.setupMs = Date.now() - started;
    console.log(`canary scene: ${SOURCE_COUNT} sources, ${stories.length} stories, ${CLAIM_COUNT} claims, ${await t.eventCount()} events in ${stats.setupMs} ms`);
  }, 120_000);

  afterAll(async () => t?.close());

  it('Positive control: a reviewer of the world desk reads one identity, the grep finds it, and the read is on record for admins only', async () => {
    const source = pick(s.sources);
    const control = new SecretGrep(s.sources.map((x) => x.canary));
    const opened = await get(callers.reviewerWorld, `/api/sources/${source.id}/identity`, control);
    expect({ status: opened.status, body: opened.body }).toEqual({ status: 200, body: { sourceId: source.id, identity: source.canary } });
    expect(opened.headers.get('cache-control')).toBe('no-store');
    expect(control.hits.map((hit) => hit.what)).toEqual(expect.arrayContaining([source.canary, 'the word "canary"']));
    // The grep also sees sealed material: the stored event, if it ever left, would be caught.
    const [event] = await t.db.query<{ data: unknown }>(`SELECT data FROM events WHERE stream_id = $1 AND type = 'SourceRegistered'`, [`source-${source.id}`]);
    const sealedOnly = new SecretGrep([]);
    for (const [label, material] of Object.entries((event.data as { sealedIdentity: SealedIdentity }).sealedIdentity)) sealedOnly.addSealed(label, material);
    expect(sealedOnly.scan('the stored event', JSON.stringify(event.data)).map((hit) => hit.what)).toEqual(
      expect.arrayContaining(['iv', 'ciphertext', 'tag', 'sealedIdentity with a value']),
    );

    // Recorded before it was opened; admins see the record, the reader does not (its stream is admins' only).
    const stream = `identity-reads-${source.id}`;
    const adminEvents = (await crawl(callers.admin, '/api/events?limit=1000')) as { streamId: string; type: string; data: Record<string, unknown> }[];
    expect(adminEvents.filter((e) => e.streamId === stream)).toEqual([
      expect.objectContaining({ type: 'ConfidentialIdentityRead', actor: WORLD_REVIEWER, data: expect.objectContaining({ sourceId: source.id, by: WORLD_REVIEWER }) }),
    ]);
    const adminAudit = await get(callers.admin, `/api/audit?streamId=${stream}`);
    expect((adminAudit.body as { items: unknown[] }).items).toHaveLength(1);
    for (const who of [callers.readerWorld, callers.editorPolitics, callers.reviewerPolitics, callers.reviewerWorld]) {
      const events = (await crawl(who, '/api/events?limit=1000')) as { streamId: string }[];
      expect({ who: who.name, reads: events.filter((e) => e.streamId.startsWith('identity-reads-')) }).toEqual({ who: who.name, reads: [] });
      const audit = await get(who, `/api/audit?streamId=${stream}`);
      expect({ who: who.name, status: audit.status, body: audit.body }).toEqual({ who: who.name, status: 200, body: { items: [], nextCursor: null } });
    }
    // An admin may not read it (by role is not by desk), nor a reviewer of another desk.
    for (const [who, code] of [
      [callers.admin, 'AUTH.DESK'],
      [callers.reviewerPolitics, 'AUTH.DESK'],
      [callers.readerWorld, 'AUTH.FORBIDDEN'],
    ] as const) {
      const refused = await get(who, `/api/sources/${source.id}/identity`);
      expect({ who: who.name, status: refused.status, code: (refused.body as { code?: string }).code }).toEqual({ who: who.name, status: 403, code });
    }
    expect({ hits: grep.hits.length, first: grep.hits.slice(0, 10) }).toEqual({ hits: 0, first: [] });
  });

  it('Crawling every GET route as a world reader, a politics editor and reviewer, and with no key finds 0 canaries in bodies, headers, SSE and logs', async () => {
    const started = Date.now();
    // A signed checkpoint over everything, so that inclusion proofs answer.
    const signed = await fetch(`${base}/api/audit/checkpoints`, { method: 'POST', headers: t.auth('reviewer') });
    expect(signed.status).toBe(200);
    const positions = (await t.db.query<{ global_position: string; type: string }>('SELECT global_position, type FROM events ORDER BY global_position')).map((row) => row);
    s.proofPositions = [
      ...Array.from({ length: 25 }, () => pick(positions).global_position),
      ...positions.filter((row) => row.type === 'ConfidentialIdentityRead' || row.type === 'SourceRegistered').slice(0, 10).map((row) => row.global_position),
      ...positions.filter((row) => row.type === 'ConfidentialIdentityRead').map((row) => row.global_position),
    ];

    const plan = crawlPlan(s);
    const getRoutes = routesOf(t.app)
      .filter((route) => route.method === 'GET' && !route.path.startsWith('/api/docs') && !route.path.includes('splat'))
      .map(routeName);
    expect(getRoutes.filter((route) => !(route in plan))).toEqual([]);
    expect(getRoutes.length).toBeGreaterThanOrEqual(20);

    const crawlers = [callers.readerWorld, callers.editorPolitics, callers.reviewerPolitics, callers.nobody];
    const visits = crawlers.flatMap((caller) => Object.values(plan).flatMap((paths) => paths.map((path) => ({ caller, path }))));
    const before = stats.requests;
    await pool(visits, READ_WIDTH, ({ caller, path }) => crawl(caller, path).then(() => undefined));
    const crawled = stats.requests - before;

    // The live feed: from the beginning (every event the caller may see), resumed with Last-Event-ID, and filtered.
    const readerEvents = lists.get(`${callers.readerWorld.name} /api/events?limit=1000`) ?? 0;
    const politicsEvents = lists.get(`${callers.editorPolitics.name} /api/events?limit=1000`) ?? 0;
    const source = s.sources[0];
    const streams = await Promise.all(
      crawlers.flatMap((caller) => [
        readStream(caller, '/api/events/stream', { ms: 8000, events: caller === callers.readerWorld ? readerEvents : politicsEvents }),
        readStream(caller, '/api/events/stream', { ms: 1500, lastEventId: s.midCheckpoint }),
        readStream(caller, `/api/events/stream?after=${s.midCheckpoint}&type=SourceRegistered,ConfidentialIdentityRead,SourceRegraded`, { ms: 1500 }),
        readStream(caller, `/api/events/stream?streamId=source-${source.id}`, { ms: 1500 }),
        readStream(caller, `/api/events/stream?streamId=identity-reads-${source.id}`, { ms: 1500 }),
        readStream(caller, `/api/events/stream?storyId=${s.stories[6].id}`, { ms: 1500 }),
        readStream(caller, '/api/events/stream', { ms: 1500, lastEventId: 'not-a-checkpoint' }),
        readStream(caller, `/api/events/stream?${UNKNOWN_FIELDS}`, { ms: 1500 }),
      ]),
    );
    const [readerFeed] = streams;
    expect(streams.filter((stream) => stream.status === 0)).toEqual([]);
    expect(readerFeed.status).toBe(200);
    expect(readerFeed.events).toBe(readerEvents);
    expect(streams[8].events).toBe(politicsEvents);

    // Refused writes carrying an identity: the error names the problem, never the identity.
    const editor = { ...t.auth('editor'), 'Content-Type': 'application/json' };
    const anonymous = { kind: 'anonymous_group', descriptor: 'officials', anonymous: true, reliability: 'C', rationale: 'Unnamed.', desk: 'world' };
    const attempts: [Record<string, string>, string, number][] = [
      [editor, JSON.stringify({ ...anonymous, name: refused[0] }), 400],
      [editor, JSON.stringify({ ...anonymous, anonymous: false, confidentialIdentity: refused[1] }), 400],
      [editor, JSON.stringify({ ...anonymous, confidentialIdentity: `${refused[2]} ${'x'.repeat(1000)}` }), 400],
      [editor, JSON.stringify({ ...anonymous, confidentialIdentity: `${refused[3]}\u0000` }), 400],
      [editor, JSON.stringify({ ...anonymous, confidentialIdentity: refused[4], sealedIdentity: refused[4], desk: refused[4] }), 400],
      [editor, `{"kind":"anonymous_group","confidentialIdentity":"${refused[5]}" oops}`, 400],
      [{ ...editor, 'Content-Type': 'text/plain' }, `confidentialIdentity=${refused[6]}`, 415],
      [{ ...callers.readerWorld.headers, 'Content-Type': 'application/json' }, JSON.stringify({ ...anonymous, confidentialIdentity: refused[7] }), 403],
      [{ 'Content-Type': 'application/json' }, JSON.stringify({ ...anonymous, confidentialIdentity: refused[8] }), 401],
      [{ ...callers.editorPolitics.headers, 'Content-Type': 'application/json' }, JSON.stringify({ ...anonymous, confidentialIdentity: refused[9] }), 403],
    ];
    for (const [headers, body, status] of attempts) {
      const res = await fetch(`${base}/api/sources`, { method: 'POST', headers, body });
      const text = await res.text();
      stats.requests += 1;
      grep.scan(`refused POST /api/sources ${body.slice(0, 80)}`, text);
      grep.scan(`refused POST /api/sources ${body.slice(0, 80)} (headers)`, headerLines(res));
      expect({ body: body.slice(0, 100), status: res.status }).toEqual({ body: body.slice(0, 100), status });
    }

    // Logs: everything the app logged since it started serving (setup, the positive control, the crawl).
    const logText = logs.join('\n');
    const logHits = grep.scan('logs', logText);
    const requestLines = logs.filter((line) => line.includes('"req":')).length;

    const bytes = stats.bytes;
    console.log(
      [
        `canary crawl (seed ${SEED}): ${SOURCE_COUNT} canaries cited by ${CLAIM_COUNT} claims on ${s.stories.length} stories, ${refused.length} more in refused writes`,
        `  ${getRoutes.length} GET routes, ${visits.length} planned visits, ${crawled} crawl requests + ${streams.length} SSE streams (${readerFeed.events} events in the reader's feed), ${stats.requests} requests in all`,
        `  ${(bytes / 1e6).toFixed(1)} MB of bodies and headers, ${grep.texts} texts grepped (${(grep.bytes / 1e6).toFixed(1)} MB incl. logs)`,
        `  ${logs.length} log lines (${requestLines} request lines, ${(logText.length / 1e6).toFixed(1)} MB)`,
        `  statuses: ${JSON.stringify(stats.statuses)}`,
        `  crawl ${Date.now() - started} ms, setup ${stats.setupMs} ms; canary hits: ${grep.hits.length}`,
      ].join('\n'),
    );

    if (process.env.CANARY_VERBOSE) console.log([...verbose].sort().map(([k, n]) => `${n}\t${k}`).join('\n'));
    // The crawl reached the scene: the reader read every claim and every source, the other desk the published ones.
    expect(lists.get(`${callers.readerWorld.name} /api/claims?limit=100`)).toBe(CLAIM_COUNT);
    expect(lists.get(`${callers.readerWorld.name} /api/claims`)).toBe(CLAIM_COUNT);
    expect(lists.get(`${callers.editorPolitics.name} /api/claims?limit=100`)).toBe(s.claims.filter((c) => c.public).length);
    expect(lists.get(`${callers.editorPolitics.name} /api/sources?limit=7`)).toBe(SOURCE_COUNT);
    expect(readerEvents).toBeGreaterThan(CLAIM_COUNT * 2);
    expect(stats.statuses[callers.readerWorld.name][200]).toBeGreaterThan(CLAIM_COUNT * 3 + SOURCE_COUNT * 2);
    expect(stats.statuses[callers.editorPolitics.name][404]).toBeGreaterThan(CLAIM_COUNT);
    expect(stats.statuses.nobody[401]).toBeGreaterThan(CLAIM_COUNT * 3);
    expect(crawled).toBeGreaterThan(8000);
    expect(bytes).toBeGreaterThan(20e6);
    expect(requestLines).toBeGreaterThan(crawled * 0.9);

    // The verdict: nothing secret anywhere, and the server never failed.
    expect(stats.serverErrors).toEqual([]);
    expect({ logHits: logHits.length, first: logHits.slice(0, 10) }).toEqual({ logHits: 0, first: [] });
    expect({ hits: grep.hits.length, first: grep.hits.slice(0, 10) }).toEqual({ hits: 0, first: [] });
  }, 150_000);

  it('Searching for a canary answers exactly what searching for a random string of the same shape does', async () => {
    const from = logs.length;
    const search = new SecretGrep(s.sources.map((x) => x.canary));
    const known = new Set(s.sources.map((x) => x.canary));
    const pairs = Array.from({ length: 6 }, () => {
      let other = canary();
      while (known.has(other)) other = canary();
      return { canary: pick(s.sources).canary, random: other };
    });
    const queries = (q: string) => [
      `/api/claims?q=${q}&minCheckpoint=${s.lastCheckpoint}`,
      `/api/claims?q=${q}&asOf=${s.t2}`,
      `/api/claims?q=${q.toLowerCase()}&limit=100`,
      `/api/claims?q=${q.slice('CANARY-'.length)}`,
      `/api/sources?q=${q}`,
      `/api/sources?q=${q.slice('CANARY-'.length)}&kind=anonymous_group`,
      `/api/stories?q=${q}`,
      `/api/audit?actor=${q}`,
    ];
    // Search works at all: a word of the statements finds claims, a word of the descriptors finds sources.
    const found = await get(callers.readerWorld, `/api/claims?q=${PLACES[1]}&minCheckpoint=${s.lastCheckpoint}`, search);
    expect((found.body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    expect(((await get(callers.readerWorld, '/api/sources?q=officials', search)).body as { items: unknown[] }).items.length).toBeGreaterThan(0);
    let compared = 0;
    for (const who of [callers.readerWorld, callers.editorPolitics, callers.reviewerWorld, callers.admin]) {
      for (const pair of pairs) {
        for (const [withCanary, withRandom] of queries(pair.canary).map((path, i) => [path, queries(pair.random)[i]])) {
          const [a, b] = await Promise.all([get(who, withCanary, null), get(who, withRandom, null)]);
          const shape = (reply: Reply) => ({ status: reply.status, type: reply.headers.get('content-type'), body: reply.text.replaceAll(pair.random, '<q>').replaceAll(pair.canary, '<q>') });
          expect({ who: who.name, path: withCanary, ...shape(a) }).toEqual({ who: who.name, path: withCanary, ...shape(b) });
          expect({ path: withCanary, status: a.status }).toEqual({ path: withCanary, status: 200 });
          expect(a.body).toEqual({ items: [], nextCursor: null });
          compared += 1;
        }
      }
    }
    console.log(`canary search: ${compared} canary/random query pairs compared, as ${4} callers`);
    // The only place a searched canary shows up in the logs is the request line that carried it (the caller's own words).
    const echoes = logs.slice(from).filter((line) => search.scan('search logs', line).length > 0);
    for (const line of echoes) {
      const entry = JSON.parse(line) as { req?: { url?: string } };
      expect(entry.req?.url).toMatch(/[?&](q|actor)=/);
      expect(new SecretGrep(s.sources.map((x) => x.canary)).scan('search log without its url', JSON.stringify({ ...entry, req: { ...entry.req, url: '' } }))).toEqual([]);
    }
    console.log(`canary search: ${echoes.length} request log lines echo a searched canary in their URL (and nothing else does)`);
  }, 60_000);
});

describe('Shredding a confidential identity', () => {
  const logs: string[] = [];
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ AUDIT_SIGNING_KEY: newSigningKey(), AUDIT_CHECKPOINT_EVERY: '0' }, { logs });
  });
  afterAll(async () => t?.close());

  it('When an admin shreds it, then nobody can read it again, its key is gone, the views drop it, and the log still verifies', async () => {
    const apiKeys = t.app.get(ApiKeys);
    const as = async (role: 'editor' | 'reviewer', desks: string[]) => ({ Authorization: `Bearer ${(await apiKeys.create(`shred-${role}-${desks[0]}`, role, desks)).token}` });
    const [editor, reviewer] = [await as('editor', ['world']), await as('reviewer', ['world'])];
    const admin = t.auth('admin');
    const identity = canary();
    const created = await t.http
      .post('/api/sources')
      .set(editor)
      .send({ kind: 'anonymous_group', descriptor: 'US officials', anonymous: true, reliability: 'C', rationale: 'Unnamed officials.', confidentialIdentity: identity, desk: 'world' });
    expect({ status: created.status, confidential: created.body.confidential, shredded: created.body.shredded }).toEqual({ status: 201, confidential: true, shredded: null });
    const id = created.body.id as string;
    const opened = await t.http.get(`/api/sources/${id}/identity`).set(reviewer);
    expect({ status: opened.status, identity: opened.body.identity }).toEqual({ status: 200, identity });
    expect((await t.http.post('/api/audit/checkpoints').set(reviewer)).status).toBe(200);
    const shred = (headers: Record<string, string>, reason = 'The source asked us to destroy the record.') => t.http.post(`/api/sources/${id}/shred`).set(headers).send({ reason });

    expectProblem(await shred(admin), 428, 'REQUEST.IF_MATCH_REQUIRED');
    expectProblem(await shred({ ...reviewer, ...ifMatch(1) }), 403, 'AUTH.FORBIDDEN');
    expectProblem(await shred({ ...editor, ...ifMatch(1) }), 403, 'AUTH.FORBIDDEN');
    expectProblem(await shred({ ...admin, ...ifMatch(7) }), 412);
    expect(await t.db.query('SELECT source_id FROM source_keys WHERE wrapped_key IS NULL')).toEqual([]);

    const shredded = await shred({ ...admin, ...ifMatch(1) });
    expect({ status: shredded.status, etag: shredded.headers.etag }).toEqual({ status: 201, etag: '"2"' });
    expect(shredded.body).toEqual(
      expect.objectContaining({
        id,
        version: 2,
        confidential: true,
        shredded: { at: expect.any(String), by: 'test-admin', reason: 'The source asked us to destroy the record.' },
      }),
    );
    expect(shredded.text).not.toContain(identity);

    expectProblem(await t.http.get(`/api/sources/${id}/identity`).set(reviewer), 409, 'SOURCE.IDENTITY_SHREDDED');
    const [key] = await t.db.query<{ wrapped_key: Buffer | null; shredded_at: Date | null }>('SELECT wrapped_key, shredded_at FROM source_keys WHERE source_id = $1', [id]);
    expect({ wrapped: key.wrapped_key, shredded: key.shredded_at instanceof Date }).toEqual({ wrapped: null, shredded: true });
    const [view] = await t.db.query<{ state: { source: Record<string, unknown> } }>('SELECT state FROM source_view WHERE id = $1', [id]);
    expect(view.state.source.sealedIdentity ?? null).toBeNull();
    expect(JSON.stringify(view.state)).not.toMatch(/ciphertext|"iv"|"tag"/);
    // The log keeps the ciphertext (so every hash holds), now unreadable with any key this server has.
    const [event] = await t.db.query<{ data: { sealedIdentity: SealedIdentity } }>(`SELECT data FROM events WHERE stream_id = $1 AND type = 'SourceRegistered'`, [`source-${id}`]);
    expect(event.data.sealedIdentity.ciphertext).toEqual(expect.any(String));
    expect(await t.app.get(ConfidentialIdentities).open(id, event.data.sealedIdentity)).toBeNull();
    const verify = await t.http.get('/api/audit/verify').set(t.auth('reader'));
    expect({ status: verify.status, ok: verify.body.ok }).toEqual({ status: 200, ok: true });

    expectProblem(await shred({ ...admin, ...ifMatch(2) }), 409, 'SOURCE.IDENTITY_SHREDDED');
    for (const path of [`/api/sources/${id}`, `/api/sources/${id}?version=1`, `/api/audit?streamId=source-${id}`, '/api/events']) {
      const read = await t.http.get(path).set(t.auth('reader'));
      expect({ path, status: read.status, leaked: read.text.includes(identity) }).toEqual({ path, status: 200, leaked: false });
    }
    const history = await t.http.get(`/api/audit?streamId=source-${id}`).set(admin);
    expect(history.body.items[0]).toEqual(expect.objectContaining({ type: 'IdentityShredded', changes: expect.objectContaining({ reason: 'The source asked us to destroy the record.' }) }));
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((line) => line.includes(identity))).toEqual([]);
  });
});
