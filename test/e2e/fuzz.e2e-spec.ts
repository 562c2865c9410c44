import fc from 'fast-check';
import request, { type Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { CLAIMS, SOURCES, citation, ifMatch, scene, storyBody } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Generated and mutated payloads against every write endpoint, through the real HTTP app. A payload
 * built to be invalid must be a 4xx; any payload must never be a 5xx; a refused payload stores
 * nothing. Replay a run with SEED=<printed seed>; FUZZ_RUNS lowers the count for local runs (CI keeps
 * the default of 10,000 per endpoint).
 */
const SEED = Number(process.env.SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const BATCH = 250;

jest.setTimeout(1_800_000);

type Role = 'reader' | 'editor' | 'reviewer' | 'admin';
type Kind = 'text' | 'slug' | 'desk' | 'url' | 'time' | 'uuid' | 'enum' | 'int' | 'bool' | 'topics' | 'actors' | 'citations';

interface Field {
  readonly kind: Kind;
  readonly required: boolean;
  /** Longest accepted string, for free text. */
  readonly max?: number;
}

interface Endpoint {
  readonly name: string;
  readonly method: 'post' | 'delete';
  readonly role: Role;
  readonly path: () => string;
  /** The resource whose version If-Match names; absent for creations. */
  readonly versioned?: () => string;
  readonly valid: () => Record<string, unknown>;
  readonly fields: Readonly<Record<string, Field>>;
}

/** One request: `invalid` ones must be refused; `any` ones may be accepted, but never with a 5xx. */
interface Case {
  readonly label: string;
  readonly expect: 'invalid' | 'any';
  readonly build: () => { json?: unknown; raw?: string | Buffer };
}

const text = (max: number, required = true): Field => ({ kind: 'text', required, max });
const req = (kind: Kind): Field => ({ kind, required: true });
const opt = (kind: Kind): Field => ({ kind, required: false });

const SQL = ["'; DROP TABLE events; --", "' OR '1'='1", '1; DELETE FROM api_keys', "x'); UPDATE events SET data = '{}'; --", '$$ LANGUAGE sql $$', '\\', '%_%', '"; --', '/* */ UNION SELECT key_hash FROM api_keys'];
const NON_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e400', '0x10', '3', '  4 ', ''];
const SERVER_OWNED = ['id', 'version', 'actor', 'role', 'hash', 'prevHash', 'position', 'globalPosition', 'createdAt', 'updatedAt', 'recordedAt', 'citedBy', 'withdrawn', 'streamId', 'eventId', 'checkpoint', 'verdict', 'desk'];
const PROTOTYPE_KEYS = ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', '__lookupSetter__'];

/** A JSON value that a field of this kind refuses whatever it is. */
const wrongType = (field: Field): fc.Arbitrary<unknown> => {
  const common: fc.Arbitrary<unknown>[] = [fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })];
  if (field.required) common.push(fc.constant(null));
  const numbers = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(2 ** 53 + 2, -(2 ** 60), Number.MAX_VALUE));
  switch (field.kind) {
    case 'int':
      return fc.oneof(
        ...common,
        fc.boolean(),
        fc.constantFrom(...NON_NUMBERS),
        fc.string({ maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
        fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 7 }), fc.double({ min: 1.01, max: 5.99, noNaN: true }).filter((n) => !Number.isInteger(n))),
      );
    case 'bool':
      return fc.oneof(...common, numbers, fc.constantFrom('true', 'false', 'yes', '1', ...NON_NUMBERS), fc.array(fc.boolean(), { minLength: 1, maxLength: 2 }));
    case 'topics':
    case 'actors':
      return fc.oneof(...common, numbers, fc.boolean(), fc.string({ maxLength: 10 }), fc.array(fc.oneof(numbers, fc.boolean(), fc.constant(null), fc.array(fc.string())), { minLength: 1, maxLength: 3 }));
    case 'citations':
      return fc.oneof(...common.filter((a) => field.required || a !== common[0]), numbers, fc.boolean(), fc.string({ maxLength: 10 }), fc.array(fc.oneof(numbers, fc.string(), fc.constant(null), fc.boolean()), { minLength: 1, maxLength: 3 }));
    default:
      return fc.oneof(...common, numbers, fc.boolean(), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }));
  }
};

/** A string that a field of this (non-free-text) kind refuses. */
const wrongString = (field: Field): fc.Arbitrary<string> =>
  fc.oneof(fc.constantFrom(...SQL), fc.constantFrom('NaN', 'Infinity', '-Infinity'), fc.string({ minLength: 1, maxLength: 30 }).map((s) => `${s} '--`)).filter(
    () => field.kind !== 'text',
  );

