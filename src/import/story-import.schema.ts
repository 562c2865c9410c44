import { z } from 'zod';
import { DESK_NAME } from '../common/access';

const iso = z.iso.datetime({ offset: true });

/** The import file: one story with its sources, claims, citations, verdicts and relations, by local keys. */
export const storyImportSchema = z.object({
  story: z.object({
    slug: z.string(),
    headline: z.string(),
    body: z.string(),
    url: z.url().nullable().optional(),
    // The story and the sources the file registers belong to this desk.
    desk: z.string().regex(DESK_NAME, 'desk must be a short lowercase desk name such as "world"'),
    publishedAt: iso.nullable().optional(),
  }),
  sources: z.array(
    z.object({
      key: z.string(),
      kind: z.enum(['person', 'organisation', 'government_body', 'official_assessment', 'news_outlet', 'wire', 'document', 'dataset', 'social_account', 'anonymous_group']),
      descriptor: z.string(),
      name: z.string().nullable().optional(),
      anonymous: z.boolean(),
      affiliation: z.string().nullable().optional(),
      reliability: z.enum(['A', 'B', 'C', 'D', 'E', 'F']),
      rationale: z.string(),
    }),
  ),
  claims: z.array(
    z.object({
      key: z.string(),
      statement: z.string(),
      kind: z.enum(['assertion', 'forecast', 'quote', 'intent']),
      topics: z.array(z.string()),
      actors: z.array(z.string()),
      occurredAt: iso.nullable().optional(),
      dueAt: iso.nullable().optional(),
      citations: z.array(
        z.object({
          source: z.string(),
          role: z.enum(['claimant', 'original_source', 'relay', 'corroborates', 'contradicts', 'denial']),
          stance: z.enum(['supports', 'contradicts', 'neutral']),
          credibility: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5), z.literal(6)]),
          access: z.enum(['on_record', 'background', 'anonymous', 'document', 'observed']),
          quote: z.string().nullable().optional(),
          relayOf: z.string().nullable().optional(),
        }),
      ),
      verdict: z.object({ verdict: z.enum(['unverified', 'reported', 'disputed']), reason: z.string() }).nullable().optional(),
    }),
  ),
  relations: z
    .array(z.object({ from: z.string(), relation: z.enum(['supports', 'contradicts', 'part_of', 'duplicate_of', 'supersedes']), to: z.string() }))
    .default([]),
});

export type StoryImport = z.infer<typeof storyImportSchema>;
