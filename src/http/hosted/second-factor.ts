import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isOtpgateError } from '../../domain/errors.js';
import { confirmPage } from '../pages/confirm-page.js';
import { displayPhone, type Message } from '../pages/components.js';
import type { PageContext } from '../pages/layout.js';
import { verifyPage, type VerifyStep } from '../pages/verify-page.js';
import { metaOf } from '../request-meta.js';
import { submitCode } from './code-step.js';
import { bodyOf, field, pageContext, queryParam, seeOther, sendPage } from './context.js';
import { problemText } from './messages.js';
import { safeReturnTo, withReturnTo } from './return-to.js';
import { currentSession } from './session-cookie.js';
import type { HttpServices } from '../services.js';

/**
 * /{site}/account/confirm: the second factor a site may ask for before sensitive pages: a fresh code to
 * the user's verified phone (identity verification), remembered on the session for secondFactor.maxAgeSeconds.
 */
export function secondFactorHandlers(services: Pick<HttpServices, 'useCases' | 'sessions' | 'urls'>) {
  const { urls } = services;
  function step(ctx: PageContext, request: FastifyRequest, identifier: string, phone: string, returnTo: string): VerifyStep {
    return {
      action: `${ctx.base}/account/confirm/verify`,
      hidden: { identifier, return_to: returnTo },
      phone,
      codeLength: request.site.policies.identity_verification.codeLength,
    };
  }

  /** The signed-in user with their return address, or a redirect to sign in. */
  async function signedIn(request: FastifyRequest, reply: FastifyReply, returnToValue: string | undefined) {
    const site = request.site;
    const returnTo = safeReturnTo(site, returnToValue) ?? `/${site.id}/account`;
    const who = await currentSession(services, request, reply);
    if (!who) return { redirect: seeOther(reply, withReturnTo(`/${site.id}/login`, returnTo)) };
    return { who, returnTo };
  }

  return {
    async show(request: FastifyRequest, reply: FastifyReply) {
      const found = await signedIn(request, reply, queryParam(request, 'return_to'));
      if ('redirect' in found) return found.redirect;
      const { who, returnTo } = found;
      // Asked for by the account page or by a phone change: a recent pass is enough for either.
      if (services.sessions.secondFactorRecent(request.site, who.session)) return seeOther(reply, returnTo);
      const ctx = pageContext(urls, request, reply, { user: who.user, languageLinks: true });
      return sendPage(reply, 200, confirmPage(ctx, { phone: who.user.phone ?? '', returnTo }));
    },

    async send(request: FastifyRequest, reply: FastifyReply) {
      const found = await signedIn(request, reply, field(bodyOf(request), 'return_to'));
      if ('redirect' in found) return found.redirect;
      const { who, returnTo } = found;
      const ctx = pageContext(urls, request, reply, { user: who.user });
      try {
        const { identifier } = await services.useCases.initIdentityVerification(request.site, {
          userId: who.user.id,
          meta: metaOf(request),
        });
        return sendPage(reply, 200, verifyPage(ctx, step(ctx, request, identifier, who.user.phone ?? '', returnTo), null));
      } catch (error) {
        if (!isOtpgateError(error)) throw error;
        return sendPage(
          reply,
          ERRORS[error.code].status,
          confirmPage(ctx, { phone: who.user.phone ?? '', returnTo }, { kind: 'error', text: problemText(ctx.t, error) }),
        );
      }
    },

    async verify(request: FastifyRequest, reply: FastifyReply) {
      const found = await signedIn(request, reply, field(bodyOf(request), 'return_to'));
      if ('redirect' in found) return found.redirect;
      const { who, returnTo } = found;
      const site = request.site;
      const ctx = pageContext(urls, request, reply, { user: who.user });
      const phone = who.user.phone ?? '';
      let identifier = field(bodyOf(request), 'identifier');
      return submitCode({
        action: field(bodyOf(request), 'action'),
        resend: () => services.useCases.initIdentityVerification(site, { userId: who.user.id, meta: metaOf(request) }),
        verify: () =>
          services.useCases.verifyIdentityVerification(site, {
            userId: who.user.id,
            identifier,
            code: field(bodyOf(request), 'code'),
            meta: metaOf(request),
          }),
        done: async () => {
          await services.sessions.recordSecondFactor(site, who.session);
          return seeOther(reply, returnTo);
        },
        again: (newIdentifier, problem) => {
          identifier = newIdentifier ?? identifier;
          const message: Message = problem
            ? { kind: 'error', text: problemText(ctx.t, problem) }
            : { kind: 'notice', text: ctx.t('verify.resent', { phone: displayPhone(phone) }) };
          return sendPage(
            reply,
            problem ? ERRORS[problem.code].status : 200,
            verifyPage(ctx, step(ctx, request, identifier, phone, returnTo), message),
          );
        },
        restart: (problem) =>
          sendPage(
            reply,
            ERRORS[problem.code].status,
            confirmPage(ctx, { phone, returnTo }, { kind: 'error', text: problemText(ctx.t, problem) }),
          ),
      });
    },
  };
}
