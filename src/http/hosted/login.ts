import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isOtpgateError, OtpgateError } from '../../domain/errors.js';
import { isChannel, type Channel } from '../../domain/channel.js';
import { parsePhone } from '../../domain/phone.js';
import type { Translator } from '../../i18n/index.js';
import { displayPhone, type Message } from '../pages/components.js';
import type { Html } from '../pages/html.js';
import type { PageContext } from '../pages/layout.js';
import { loginPage, type LoginForm } from '../pages/login-page.js';
import { verifyPage, type VerifyStep } from '../pages/verify-page.js';
import { metaOf } from '../request-meta.js';
import { captchaProofOfForm, captchaWidgetFor } from './captcha-form.js';
import { submitCode } from './code-step.js';
import { bodyOf, defaultCountry, field, pageContext, queryParam, seeOther, sendPage, type FormBody } from './context.js';
import { problemText } from './messages.js';
import { safeReturnTo, withReturnTo } from './return-to.js';
import { currentSession, signIn } from './session-cookie.js';
import type { HttpServices } from '../services.js';

const NOTICES: Record<string, 'login.signedOut' | 'login.signedOutEverywhere'> = {
  signed_out: 'login.signedOut',
  signed_out_everywhere: 'login.signedOutEverywhere',
};

/** /{site}/login and its code form: passwordless login by SMS, ending in a browser session. */
export function loginHandlers(services: Pick<HttpServices, 'useCases' | 'sessions' | 'urls'>) {
  const { urls } = services;
  const errorMessage = (t: Translator, error: OtpgateError): Message => ({ kind: 'error', text: problemText(t, error) });

  function step(
    ctx: PageContext,
    request: FastifyRequest,
    input: { identifier: string; phone: string; returnTo: string | null; channel?: Channel | undefined },
  ): VerifyStep {
    return {
      action: `${ctx.base}/login/verify`,
      // The channel rides along so a resend goes the way the first code did.
      hidden: { identifier: input.identifier, phone: input.phone, return_to: input.returnTo, channel: input.channel },
      ...(input.channel ? { channel: input.channel } : {}),
      phone: input.phone,
      codeLength: request.site.policies.passwordless_login.codeLength,
      restartHref: withReturnTo(`${ctx.base}/login`, input.returnTo),
      registerHref: withReturnTo(`${ctx.base}/register`, input.returnTo, { phone: input.phone }),
      captcha: captchaWidgetFor(request.site, 'passwordless_login'),
    };
  }

  /** A login page is sent with the CSP its captcha widget needs (none without one). */
  const send = (request: FastifyRequest, reply: FastifyReply, status: number, page: Html) =>
    sendPage(reply, status, page, captchaWidgetFor(request.site, 'passwordless_login')?.provider ?? null);

  return {
    async form(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const returnTo = safeReturnTo(site, queryParam(request, 'return_to'));
      // Signed in already and nowhere to go back to: the account page is what the user came for.
      if (!returnTo && (await currentSession(services, request, reply))) return seeOther(reply, `/${site.id}/account`);
      const ctx = pageContext(urls, request, reply, { languageLinks: true });
      const hint = parsePhone(queryParam(request, 'login_hint') ?? '', site.defaultCountry ?? undefined);
      const notice = NOTICES[queryParam(request, 'done') ?? ''];
      const form: LoginForm = {
        country: hint?.country ?? defaultCountry(request),
        phone: hint?.e164 ?? '',
        returnTo,
        captcha: captchaWidgetFor(site, 'passwordless_login'),
      };
      return send(request, reply, 200, loginPage(ctx, form, notice ? { kind: 'notice', text: ctx.t(notice) } : null));
    },

    async start(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const ctx = pageContext(urls, request, reply);
      const form: LoginForm = {
        country: defaultCountry(request, field(bodyOf(request), 'country')),
        phone: field(bodyOf(request), 'phone'),
        returnTo: safeReturnTo(site, field(bodyOf(request), 'return_to')),
        captcha: captchaWidgetFor(site, 'passwordless_login'),
      };
      try {
        const phone = parsePhone(form.phone, form.country);
        if (!phone) throw new OtpgateError('invalid_phone_number');
        const channel = channelField(bodyOf(request));
        const { identifier } = await services.useCases.initPasswordlessLogin(site, {
          loginHint: phone.e164,
          ...(channel ? { channel } : {}),
          captcha: captchaProofOfForm(site, bodyOf(request)),
          meta: metaOf(request),
        });
        return send(
          request,
          reply,
          200,
          verifyPage(ctx, step(ctx, request, { identifier, phone: phone.e164, returnTo: form.returnTo, channel }), null),
        );
      } catch (error) {
        if (!isOtpgateError(error)) throw error;
        const alternatives = error.extra.alternatives;
        const offered = Array.isArray(alternatives) ? { alternatives: alternatives.filter(isChannel) } : {};
        return send(request, reply, ERRORS[error.code].status, loginPage(ctx, { ...form, ...offered }, errorMessage(ctx.t, error)));
      }
    },

    async verify(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const ctx = pageContext(urls, request, reply);
      const body = bodyOf(request);
      const returnTo = safeReturnTo(site, field(body, 'return_to'));
      const phone = parsePhone(field(body, 'phone'))?.e164 ?? '';
      let identifier = field(body, 'identifier');
      const channel = channelField(body);
      return submitCode({
        action: field(body, 'action'),
        resend: () =>
          services.useCases.initPasswordlessLogin(site, {
            loginHint: phone,
            ...(channel ? { channel } : {}),
            captcha: captchaProofOfForm(site, body),
            meta: metaOf(request),
          }),
        verify: () => services.useCases.verifyPasswordlessLogin(site, { identifier, code: field(body, 'code'), meta: metaOf(request) }),
        done: async (user) => {
          await signIn(services, request, reply, user);
          return seeOther(reply, returnTo ?? `/${site.id}/account`);
        },
        again: (newIdentifier, problem) => {
          identifier = newIdentifier ?? identifier;
          const message: Message = problem
            ? errorMessage(ctx.t, problem)
            : { kind: 'notice', text: ctx.t('verify.resent', { phone: displayPhone(phone) }) };
          return send(
            request,
            reply,
            problem ? ERRORS[problem.code].status : 200,
            verifyPage(ctx, step(ctx, request, { identifier, phone, returnTo, channel }), message),
          );
        },
        restart: (problem) => {
          const form: LoginForm = {
            country: parsePhone(phone)?.country ?? defaultCountry(request),
            phone,
            returnTo,
            captcha: captchaWidgetFor(site, 'passwordless_login'),
          };
          return send(request, reply, ERRORS[problem.code].status, loginPage(ctx, form, errorMessage(ctx.t, problem)));
        },
      });
    },
  };
}

/** The channel a form asks for; anything else (absent, unknown) is sms. */
function channelField(body: FormBody | undefined): Channel | undefined {
  const value = field(body, 'channel');
  return isChannel(value) && value !== 'sms' ? value : undefined;
}