/** Nested arrays and objects deeper than the 16 levels the door allows. */
const deep = (depth: number, object: boolean): unknown => {
  let value: unknown = 'Vladivostok';
  for (let i = 0; i < depth; i++) value = object ? { a: value } : [value];
  return value;
};

const asIs = (body: unknown): string => body as string;
const setField = (body: Record<string, unknown>, name: string, value: unknown) => ({ ...body, [name]: value });
const withoutField = (body: Record<string, unknown>, name: string) => Object.fromEntries(Object.entries(body).filter(([key]) => key !== name));
/** Valid JSON with `"key": <raw>` spliced in first, for what JSON.stringify cannot say (__proto__, big number literals). */
const splice = (body: Record<string, unknown>, key: string, raw: string): string => {
  const rest = JSON.stringify(body).slice(1);
  return `{${JSON.stringify(key)}: ${raw}${rest === '}' ? '}' : `, ${rest}`}`;
};

const casesFor = (endpoint: Endpoint): fc.Arbitrary<Case> => {
  const names = Object.keys(endpoint.fields);
  const stringFields = names.filter((n) => ['text', 'slug', 'desk', 'url', 'time', 'uuid', 'enum'].includes(endpoint.fields[n].kind));
  const strictFields = names.filter((n) => endpoint.fields[n].kind !== 'text');
  const required = names.filter((n) => endpoint.fields[n].required);
  const textFields = names.filter((n) => endpoint.fields[n].kind === 'text');
  const field = fc.constantFrom(...names);
  const invalid = (label: string, build: Case['build']): Case => ({ label, expect: 'invalid', build });
  const any = (label: string, build: Case['build']): Case => ({ label, expect: 'any', build });

  const invalidCases: fc.Arbitrary<Case>[] = [
    field.chain((name) => wrongType(endpoint.fields[name]).map((value) => invalid(`wrong type in ${name}: ${JSON.stringify(value)?.slice(0, 60)}`, () => ({ json: setField(endpoint.valid(), name, value) })))),
    fc
      .oneof(fc.constantFrom(...SERVER_OWNED, ...PROTOTYPE_KEYS), fc.stringMatching(/^[A-Za-z_$][\w$]{0,15}$/))
      .filter((key) => !names.includes(key))
      .chain((key) => fc.jsonValue({ maxDepth: 2 }).map((value) => invalid(`unknown key ${key}`, () => ({ json: setField(endpoint.valid(), key, value) })))),
    fc
      .tuple(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.constantFrom('{"polluted": "yes"}', '{"prototype": {"polluted": "yes"}}', '1', '"x"', 'null', '[]'))
      .map(([key, raw]) => invalid(`${key}: ${raw}`, () => ({ raw: splice(endpoint.valid(), key, raw) }))),
    ...(required.length > 0 ? [fc.constantFrom(...required).map((name) => invalid(`missing ${name}`, () => ({ json: withoutField(endpoint.valid(), name) })))] : []),
    ...(stringFields.length > 0
      ? [
          fc
            .tuple(fc.constantFrom(...stringFields), fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000b'))
            .map(([name, prefix, bad]) => invalid(`NUL or lone surrogate in ${name}`, () => ({ json: setField(endpoint.valid(), name, `${prefix}${bad}`) }))),
        ]
      : []),
    fc
      .tuple(field, fc.integer({ min: 17, max: 3000 }), fc.boolean())
      .map(([name, depth, object]) => invalid(`${name} nested ${depth} deep`, () => ({ json: setField(endpoint.valid(), name, deep(depth, object)) }))),
    fc
      .tuple(field, fc.integer({ min: 101 * 1024, max: 300 * 1024 }))
      .map(([name, length]) => invalid(`${name} of ${length} characters`, () => ({ json: setField(endpoint.valid(), name, 'x'.repeat(length)) }))),
    ...(textFields.length > 0
      ? [
          fc
            .constantFrom(...textFields)
            .chain((name) => fc.integer({ min: (endpoint.fields[name].max ?? 0) + 1, max: (endpoint.fields[name].max ?? 0) + 500 }).map((length) => [name, length] as const))
            .map(([name, length]) => invalid(`${name} of ${length} characters, past its limit`, () => ({ json: setField(endpoint.valid(), name, 'k'.repeat(length)) }))),
        ]
      : []),
    fc
      .tuple(field, fc.constantFrom('9007199254740993', '-9007199254740993', '1e400', '-1e400', '123456789012345678901234567890', '1e-400', '4.000000000000001e300'))
      .map(([name, literal]) => invalid(`${name} = ${literal}`, () => ({ raw: splice(withoutField(endpoint.valid(), name), name, literal) }))),
    ...(strictFields.length > 0
      ? [fc.tuple(fc.constantFrom(...strictFields), fc.constant(null)).chain(([name]) => wrongString(endpoint.fields[name]).map((value) => invalid(`${name} = ${JSON.stringify(value)}`, () => ({ json: setField(endpoint.valid(), name, value) }))))]
      : []),
    fc
      .tuple(field, fc.constantFrom('NaN', 'Infinity', '-Infinity', 'undefined', "'single'", '0x1F', '+1', '.5', '01'))
      .map(([name, literal]) => invalid(`${name} = bare ${literal}`, () => ({ raw: splice(withoutField(endpoint.valid(), name), name, literal) }))),
    fc
      .tuple(fc.uint8Array({ minLength: 1, maxLength: 4 }), fc.constantFrom([0xff], [0xc3, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]))
      .map(([noise, bad]) =>
        invalid(`bad UTF-8 ${Buffer.from(bad).toString('hex')}`, () => {
          const json = JSON.stringify(endpoint.valid());
          const at = json.indexOf('":"') + 3;
          return { raw: Buffer.concat([Buffer.from(json.slice(0, at)), Buffer.from(noise.map((b) => 0x61 + (b % 26))), Buffer.from(bad), Buffer.from(json.slice(at))]) };
        }),
      ),
    fc
      .tuple(fc.nat(), fc.constantFrom('', ',', '}', ' trailing', ']', '{'))
      .map(([cut, tail]) =>
        invalid('malformed JSON', () => {
          const json = JSON.stringify(endpoint.valid());
          return { raw: tail === '' ? json.slice(0, cut % (json.length - 1)) : `${json}${tail}` };
        }),
      ),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)), fc.constant([endpoint.valid()])).map((value) => invalid('not an object', () => ({ raw: JSON.stringify(value) }))),
  ];

  const anyCases: fc.Arbitrary<Case>[] = [
    fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 8 }).map((json) => any('generated object', () => ({ json }))),
    fc.tuple(field, fc.jsonValue({ maxDepth: 2 })).map(([name, value]) => any(`${name} = generated ${JSON.stringify(value)?.slice(0, 40)}`, () => ({ json: setField(endpoint.valid(), name, value) }))),
    fc
      .tuple(field, fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom(...SQL)))
      .map(([name, value]) => any(`${name} = ${JSON.stringify(value)}`, () => ({ json: setField(endpoint.valid(), name, value) }))),
  ];

  return fc.oneof({ arbitrary: fc.oneof(...invalidCases), weight: 7 }, { arbitrary: fc.oneof(...anyCases), weight: 3 });
};

