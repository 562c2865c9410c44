import { createParamDecorator, type ExecutionContext, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

const ENTITY_TAG = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/;

/** The stream version a change is made against, from If-Match; required on every change to an existing resource. */
export const IfMatch = createParamDecorator((_: unknown, context: ExecutionContext): number => {
  const header = context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'];
  if (header === undefined || header === '') {
    throw new HttpException(
      { code: 'REQUEST.IF_MATCH_REQUIRED', message: 'Send If-Match: "<version>" with the ETag you last read.' },
      428,
    );
  }
  const match = ENTITY_TAG.exec(header);
  if (!match) throw new HttpException({ code: 'REQUEST.INVALID_IF_MATCH', message: 'If-Match must be an ETag like "3".' }, 400);
  return Number(match[1]);
});

export const setVersionHeaders = (response: FastifyReply, version: number, checkpoint?: string | null): void => {
  response.header('ETag', `"${version}"`);
  if (checkpoint) response.header('X-Checkpoint', checkpoint);
};
