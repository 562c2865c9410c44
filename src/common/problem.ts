import { HttpException } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { DomainError, type DomainErrorKind } from './domain-error';

/** RFC 9457 problem details, the body of every error response. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
  [extension: string]: unknown;
}

export interface FieldError {
  field: string;
  message: string;
}

/** Thrown by the validation pipe: a 400 that lists every offending field. */
export class ValidationProblem extends Error {
  constructor(readonly errors: FieldError[]) {
    super('The request body or query is invalid.');
  }
}

const STATUS_OF_KIND: Record<DomainErrorKind, number> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  stale: 412,
  unavailable: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The longest path parameter the router accepts; a longer one is a 414 before any route runs. */
export const MAX_PATH_PARAMETER = 500;

const CODES_OF_STATUS: Record<number, string> = {
  400: 'REQUEST.INVALID',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'RESOURCE.NOT_FOUND',
  405: 'REQUEST.METHOD_NOT_ALLOWED',
  413: 'REQUEST.TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  429: 'REQUEST.THROTTLED',
};

const problem = (status: number, code: string, detail: string, extra: Record<string, unknown> = {}): Problem => ({
  type: `https://claimtrail.dev/problems/${code.toLowerCase().replace(/[._]/g, '-')}`,
  title: TITLES[status] ?? 'Error',
  status,
  detail,
  code,
  ...extra,
});

/** Errors raised by the connection itself rather than by a statement: the database is away. */
const UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300']);

const isUnavailable = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
};

interface BodyParserError {
  type: string;
  status: number;
}

const isBodyParserError = (error: unknown): error is BodyParserError =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { type?: unknown }).type === 'string' && typeof (error as { status?: unknown }).status === 'number';

/** An error Fastify raised while reading the request (its codes start FST_ERR). */
const isFastifyError = (error: unknown): error is { code: string; statusCode: number } =>
  typeof error === 'object' &&
  error !== null &&
  typeof (error as { code?: unknown }).code === 'string' &&
  (error as { code: string }).code.startsWith('FST_ERR') &&
  typeof (error as { statusCode?: unknown }).statusCode === 'number';

/**
 * The one place that turns a failure into an HTTP status and a problem body. Anything unexpected is a
 * 500 whose body says nothing about the internals; the caller logs the error itself.
 */
export const toProblem = (error: unknown): { problem: Problem; headers: Record<string, string>; unexpected: boolean } => {
  const plain = (p: Problem, headers: Record<string, string> = {}) => ({ problem: p, headers, unexpected: false });
  if (error instanceof DomainError) {
    return plain(problem(STATUS_OF_KIND[error.kind], error.code, error.message, error.details), error.kind === 'unavailable' ? { 'Retry-After': '5' } : {});
  }
  if (error instanceof ValidationProblem) {
    return plain(problem(400, 'REQUEST.VALIDATION_FAILED', error.message, { errors: error.errors }));
  }
  // Errors raised while Fastify read the request reach the filter wrapped by Nest: answer for the original.
  if (error instanceof HttpException && (isFastifyError(error.cause) || isBodyParserError(error.cause))) return toProblem(error.cause);
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const code =
      typeof response === 'object' && response !== null && typeof (response as { code?: unknown }).code === 'string'
        ? (response as { code: string }).code
        : (CODES_OF_STATUS[status] ?? `HTTP.${status}`);
    const message = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : error.message;
    const retryAfter = typeof response === 'object' && response !== null ? (response as { retryAfter?: unknown }).retryAfter : undefined;
    const headers: Record<string, string> =
      status === 429
        ? { 'Retry-After': String(typeof retryAfter === 'number' && retryAfter > 0 ? Math.ceil(retryAfter) : 60) }
        : status === 401
          ? { 'WWW-Authenticate': 'Bearer realm="claimtrail"' }
          : {};
    return plain(problem(status, code, detail), headers);
  }
  if (isBodyParserError(error)) {
    if (error.type === 'entity.too.large') return plain(problem(413, 'REQUEST.TOO_LARGE', 'The body is larger than 100 kB.'));
    if (error.type === 'entity.parse.failed') return plain(problem(400, 'REQUEST.MALFORMED_JSON', 'The body is not valid JSON.'));
    if (error.type === 'encoding.invalid') return plain(problem(400, 'REQUEST.INVALID_ENCODING', 'The body is not valid UTF-8.'));
    if (error.type === 'encoding.unsupported' || error.type === 'charset.unsupported') {
      return plain(problem(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the body as UTF-8 JSON.'));
    }
    if (error.status >= 400 && error.status < 500) return plain(problem(error.status, 'REQUEST.INVALID', 'The request body could not be read.'));
  }
  if (isFastifyError(error) && error.statusCode >= 400 && error.statusCode < 500) {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return plain(problem(413, 'REQUEST.TOO_LARGE', 'The body is larger than 100 kB.'));
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return plain(problem(415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON with Content-Type: application/json.'));
    if (error.code === 'FST_ERR_BAD_URL') {
      return plain(problem(400, 'REQUEST.MALFORMED_URL', "The path is not valid percent-encoding: a '%' must begin an escape such as %20 (send a '%' itself as %25)."));
    }
    if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
      return plain(problem(414, 'REQUEST.URI_TOO_LONG', `A part of the path is longer than ${MAX_PATH_PARAMETER} characters; ids are UUIDs.`));
    }
    return plain(problem(error.statusCode, CODES_OF_STATUS[error.statusCode] ?? 'REQUEST.INVALID', 'The request could not be read.'));
  }
  if (isUnavailable(error)) {
    return plain(problem(503, 'DATABASE.UNAVAILABLE', 'The database is unavailable; retry shortly.'), { 'Retry-After': '5' });
  }
  if (error instanceof DatabaseError && error.code === '23505') {
    return plain(problem(409, 'STORE.DUPLICATE', 'Another record already holds this unique value.'));
  }
  if (error instanceof DatabaseError && error.code === '57014') {
    return plain(problem(503, 'DATABASE.TIMEOUT', 'The database took too long; retry shortly.'), { 'Retry-After': '5' });
  }
  return { problem: problem(500, 'INTERNAL', 'Something went wrong on our side; it has been logged.'), headers: {}, unexpected: true };
};
