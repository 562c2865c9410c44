import { DomainError } from '../common/domain-error';

export const claimNotFound = (): DomainError =>
  new DomainError('CLAIM.NOT_FOUND', 'not_found', 'The claim does not exist.');

export const claimAlreadyExists = (claimId: string): DomainError =>
  new DomainError('CLAIM.ALREADY_EXISTS', 'conflict', `Claim ${claimId} has already been recorded.`, { claimId });

export const claimWithdrawn = (): DomainError =>
  new DomainError('CLAIM.WITHDRAWN', 'conflict', 'The claim is withdrawn; only reinstatement can change it.');

export const claimAlreadyWithdrawn = (): DomainError =>
  new DomainError('CLAIM.ALREADY_WITHDRAWN', 'conflict', 'The claim is already withdrawn.');

export const claimNotWithdrawn = (): DomainError =>
  new DomainError('CLAIM.NOT_WITHDRAWN', 'conflict', 'Only a withdrawn claim can be reinstated.');

export const claimReviewerRequired = (action: string): DomainError =>
  new DomainError('CLAIM.REVIEWER_REQUIRED', 'forbidden', `Only a reviewer or admin may ${action} a claim.`, {
    action,
  });

export const reasonRequired = (): DomainError =>
  new DomainError('CLAIM.REASON_REQUIRED', 'invalid', 'A reason is required.');

export const statementRequired = (): DomainError =>
  new DomainError('CLAIM.STATEMENT_REQUIRED', 'invalid', 'A claim needs a statement.');

export const statementUnchanged = (): DomainError =>
  new DomainError('CLAIM.STATEMENT_UNCHANGED', 'conflict', 'The new wording is the same as the current one.');

export const forecastNeedsDueDate = (): DomainError =>
  new DomainError('CLAIM.FORECAST_NEEDS_DUE_DATE', 'invalid', 'A forecast needs a due date.');

export const dueDateOnlyForForecasts = (kind: string): DomainError =>
  new DomainError('CLAIM.DUE_DATE_ONLY_FOR_FORECASTS', 'invalid', `A claim of kind ${kind} cannot have a due date.`, {
    kind,
  });

export const notAForecast = (kind: string): DomainError =>
  new DomainError('CLAIM.NOT_A_FORECAST', 'conflict', `Only a forecast can be resolved; this claim is ${kind}.`, {
    kind,
  });

export const resolutionUnchanged = (outcome: string): DomainError =>
  new DomainError('CLAIM.RESOLUTION_UNCHANGED', 'conflict', `The forecast is already resolved as ${outcome}.`, {
    outcome,
  });

export const relatedClaimNotFound = (claimId: string): DomainError =>
  new DomainError('CLAIM.RELATED_NOT_FOUND', 'not_found', `Claim ${claimId} does not exist.`, { claimId });

export const selfRelation = (): DomainError =>
  new DomainError('CLAIM.SELF_RELATION', 'invalid', 'A claim cannot be related to itself.');

export const relationExists = (relation: string, claimId: string): DomainError =>
  new DomainError('CLAIM.RELATION_EXISTS', 'conflict', `The claim is already ${relation} claim ${claimId}.`, {
    relation,
    claimId,
  });

export const sourceNotFound = (sourceId: string): DomainError =>
  new DomainError('SOURCE.NOT_FOUND', 'not_found', `Source ${sourceId} does not exist.`, { sourceId });

export const duplicateCitation = (sourceId: string, role: string): DomainError =>
  new DomainError('CITATION.DUPLICATE', 'conflict', `Source ${sourceId} is already cited as ${role}.`, {
    sourceId,
    role,
  });

export const relayOfOnlyForRelays = (role: string): DomainError =>
  new DomainError(
    'CITATION.RELAY_OF_ONLY_FOR_RELAYS',
    'invalid',
    `A ${role} citation cannot name a source it relays.`,
    { role },
  );

export const citationNotFound = (citationId: string): DomainError =>
  new DomainError('CITATION.NOT_FOUND', 'not_found', `Citation ${citationId} is not active on this claim.`, {
    citationId,
  });

export const verdictUnchanged = (verdict: string): DomainError =>
  new DomainError('VERDICT.UNCHANGED', 'conflict', `The verdict is already ${verdict}.`, { verdict });

export const verdictReviewerRequired = (verdict: string): DomainError =>
  new DomainError(
    'VERDICT.REVIEWER_REQUIRED',
    'forbidden',
    `Only a reviewer or admin may set the verdict ${verdict}.`,
    { verdict },
  );

export const fourEyes = (verdict: string): DomainError =>
  new DomainError(
    'VERDICT.FOUR_EYES',
    'forbidden',
    `You made the last citation or rewording of this claim, so another reviewer must set it to ${verdict}.`,
    { verdict },
  );

export const overrideForbidden = (): DomainError =>
  new DomainError(
    'VERDICT.OVERRIDE_FORBIDDEN',
    'forbidden',
    'Only a reviewer or admin may override the evidence rules.',
  );

export const needsCorroboration = (chains: number): DomainError =>
  new DomainError(
    'VERDICT.NEEDS_CORROBORATION',
    'conflict',
    `Corroborated needs two independent supporting chains; the claim has ${chains}.`,
    { chains },
  );

export const needsConfirmation = (): DomainError =>
  new DomainError(
    'VERDICT.NEEDS_CONFIRMATION',
    'conflict',
    'Confirmed needs a supporting citation graded A or B with credibility 1, or two independent chains graded A to C.',
  );

export const needsContradiction = (): DomainError =>
  new DomainError(
    'VERDICT.NEEDS_CONTRADICTION',
    'conflict',
    'False needs a contradicting citation with credibility 1 or 2.',
  );

export const anonymousOnly = (verdict: string): DomainError =>
  new DomainError(
    'VERDICT.ANONYMOUS_ONLY',
    'conflict',
    `Support from anonymous sources alone cannot make a claim ${verdict} without a reviewer's override.`,
    { verdict },
  );