describe('Fuzzing every write endpoint', () => {
  let t: TestApp;
  let http: TestAgent;
  const ids: Record<string, string> = {};
  const figures: string[] = [];

  beforeAll(async () => {
    console.log(`fuzz seed=${SEED} runs=${RUNS} per endpoint (replay with SEED=${SEED})`);
    // A one-second window keeps the throttler's per-key hit list short under tens of thousands of writes.
    t = await startTestApp({ RATE_LIMIT_WINDOW_SECONDS: '1' });
    // One listening socket for the whole run: supertest on an unbound server opens a new one per request.
    await t.app.listen(0, '127.0.0.1');
    http = request(`http://127.0.0.1:${(t.app.getHttpServer() as { address(): { port: number } }).address().port}`);
    const s = scene(t);
    for (const name of ['revisions', 'archival', 'claims']) ids[`story:${name}`] = (await s.story(`fuzz-${name}`)).id;
    ids.source = await s.source('usOfficials');
    ids['source:grades'] = await s.source('yonhap');
    const story = ids['story:claims'];
    for (const name of ['citations', 'uncite', 'verdicts', 'rewordings', 'relations', 'withdrawal', 'reinstatement', 'other']) {
      ids[`claim:${name}`] = (await s.claim(story, 'foodAid', name === 'uncite' ? { citations: [citation(ids.source)] } : {})).id;
    }
    ids['claim:resolution'] = (await s.claim(story, 'forum')).id;
    ids.citation = ((await s.read(ids['claim:uncite'])).body.citations as { id: string }[])[0].id;
    const { version } = await s.read(ids['claim:reinstatement']);
    const withdrawn = await t.http.post(`/api/claims/${ids['claim:reinstatement']}/withdrawal`).set(t.auth('reviewer')).set(ifMatch(version)).send({ reason: 'Cut.' });
    expect(withdrawn.status).toBe(201);
  });

  afterAll(async () => {
    console.log(`fuzz seed=${SEED}\n${figures.join('\n')}`);
    await t?.close();
  });

  const claim = (name: string) => `/api/claims/${ids[`claim:${name}`]}`;
  const reason = text(2000);
  const endpoints: Endpoint[] = [
    {
      name: 'POST /api/stories',
      method: 'post',
      role: 'editor',
      path: () => '/api/stories',
      valid: () => storyBody('fuzz-story'),
      fields: { slug: req('slug'), headline: text(300), body: text(60_000), url: opt('url'), desk: opt('desk'), publishedAt: opt('time') },
    },
    {
      name: 'POST /api/stories/{id}/revisions',
      method: 'post',
      role: 'editor',
      path: () => `/api/stories/${ids['story:revisions']}/revisions`,
      versioned: () => `/api/stories/${ids['story:revisions']}`,
      valid: () => ({ body: 'Kim Jong-un arrived in Russia by armored train.', kind: 'update', note: 'Kim has arrived.' }),
      fields: { headline: text(300, false), body: text(60_000), kind: req('enum'), note: text(2000) },
    },
    {
      name: 'POST /api/sources',
      method: 'post',
      role: 'editor',
      path: () => '/api/sources',
      valid: () => ({ ...SOURCES.kremlin }),
      fields: {
        kind: req('enum'),
        descriptor: text(300),
        name: text(300, false),
        anonymous: req('bool'),
        affiliation: text(300, false),
        reliability: req('enum'),
        rationale: text(2000),
        confidentialIdentity: text(1000, false),
        desk: opt('desk'),
      },
    },
    {
      name: 'POST /api/sources/{id}/grades',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/sources/${ids['source:grades']}/grades`,
      versioned: () => `/api/sources/${ids['source:grades']}`,
      valid: () => ({ reliability: 'B', rationale: 'Held up.' }),
      fields: { reliability: req('enum'), rationale: text(2000) },
    },
    {
      name: 'POST /api/claims',
      method: 'post',
      role: 'editor',
      path: () => '/api/claims',
      valid: () => ({ storyId: ids['story:claims'], ...CLAIMS.munitions, citations: [citation(ids.source)] }),
      fields: {
        storyId: req('uuid'),
        statement: text(2000),
        kind: req('enum'),
        topics: req('topics'),
        actors: req('actors'),
        occurredAt: opt('time'),
        dueAt: opt('time'),
        citations: opt('citations'),
      },
    },
    {
      name: 'POST /api/claims/{id}/citations',
      method: 'post',
      role: 'editor',
      path: () => `${claim('citations')}/citations`,
      versioned: () => claim('citations'),
      valid: () => citation(ids.source, { role: 'claimant' }),
      fields: {
        sourceId: req('uuid'),
        role: req('enum'),
        stance: req('enum'),
        credibility: req('int'),
        access: req('enum'),
        quote: text(5000, false),
        url: opt('url'),
        publishedAt: opt('time'),
        retrievedAt: opt('time'),
        relayOf: opt('uuid'),
      },
    },
    {
      name: 'DELETE /api/claims/{id}/citations/{citationId}',
      method: 'delete',
      role: 'editor',
      path: () => `${claim('uncite')}/citations/${ids.citation}`,
      versioned: () => claim('uncite'),
      valid: () => ({ reason: 'Misattributed.' }),
      fields: { reason },
    },
    {
      name: 'POST /api/claims/{id}/verdicts',
      method: 'post',
      role: 'editor',
      path: () => `${claim('verdicts')}/verdicts`,
      versioned: () => claim('verdicts'),
      valid: () => ({ verdict: 'reported', reason: 'US officials said so.' }),
      fields: { verdict: req('enum'), reason, override: opt('bool') },
    },
    {
      name: 'POST /api/claims/{id}/rewordings',
      method: 'post',
      role: 'editor',
      path: () => `${claim('rewordings')}/rewordings`,
      versioned: () => claim('rewordings'),
      valid: () => ({ statement: 'Kim wants food aid.', reason: 'Shorter.' }),
      fields: { statement: text(2000), reason },
    },
    {
      name: 'POST /api/claims/{id}/resolution',
      method: 'post',
      role: 'reviewer',
      path: () => `${claim('resolution')}/resolution`,
      versioned: () => claim('resolution'),
      valid: () => ({ outcome: 'occurred', reason: 'Both attended.' }),
      fields: { outcome: req('enum'), reason },
    },
    {
      name: 'POST /api/claims/{id}/relations',
      method: 'post',
      role: 'editor',
      path: () => `${claim('relations')}/relations`,
      versioned: () => claim('relations'),
      valid: () => ({ relation: 'supports', claimId: ids['claim:other'] }),
      fields: { relation: req('enum'), claimId: req('uuid') },
    },
    {
      name: 'POST /api/claims/{id}/withdrawal',
      method: 'post',
      role: 'reviewer',
      path: () => `${claim('withdrawal')}/withdrawal`,
      versioned: () => claim('withdrawal'),
      valid: () => ({ reason: 'Cut from the story.' }),
      fields: { reason },
    },
    {
      name: 'POST /api/claims/{id}/reinstatement',
      method: 'post',
      role: 'reviewer',
      path: () => `${claim('reinstatement')}/reinstatement`,
      versioned: () => claim('reinstatement'),
      valid: () => ({ reason: 'Restored.' }),
      fields: { reason },
    },
    {
      name: 'POST /api/stories/{id}/archival',
      method: 'post',
      role: 'reviewer',
      path: () => `/api/stories/${ids['story:archival']}/archival`,
      versioned: () => `/api/stories/${ids['story:archival']}`,
      valid: () => ({ reason: 'Superseded.' }),
      fields: { reason },
    },
  ];

  const versionOf = async (path: string): Promise<number> => {
    const res = await t.http.get(path).set(t.auth('reader'));
    expect(res.status).toBe(200);
    return Number(JSON.parse(res.headers.etag));
  };

  it('When a free-text value is not UTF-8, then it is a 400 rather than stored with replacement characters', async () => {
    const before = await t.eventCount();
    const json = JSON.stringify(storyBody('kim-visit-latin1', { headline: 'Kim trifft Putin in Wladiwostok' }));
    const raw = Buffer.from(json.replace('trifft', 'tr\u00efft'), 'latin1');
    const res = await http.post('/api/stories').set(t.auth('editor')).set('Content-Type', 'application/json').serialize(asIs).send(raw);
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: expect.objectContaining({ code: 'REQUEST.INVALID_ENCODING' }) });
    expect(await t.eventCount()).toBe(before);
  });

  it.each(endpoints.map((e, i) => [e.name, e, i] as const))('When %s gets generated and mutated payloads, then none is a 5xx, every invalid one is a 4xx, and refused ones store nothing', async (name, endpoint, index) => {
    const cases = fc.sample(casesFor(endpoint), { seed: SEED + index, numRuns: RUNS });
    const started = performance.now();
    let version = endpoint.versioned ? await versionOf(endpoint.versioned()) : 0;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let invalidCount = 0;
    for (let from = 0; from < cases.length; from += BATCH) {
      const before = await t.eventCount();
      let written = 0;
      const batch = cases.slice(from, from + BATCH);
      for (const [offset, c] of batch.entries()) {
        const { json, raw } = c.build();
        let sending = http[endpoint.method](endpoint.path()).set(t.auth(endpoint.role)).set('Content-Type', 'application/json');
        if (endpoint.versioned) sending = sending.set(ifMatch(version));
        // Bytes as they are: superagent would otherwise send a Buffer as the JSON of its octets.
        if (Buffer.isBuffer(raw)) sending = sending.serialize(asIs);
        const res: Response = await sending.send(raw ?? JSON.stringify(json));
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const where = `case ${from + offset} (${c.label})`;
        if (c.expect === 'invalid') invalidCount++;
        if (res.status >= 500) failures.push(`${where}: ${res.status} ${res.text.slice(0, 200)}`);
        else if (c.expect === 'invalid' && res.status < 400) failures.push(`${where}: an invalid payload got ${res.status}`);
        else if (res.status < 300) {
          // Accepted: it stored as many events as the version moved (from 0 for a creation).
          const accepted = (res.body as { version?: unknown }).version;
          if (typeof accepted !== 'number') failures.push(`${where}: ${res.status} without a version`);
          else {
            written += endpoint.versioned ? accepted - version : accepted;
            if (endpoint.versioned) version = accepted;
          }
        }
        if (failures.length >= 20) break;
      }
      const after = await t.eventCount();
      if (after - before !== written) failures.push(`cases ${from}-${from + batch.length - 1}: ${after - before} events stored, ${written} by accepted payloads`);
      if (failures.length > 0) break;
    }
    const seconds = (performance.now() - started) / 1000;
    const summary = [...statuses.entries()].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ');
    figures.push(`${name}: ${cases.length} payloads (${invalidCount} built invalid) in ${seconds.toFixed(1)} s — ${summary}`);
    expect(failures).toEqual([]);
    expect(cases.length).toBe(RUNS);
  });
});
