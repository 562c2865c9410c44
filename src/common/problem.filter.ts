import { ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { requestContext } from './request-context';
import { toProblem } from './problem';

/** The one error filter: every failure leaves as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(error: unknown, host: ArgumentsHost): void {
    sendProblem(error, host.switchToHttp().getResponse<FastifyReply>(), this.logger);
  }
}

export const sendProblem = (error: unknown, response: FastifyReply, logger: Pick<Logger, 'error'>): void => {
  const { problem, headers, unexpected } = toProblem(error);
  if (unexpected) {
    const requestId = requestContext.current()?.requestId;
    logger.error({ err: error, requestId }, 'unexpected error');
  }
  if (response.sent || response.raw.headersSent) {
    if (!response.raw.writableEnded) response.raw.end();
    return;
  }
  response.headers(headers).code(problem.status).type('application/problem+json').send(JSON.stringify(problem));
};
