import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Context, Measure, Prepared, Scenario } from '../lib/scenario';
import { alternate } from '../lib/scenario';

interface Servers {
  readonly ours: string;
  readonly bare: string;
  readonly bareFastify: string;
  readonly reader: string;
  readonly editor: string;
  readonly storyId: string;
  readonly claims: ClaimSlot[];
}

interface ClaimSlot {
  readonly id: string;
  version: number;
  verdict: string;
  citations: number;
  writes: number;
  busy: boolean;
}

// not 'claimant': each claim is recorded citing a source as its claimant
const ROLES = ['original_source', 'corroborates', 'contradicts', 'denial', 'relay'];
let sources: string[] = [];

const call = async (base: string, token: string, method: string, path: string, body?: unknown): Promise<{ body: Record<string, unknown>; etag: string | null }> => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return { body: (await res.json()) as Record<string, unknown>, etag: res.headers.get('etag') };
};

const READY = 'bench-http-servers ';
let shared: Promise<Servers> | null = null;

/** The child with both servers, a story, sources and claims to work on; stopped at the end of the run. */
const serversOnce = (context: Context): Promise<Servers> => {
  shared ??= (async () => {
    const db = await context.server.database('http', 2);
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof": node options for the servers' process only.
    const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const child: ChildProcess = spawn(process.execPath, [...nodeArgs, join(__dirname, '..', 'lib', 'http-servers.js')], {
      env: { ...process.env, BENCH_DATABASE_URL: db.url },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    context.server.atStop(async () => {
      shared = null;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin?.end();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill();
      await db.close();
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the HTTP servers exited with ${code}`)));
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (text) => {
        if (text.startsWith(READY)) resolve(text.slice(READY.length));
      });
    });
    const started = JSON.parse(line) as Omit<Servers, 'storyId' | 'claims'>;
    const { body: story } = await call(started.ours, started.editor, 'POST', '/api/stories', {
      slug: 'kim-jong-un-russia-visit',
      headline: 'Kim Jong-un plans to visit Russia to meet Putin',
      body: 'Kim Jong-un plans to travel to Russia this month to meet Vladimir Putin, US officials said.',
      desk: 'world',
    });
    sources = [];
    for (let i = 0; i < 12; i++) {
      const { body } = await call(started.ours, started.editor, 'POST', '/api/sources', {
        kind: 'government_body',
        descriptor: `US officials ${i}`,
        anonymous: false,
        reliability: 'B',
        rationale: 'briefed several outlets on the record',
      });
      sources.push(body.id as string);
    }
    const claimCount = context.options.smoke ? 3 * context.options.connections : 8 * context.options.connections;
    const claims: ClaimSlot[] = [];
    for (let i = 0; i < claimCount; i++) {
      const { body, etag } = await call(started.ours, started.editor, 'POST', '/api/claims', {
        storyId: story.id,
        statement: `Putin wants artillery shells and antitank missiles from North Korea (${i}), according to US officials`,
        kind: 'assertion',
        topics: ['arms-for-technology', 'us-warning'],
        actors: ['Kim Jong-un', 'Vladimir Putin'],
        citations: [{ sourceId: sources[i % sources.length], role: 'claimant', stance: 'supports', credibility: 3, access: 'on_record', quote: 'We have information that Kim expects these discussions to continue.' }],
      });
      claims.push({ id: body.id as string, version: Number(etag?.replace(/"/g, '')), verdict: 'unverified', citations: 1, writes: 0, busy: false });
      if ((i + 1) % 100 === 0) context.progress(`seeded ${i + 1} / ${claimCount} claims`);
    }
    return { ...started, storyId: story.id as string, claims };
  })();
  return shared;
};

type Kind = 'get' | 'list' | 'verdict' | 'citation';

/** A free claim for a connection that writes (each claim has at most one writer, so If-Match never races). */
let turn = 0;
const takeClaim = (servers: Servers): ClaimSlot => {
  for (let tried = 0; tried < servers.claims.length; tried++) {
    const claim = servers.claims[turn++ % servers.claims.length];
    if (!claim.busy) {
      claim.busy = true;
      return claim;
    }
  }
  throw new Error('no free claim: seed more claims than connections');
};

type Target = 'ours' | 'bare' | 'bareFastify';

const VARIANTS: Record<Target, string> = { ours: 'claimtrail', bare: 'bare Nest + pg', bareFastify: 'bare Nest (Fastify) + pg' };

const run = async (context: Context, servers: Servers, kind: Kind, target: Target): Promise<Measure> => {
  const base = { ours: servers.ours, bare: servers.bare, bareFastify: servers.bareFastify }[target];
  const prefix = target === 'ours' ? '/api/claims' : '/bare/claims';
  const write = kind === 'verdict' || kind === 'citation';
  let reads = 0;
  // autocannon resets a connection's context after each request, so a writer takes a free claim per
  // request and frees it on the response: a claim never has two writers, so If-Match never races.
  type Slot = { claim?: ClaimSlot; verdict?: string };
  const instance = autocannon({
    url: base,
    connections: context.options.connections,
    duration: context.options.httpSeconds,
    headers: { Authorization: `Bearer ${write ? servers.editor : servers.reader}`, 'Content-Type': 'application/json' },
    requests: [
      {
        setupRequest: (request, ctx) => {
          const slot = ctx as Slot;
          if (!write) {
            const claim = servers.claims[reads++ % servers.claims.length];
            return { ...request, method: 'GET', path: kind === 'get' ? `${prefix}/${claim.id}` : `${prefix}?storyId=${servers.storyId}` };
          }
          const claim = takeClaim(servers);
          slot.claim = claim;
          const headers = { ...request.headers, 'If-Match': `"${claim.version}"` };
          if (kind === 'verdict') {
            slot.verdict = claim.verdict === 'reported' ? 'disputed' : 'reported';
            return { ...request, method: 'POST', path: `${prefix}/${claim.id}/verdicts`, headers, body: JSON.stringify({ verdict: slot.verdict, reason: 'a second source on record' }) };
          }
          const n = claim.citations;
          return {
            ...request,
            method: 'POST',
            path: `${prefix}/${claim.id}/citations`,
            headers,
            body: JSON.stringify({
              sourceId: sources[n % sources.length],
              role: ROLES[Math.floor(n / sources.length) % ROLES.length],
              stance: 'supports',
              credibility: 3,
              access: 'on_record',
              quote: 'The arms negotiations between Russia and North Korea are actively advancing, officials said on Monday.',
            }),
          };
        },
        onResponse: (status, _body, ctx, headers) => {
          const slot = ctx as Slot;
          const claim = slot.claim;
          if (!write || !claim) return;
          claim.busy = false;
          if (target !== 'ours' || status < 200 || status >= 300) return;
          const etag = headers?.etag;
          claim.version = etag ? Number(String(etag).replace(/"/g, '')) : claim.version + 1;
          if (kind === 'verdict') claim.verdict = slot.verdict ?? claim.verdict;
          else claim.citations += 1;
          claim.writes += 1;
        },
      },
    ],
  });
  const result = await instance;
  // a request cut off at the end of the run may still have committed: read those claims again
  for (const claim of servers.claims.filter((c) => c.busy)) {
    const { body, etag } = await call(servers.ours, servers.reader, 'GET', `/api/claims/${claim.id}`);
    claim.version = Number(etag?.replace(/"/g, ''));
    claim.verdict = body.verdict as string;
    claim.citations = (body.citations as unknown[]).length;
    claim.busy = false;
  }
  const errors = result.non2xx + result.errors + result.timeouts;
  if (errors > 0) context.progress(`${target} ${kind}: ${errors} failed requests of ${result.requests.total}`);
  return {
    variant: VARIANTS[target],
    value: (result.requests.total - errors) / context.options.httpSeconds,
    unit: 'req/s',
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    errors,
  };
};

const httpScenario = (kind: Kind, name: string, what: string, goal?: Scenario['goal']): Scenario => ({
  name,
  group: 'http',
  what,
  subject: 'claimtrail',
  baseline: 'bare Nest + pg',
  goal,
  async prepare(context): Promise<Prepared> {
    const servers = await serversOnce(context);
    return {
      // The ratio is to Nest's default (Express) bare endpoint; the same endpoint on Fastify, the adapter
      // Claimtrail serves with, is measured beside them so the framework's share shows (docs/decisions/080).
      round: (r) =>
        alternate(r, [() => run(context, servers, kind, 'bare'), () => run(context, servers, kind, 'bareFastify'), () => run(context, servers, kind, 'ours')]),
      close: () => Promise.resolve(),
    };
  },
});

const readP99 = (ratio: number, m: Measure): boolean => (m.p99 ?? Infinity) < 20;

export const httpScenarios: Scenario[] = [
  httpScenario('get', 'http-get-claim', 'GET /api/claims/:id (auth, claim_view row) vs a bare endpoint with one SELECT', {
    text: '≥ 0.6 × bare, p99 < 20 ms',
    met: (ratio, m) => ratio >= 0.6 && readP99(ratio, m),
  }),
  httpScenario('list', 'http-list-claims', "GET /api/claims?storyId= (a story's claims, first page) vs one SELECT … LIMIT 21", {
    text: 'read p99 < 20 ms',
    met: readP99,
  }),
  httpScenario('verdict', 'http-post-verdict', 'POST /api/claims/:id/verdicts with If-Match (load, decide, append, inline views) vs one INSERT', {
    text: '≥ 0.5 × bare',
    met: (ratio) => ratio >= 0.5,
  }),
  httpScenario('citation', 'http-post-citation', 'POST /api/claims/:id/citations with If-Match vs one INSERT'),
];
