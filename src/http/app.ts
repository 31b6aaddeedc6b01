/**
 * The HTTP server: one Fastify instance serving the bot API, the CRM API, health and the web page. Routes live in
 * their own modules; this file owns what every route shares: body limits, JSON parsing and the error shape.
 */
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { type ErrorType, isRoomanError, RoomanError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

export const STATUS_BY_ERROR_TYPE: Record<ErrorType, number> = {
  VALIDATION_ERROR: 400,
  PARSING_ERROR: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  CRM_ERROR: 502,
};

export interface HttpAppOptions {
  logger: Logger;
  bodyLimit: number;
}

/** Maps Fastify's own request errors (bad JSON, wrong content type, oversized body) onto the product's error types. */
function fromFastifyError(error: FastifyError): RoomanError {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RoomanError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RoomanError('UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new RoomanError('VALIDATION_ERROR', 'Request body is empty; expected a JSON object', {
        field: '(body)',
      });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new RoomanError('VALIDATION_ERROR', `Request body is not valid JSON: ${error.message}`, {
        field: '(body)',
      });
    default:
      if (error instanceof SyntaxError || error.statusCode === 400) {
        return new RoomanError('VALIDATION_ERROR', `Request body is not valid JSON: ${error.message}`, {
          field: '(body)',
        });
      }
      return new RoomanError('INTERNAL_ERROR', 'Internal error', { cause: error });
  }
}

export function createHttpApp(options: HttpAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'http' }) as FastifyBaseLogger,
    // Per-request lines would drown the seed's CRM blocks; errors are still logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit,
    // Behind a load balancer the client address and scheme come from X-Forwarded-*.
    trustProxy: true,
    return503OnClosing: true,
  });

  app.setErrorHandler((raw, request, reply) => {
    const error = isRoomanError(raw) ? raw : fromFastifyError(raw as FastifyError);
    const status = STATUS_BY_ERROR_TYPE[error.type];
    if (status >= 500) request.log.error({ err: raw }, 'request failed');
    else request.log.debug({ err: error.toJSON() }, 'request refused');
    void reply.status(status).send(error.toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new RoomanError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    void reply.status(404).send(error.toJSON());
  });

  return app;
}
