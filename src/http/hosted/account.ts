import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isOtpgateError, OtpgateError } from '../../domain/errors.js';
import { parsePhone } from '../../domain/phone.js';
import type { BrowserSession } from '../../domain/session.js';
import type { User } from '../../domain/user.js';
import { accountPage, type PhoneChangeForm } from '../pages/account-page.js';
import { allowedApps, clientName } from './account-apps.js';
import { displayPhone, type Message } from '../pages/components.js';
import type { PageContext } from '../pages/layout.js';
import { verifyPage, type VerifyStep } from '../pages/verify-page.js';
import { metaOf } from '../request-meta.js';
import { submitCode } from './code-step.js';
import { bodyOf, defaultCountry, field, pageContext, queryParam, seeOther, sendPage } from './context.js';
import { problemText } from './messages.js';
import { withReturnTo } from './return-to.js';
import { currentSession } from './session-cookie.js';
import type { HttpServices } from '../services.js';

/** The signed-in user, or the redirect already sent. */
export type AccountAccess = { who: { session: BrowserSession; user: User } } | { redirected: FastifyReply };

/**
 * The signed-in user, or a redirect: to sign-in without a session, to the second factor when the site asks
 * for a fresh one. `back` is where the user lands afterwards. The reply is wrapped, never returned bare from
 * this async function: a Fastify reply is a thenable, and awaiting one waits for the response instead.
 */
export async function requireAccount(
  services: Pick<HttpServices, 'sessions' | 'urls'>,
  request: FastifyRequest,
  reply: FastifyReply,
  back: string,
): Promise<AccountAccess> {
  const site = request.site;
  const who = await currentSession(services, request, reply);
  if (!who) return { redirected: seeOther(reply, withReturnTo(`/${site.id}/login`, back)) };
  if (!services.sessions.secondFactorSatisfied(site, who.session))
    return { redirected: seeOther(reply, withReturnTo(`/${site.id}/account/confirm`, back)) };
  return { who };
}

/** requireAccount, and for a phone change also a fresh second factor on the current phone (when it has one). */
async function requirePhoneChange(
  services: Pick<HttpServices, 'sessions' | 'urls'>,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<AccountAccess> {
  const back = `/${request.site.id}/account#change-phone`;
  const access = await requireAccount(services, request, reply, back);
  if ('redirected' in access) return access;
  const { session, user } = access.who;
  if (user.phone && user.phoneVerified && !services.sessions.phoneChangeSatisfied(request.site, session))
    return { redirected: seeOther(reply, withReturnTo(`/${request.site.id}/account/confirm`, back)) };
  return access;
}

/** /{site}/account and its phone change: code to the new number; the old one stays until the code is right. */
export function accountHandlers(services: Pick<HttpServices, 'useCases' | 'sessions' | 'urls' | 'consents' | 'clients'>) {
  const { urls } = services;
  const accountPath = (request: FastifyRequest) => `/${request.site.id}/account`;

  function step(ctx: PageContext, request: FastifyRequest, identifier: string, phone: string): VerifyStep {
    return {
      action: `${ctx.base}/account/phone/verify`,
      hidden: { identifier, phone },
      phone,
      codeLength: request.site.policies.phone_registration.codeLength,
      restartHref: `${ctx.base}/account#change-phone`,
    };
  }

  const emptyForm = (request: FastifyRequest): PhoneChangeForm => ({ country: defaultCountry(request), phone: '' });

  return {
    async show(request: FastifyRequest, reply: FastifyReply) {
      const access = await requireAccount(services, request, reply, accountPath(request));
      if ('redirected' in access) return access.redirected;
      const { who } = access;
      const ctx = pageContext(urls, request, reply, { user: who.user, languageLinks: true });
      const changed = queryParam(request, 'done') === 'phone_changed' && who.user.phone;
      const revoked =
        queryParam(request, 'done') === 'app_revoked' ? await clientName(services, request.site, queryParam(request, 'client')) : null;
      const message: Message = changed
        ? { kind: 'notice', text: ctx.t('account.phoneChanged', { phone: displayPhone(who.user.phone!) }) }
        : revoked
          ? { kind: 'notice', text: ctx.t('account.revoked', { client: revoked }) }
          : null;
      const apps = await allowedApps(services, request.site, who.user.id);
      return sendPage(reply, 200, accountPage(ctx, who.user, emptyForm(request), message, apps));
    },

    async startPhoneChange(request: FastifyRequest, reply: FastifyReply) {
      const access = await requirePhoneChange(services, request, reply);
      if ('redirected' in access) return access.redirected;
      const { who } = access;
      const ctx = pageContext(urls, request, reply, { user: who.user });
      const form: PhoneChangeForm = {
        country: defaultCountry(request, field(bodyOf(request), 'country')),
        phone: field(bodyOf(request), 'phone'),
      };
      try {
        const phone = parsePhone(form.phone, form.country);
        if (!phone) throw new OtpgateError('invalid_phone_number');
        const { identifier } = await services.useCases.initPhoneRegistration(request.site, {
          userId: who.user.id,
          phone: phone.e164,
          meta: metaOf(request),
        });
        return sendPage(reply, 200, verifyPage(ctx, step(ctx, request, identifier, phone.e164), null));
      } catch (error) {
        if (!isOtpgateError(error)) throw error;
        return sendPage(
          reply,
          ERRORS[error.code].status,
          accountPage(ctx, who.user, form, { kind: 'error', text: problemText(ctx.t, error, 'phone_change') }),
        );
      }
    },

    async verifyPhoneChange(request: FastifyRequest, reply: FastifyReply) {
      const access = await requirePhoneChange(services, request, reply);
      if ('redirected' in access) return access.redirected;
      const { who } = access;
      const site = request.site;
      const ctx = pageContext(urls, request, reply, { user: who.user });
      const phone = parsePhone(field(bodyOf(request), 'phone'))?.e164 ?? '';
      let identifier = field(bodyOf(request), 'identifier');
      return submitCode({
        action: field(bodyOf(request), 'action'),
        resend: () => services.useCases.initPhoneRegistration(site, { userId: who.user.id, phone, meta: metaOf(request) }),
        verify: () =>
          services.useCases.verifyPhoneRegistration(site, {
            userId: who.user.id,
            identifier,
            code: field(bodyOf(request), 'code'),
            changedBy: { sessionHash: who.session.tokenHash },
            meta: metaOf(request),
          }),
        done: () => seeOther(reply, `${accountPath(request)}?done=phone_changed`),
        again: (newIdentifier, problem) => {
          identifier = newIdentifier ?? identifier;
          const message: Message = problem
            ? { kind: 'error', text: problemText(ctx.t, problem, 'phone_change') }
            : { kind: 'notice', text: ctx.t('verify.resent', { phone: displayPhone(phone) }) };
          return sendPage(
            reply,
            problem ? ERRORS[problem.code].status : 200,
            verifyPage(ctx, step(ctx, request, identifier, phone), message),
          );
        },
        restart: (problem) => {
          const form: PhoneChangeForm = { country: parsePhone(phone)?.country ?? defaultCountry(request), phone };
          return sendPage(
            reply,
            ERRORS[problem.code].status,
            accountPage(ctx, who.user, form, { kind: 'error', text: problemText(ctx.t, problem, 'phone_change') }),
          );
        },
      });
    },
  };
}
