import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS } from '../../domain/errors.js';
import { errorPage } from '../pages/error-page.js';
import { replyError, toOtpgateError } from '../reply-error.js';
import { pageContext, sendPage } from './context.js';
import { problemText } from './messages.js';
import type { HttpServices } from '../services.js';

const CSRF_ERRORS = new Set(['FST_CSRF_INVALID_TOKEN', 'FST_CSRF_MISSING_SECRET']);

/** Errors on hosted pages are pages too: the user's language, the site's look, never a stack trace. */
export function pageErrorHandler(services: Pick<HttpServices, 'urls'>) {
  const { urls } = services;
  return function pageError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (CSRF_ERRORS.has(error.code)) {
      const ctx = pageContext(urls, request, reply);
      return sendPage(reply, 403, errorPage(ctx, ctx.t('error.csrf'), request.id));
    }
    const problem = toOtpgateError(error);
    if (problem.code === 'server_error') request.log.error({ err: problem.cause ?? error }, 'page failed');
    if (problem.extra.retry_after !== undefined) reply.header('retry-after', String(problem.extra.retry_after));
    try {
      const ctx = pageContext(urls, request, reply);
      return sendPage(reply, ERRORS[problem.code].status, errorPage(ctx, problemText(ctx.t, problem), request.id));
    } catch (renderError) {
      // The page itself could not be built: the JSON error is still better than nothing.
      request.log.error({ err: renderError }, 'error page failed');
      return replyError(request, reply, problem);
    }
  };
}
