import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS, isOtpgateError, OtpgateError } from '../../domain/errors.js';
import { parsePhone } from '../../domain/phone.js';
import type { RegistrationUserData } from '../../flows/site-hooks.js';
import { displayPhone, type Message } from '../pages/components.js';
import type { Html } from '../pages/html.js';
import type { PageContext } from '../pages/layout.js';
import { registerPage, type RegisterForm, type RegisterProblem } from '../pages/register-page.js';
import { verifyPage, type VerifyStep } from '../pages/verify-page.js';
import { metaOf } from '../request-meta.js';
import { captchaProofOfForm, captchaWidgetFor } from './captcha-form.js';
import { submitCode } from './code-step.js';
import { bodyOf, defaultCountry, field, pageContext, queryParam, seeOther, sendPage, type FormBody } from './context.js';
import { problemText } from './messages.js';
import { safeReturnTo, withReturnTo } from './return-to.js';
import { signIn } from './session-cookie.js';
import type { HttpServices } from '../services.js';

const EMAIL = /^[^@\s]+@[^@\s]+$/;

/**
 * /{site}/register and its code form: self-registration by SMS. The user exists only once the code is
 * right; then they are signed in and sent back where they came from (an app's sign-in, or the account page).
 */
export function registerHandlers(services: Pick<HttpServices, 'useCases' | 'sessions' | 'urls'>) {
  const { urls } = services;
  const formOf = (request: FastifyRequest, body: FormBody | undefined): RegisterForm => ({
    firstName: field(body, 'first_name').slice(0, 200),
    lastName: field(body, 'last_name').slice(0, 200),
    email: field(body, 'email').slice(0, 254),
    country: defaultCountry(request, field(body, 'country')),
    phone: field(body, 'phone'),
    returnTo: safeReturnTo(request.site, field(body, 'return_to')),
    captcha: captchaWidgetFor(request.site, 'self_registration'),
  });

  /** A registration page is sent with the CSP its captcha widget needs (none without one). */
  const send = (request: FastifyRequest, reply: FastifyReply, status: number, page: Html) =>
    sendPage(reply, status, page, captchaWidgetFor(request.site, 'self_registration')?.provider ?? null);

  const userdataOf = (form: RegisterForm, phone: string): RegistrationUserData => ({
    mobilePhone: phone,
    ...(form.firstName ? { firstName: form.firstName } : {}),
    ...(form.lastName ? { lastName: form.lastName } : {}),
    ...(form.email ? { email: form.email } : {}),
  });

  function step(ctx: PageContext, request: FastifyRequest, form: RegisterForm, identifier: string, phone: string): VerifyStep {
    return {
      action: `${ctx.base}/register/verify`,
      hidden: { identifier, phone, first_name: form.firstName, last_name: form.lastName, email: form.email, return_to: form.returnTo },
      phone,
      codeLength: request.site.policies.self_registration.codeLength,
      restartHref: withReturnTo(`${ctx.base}/register`, form.returnTo),
      captcha: form.captcha ?? null,
    };
  }

  function problemOf(ctx: PageContext, form: RegisterForm, error: OtpgateError): RegisterProblem {
    const message: Message = { kind: 'error', text: problemText(ctx.t, error) };
    if (error.code === 'phone_taken') return { field: 'phone', message, signInHref: withReturnTo(`${ctx.base}/login`, form.returnTo) };
    return { field: error.code === 'invalid_phone_number' || error.code === 'country_not_supported' ? 'phone' : null, message };
  }

  return {
    async form(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const ctx = pageContext(urls, request, reply, { languageLinks: true });
      const known = parsePhone(queryParam(request, 'phone') ?? '');
      const form: RegisterForm = {
        firstName: '',
        lastName: '',
        email: '',
        country: known?.country ?? defaultCountry(request),
        phone: known?.e164 ?? '',
        returnTo: safeReturnTo(site, queryParam(request, 'return_to')),
        captcha: captchaWidgetFor(site, 'self_registration'),
      };
      return send(request, reply, 200, registerPage(ctx, form));
    },

    async start(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const ctx = pageContext(urls, request, reply);
      const form = formOf(request, bodyOf(request));
      if (form.email && !EMAIL.test(form.email)) {
        return send(
          request,
          reply,
          400,
          registerPage(ctx, form, { field: 'email', message: { kind: 'error', text: ctx.t('error.invalid_email') } }),
        );
      }
      try {
        const phone = parsePhone(form.phone, form.country);
        if (!phone) throw new OtpgateError('invalid_phone_number');
        const { identifier } = await services.useCases.initSelfRegistration(site, {
          userdata: userdataOf(form, phone.e164),
          locale: ctx.t.locale,
          captcha: captchaProofOfForm(site, bodyOf(request)),
          meta: metaOf(request),
        });
        return send(request, reply, 200, verifyPage(ctx, step(ctx, request, form, identifier, phone.e164), null));
      } catch (error) {
        if (!isOtpgateError(error)) throw error;
        return send(request, reply, ERRORS[error.code].status, registerPage(ctx, form, problemOf(ctx, form, error)));
      }
    },

    async verify(request: FastifyRequest, reply: FastifyReply) {
      const site = request.site;
      const ctx = pageContext(urls, request, reply);
      const form = formOf(request, bodyOf(request));
      const phone = parsePhone(form.phone)?.e164 ?? '';
      let identifier = field(bodyOf(request), 'identifier');
      return submitCode({
        action: field(bodyOf(request), 'action'),
        resend: () =>
          services.useCases.initSelfRegistration(site, {
            userdata: userdataOf(form, phone),
            locale: ctx.t.locale,
            captcha: captchaProofOfForm(site, bodyOf(request)),
            meta: metaOf(request),
          }),
        verify: () =>
          services.useCases.verifySelfRegistration(site, { identifier, code: field(bodyOf(request), 'code'), meta: metaOf(request) }),
        done: async (user) => {
          await signIn(services, request, reply, user);
          return seeOther(reply, form.returnTo ?? `/${site.id}/account`);
        },
        again: (newIdentifier, problem) => {
          identifier = newIdentifier ?? identifier;
          const message: Message = problem
            ? { kind: 'error', text: problemText(ctx.t, problem) }
            : { kind: 'notice', text: ctx.t('verify.resent', { phone: displayPhone(phone) }) };
          return send(
            request,
            reply,
            problem ? ERRORS[problem.code].status : 200,
            verifyPage(ctx, step(ctx, request, form, identifier, phone), message),
          );
        },
        restart: (problem) =>
          send(
            request,
            reply,
            ERRORS[problem.code].status,
            registerPage(ctx, { ...form, country: parsePhone(phone)?.country ?? form.country }, problemOf(ctx, form, problem)),
          ),
      });
    },
  };
}
