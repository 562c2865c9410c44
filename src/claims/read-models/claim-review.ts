import { DomainError } from '../../common/domain-error';
import type { Verdict } from '../claim.decider';
import type { ClaimView } from './claim.view';

export interface ClaimReview {
  '@context': 'https://schema.org';
  '@type': 'ClaimReview';
  claimReviewed: string;
  datePublished: string;
  reviewRating: { '@type': 'Rating'; ratingValue: number; bestRating: 5; worstRating: 1; alternateName: string };
  itemReviewed: { '@type': 'Claim'; author: { '@type': 'Thing'; name: string }[]; datePublished: string | null };
  author: { '@type': 'Organization'; name: 'Claimtrail' };
}

/** Only settled verdicts are published; unverified, reported and inconclusive stay in-house. */
const RATINGS: Partial<Record<Verdict, { value: number; name: string }>> = {
  confirmed: { value: 5, name: 'True' },
  corroborated: { value: 4, name: 'Mostly true' },
  disputed: { value: 3, name: 'Disputed' },
  misleading: { value: 2, name: 'Misleading' },
  false: { value: 1, name: 'False' },
};

export const toClaimReview = (claim: ClaimView): ClaimReview => {
  const rating = RATINGS[claim.verdict];
  if (!rating || claim.withdrawn) {
    throw new DomainError('CLAIM.NOT_EXPORTABLE', 'conflict', `A claim whose verdict is ${claim.verdict}${claim.withdrawn ? ' and that is withdrawn' : ''} is not published as a ClaimReview.`);
  }
  return {
    '@context': 'https://schema.org',
    '@type': 'ClaimReview',
    claimReviewed: claim.statement,
    datePublished: claim.updatedAt,
    reviewRating: { '@type': 'Rating', ratingValue: rating.value, bestRating: 5, worstRating: 1, alternateName: rating.name },
    itemReviewed: { '@type': 'Claim', author: claim.actors.map((name) => ({ '@type': 'Thing', name })), datePublished: claim.occurredAt },
    author: { '@type': 'Organization', name: 'Claimtrail' },
  };
};
