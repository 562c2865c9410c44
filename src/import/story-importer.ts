import { readFileSync } from 'node:fs';
import { CommandBus } from '@nestjs/cqrs';
import { ChangeClaimCommand, RecordClaimCommand } from '../claims/commands/claim.commands';
import type { CommandContext } from '../common/decider';
import { RegisterSourceCommand } from '../sources/commands/source.commands';
import { OpenStoryCommand } from '../stories/commands/story.commands';
import { storyImportSchema, type StoryImport } from './story-import.schema';

export interface ImportProgress {
  (done: number, total: number, step: string): void;
}

export interface ImportResult {
  storyId: string;
  sources: number;
  claims: number;
  events: number;
}

export const readStoryImport = (file: string): StoryImport => {
  const parsed = storyImportSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 10).map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`${file} is not a story import file:\n${lines.join('\n')}`);
  }
  return parsed.data;
};

const keyed = (map: Map<string, string>, key: string, what: string): string => {
  const id = map.get(key);
  if (!id) throw new Error(`The import names ${what} "${key}", which it does not define.`);
  return id;
};

/** Imports through the same commands an editor's requests use, so every rule and projection applies. */
export const importStory = async (commands: CommandBus, data: StoryImport, context: CommandContext, progress: ImportProgress = () => undefined): Promise<ImportResult> => {
  const total = data.sources.length + 1 + data.claims.length * 2 + data.relations.length;
  let done = 0;
  let events = 0;
  const step = (label: string, written: number) => {
    events += written;
    progress(++done, total, label);
  };
  const { desk } = data.story;
  // The story goes first: a slug already taken stops the import before it writes anything else.
  const story = await commands.execute(
    new OpenStoryCommand({ ...data.story, url: data.story.url ?? undefined, desk, publishedAt: data.story.publishedAt ?? undefined }, context),
  );
  const storyId = story.streamId.slice('story-'.length);
  step(`story ${data.story.slug}`, story.version);
  const sourceIds = new Map<string, string>();
  for (const source of data.sources) {
    const handled = await commands.execute(
      new RegisterSourceCommand({ ...source, name: source.name ?? undefined, affiliation: source.affiliation ?? undefined, desk }, context),
    );
    sourceIds.set(source.key, handled.streamId.slice('source-'.length));
    step(`source ${source.descriptor}`, handled.version);
  }
  const claims = new Map<string, { id: string; version: number }>();
  for (const claim of data.claims) {
    const handled = await commands.execute(
      new RecordClaimCommand(
        {
          storyId,
          statement: claim.statement,
          kind: claim.kind,
          topics: claim.topics,
          actors: claim.actors,
          occurredAt: claim.occurredAt ?? undefined,
          dueAt: claim.dueAt ?? undefined,
          citations: claim.citations.map((c) => ({
            sourceId: keyed(sourceIds, c.source, 'source'),
            role: c.role,
            stance: c.stance,
            credibility: c.credibility,
            access: c.access,
            quote: c.quote ?? undefined,
            relayOf: c.relayOf ? keyed(sourceIds, c.relayOf, 'source') : undefined,
          })),
        },
        context,
      ),
    );
    claims.set(claim.key, { id: handled.streamId.slice('claim-'.length), version: handled.version });
    step(`claim ${claim.key}`, handled.version);
  }
  for (const claim of data.claims) {
    const current = claims.get(claim.key)!;
    if (claim.verdict && claim.verdict.verdict !== 'unverified') {
      const handled = await commands.execute(
        new ChangeClaimCommand(current.id, { type: 'ChangeVerdict', data: { ...claim.verdict, override: false } }, current.version, context),
      );
      current.version = handled.version;
      step(`verdict ${claim.key}`, 1);
    } else {
      step(`verdict ${claim.key}`, 0);
    }
  }
  for (const relation of data.relations) {
    const from = claims.get(relation.from);
    const to = claims.get(relation.to);
    if (!from || !to) throw new Error(`The relation ${relation.from} -> ${relation.to} names a claim the import does not define.`);
    const handled = await commands.execute(
      new ChangeClaimCommand(from.id, { type: 'RelateClaim', data: { relation: relation.relation, claimId: to.id } }, from.version, context),
    );
    from.version = handled.version;
    step(`relation ${relation.from} ${relation.relation} ${relation.to}`, 1);
  }
  return { storyId, sources: sourceIds.size, claims: claims.size, events };
};
