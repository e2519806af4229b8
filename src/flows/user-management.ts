/**
 * The library API: Salesforce's UserManagement operations for one site, for servers that embed otpgate.
 *
 * @example
 * const otpgate = await createOtpgate({ config });
 * const um = otpgate.userManagement('demo');
 * const identifier = await um.initSelfRegistration('SMS', { mobilePhone: '+14155550101', firstName: 'Ada' });
 * const result = await um.verifySelfRegistration('SMS', identifier, codeTheUserTyped, '/welcome');
 * // result: { success: true, redirect: '/welcome', message: 'Token is valid', userId: '...' }
 */
import { SERVER_CALL } from '../domain/captcha.js';
import { isOtpgateError, OtpgateError } from '../domain/errors.js';
import { formatPhoneNumber } from '../domain/phone.js';
import type { RequestMeta, Site } from './deps.js';
import { noMeta } from './deps.js';
import type { RegistrationUserData } from './site-hooks.js';
import type { UseCases } from './use-cases.js';

export type VerificationMethod = 'SMS';

export interface VerificationResult {
  success: boolean;
  /** Where to send the user next: the start URL, or the site's home. */
  redirect: string;
  /** "Token is valid" on success, else a sentence a person understands. */
  message: string;
  /** The stable error code on failure. */
  error?: string;
  userId?: string;
}

const SUCCESS_MESSAGE = 'Token is valid';

function requireSms(method: string): void {
  if (String(method).toUpperCase() !== 'SMS') throw new OtpgateError('unsupported_verification_method');
}

/** The embedding application's own calls: no browser, so no captcha (SERVER_CALL); the application guards its callers. */
export function createUserManagement(useCases: UseCases, site: () => Promise<Site>, home: string, meta: RequestMeta = noMeta) {
  const result = async (run: () => Promise<string | undefined>, startUrl?: string | null): Promise<VerificationResult> => {
    const redirect = startUrl || home;
    try {
      const userId = await run();
      return { success: true, redirect, message: SUCCESS_MESSAGE, ...(userId ? { userId } : {}) };
    } catch (error) {
      if (!isOtpgateError(error)) throw error;
      return { success: false, redirect, message: error.message, error: error.code };
    }
  };
  const errorMessage = async (run: () => Promise<unknown>): Promise<string | null> => {
    try {
      await run();
      return null;
    } catch (error) {
      if (!isOtpgateError(error)) throw error;
      return error.message;
    }
  };
  return {
    async initPasswordlessLogin(userId: string, method: VerificationMethod): Promise<string> {
      requireSms(method);
      return (await useCases.initPasswordlessLogin(await site(), { userId, captcha: SERVER_CALL, meta })).identifier;
    },
    async verifyPasswordlessLogin(userId: string, method: VerificationMethod, identifier: string, code: string, startUrl?: string | null) {
      requireSms(method);
      return result(async () => (await useCases.verifyPasswordlessLogin(await site(), { identifier, code, userId, meta })).id, startUrl);
    },
    async initSelfRegistration(
      method: VerificationMethod,
      user: RegistrationUserData & { locale?: string; customdata?: Record<string, unknown> },
    ): Promise<string> {
      requireSms(method);
      const { locale, customdata, ...userdata } = user;
      return (
        await useCases.initSelfRegistration(await site(), {
          userdata,
          customdata: customdata ?? {},
          locale: locale ?? null,
          captcha: SERVER_CALL,
          meta,
        })
      ).identifier;
    },
    async verifySelfRegistration(method: VerificationMethod, identifier: string, code: string, startUrl?: string | null) {
      requireSms(method);
      return result(async () => (await useCases.verifySelfRegistration(await site(), { identifier, code, meta })).id, startUrl);
    },
    /** Second factor for the signed-in user `userId`. */
    async initVerificationMethod(userId: string, method: VerificationMethod): Promise<string> {
      requireSms(method);
      return (await useCases.initIdentityVerification(await site(), { userId, meta })).identifier;
    },
    async verifyVerificationMethod(userId: string, identifier: string, code: string, method: VerificationMethod) {
      requireSms(method);
      return result(async () => {
        await useCases.verifyIdentityVerification(await site(), { userId, identifier, code, meta });
        return userId;
      });
    },
    /** Sends a code to a new phone for `userId`. Returns null on success, else the error message (as Salesforce does). */
    async initRegisterVerificationMethod(userId: string, method: VerificationMethod, phone: string): Promise<string | null> {
      requireSms(method);
      return errorMessage(async () => useCases.initPhoneRegistration(await site(), { userId, phone, meta }));
    },
    /** Returns null when the code was right and the phone is now the user's verified phone, else the error message. */
    async verifyRegisterVerificationMethod(userId: string, code: string, method: VerificationMethod): Promise<string | null> {
      requireSms(method);
      return errorMessage(async () => useCases.verifyPhoneRegistration(await site(), { userId, code, meta }));
    },
    formatPhoneNumber(countryCode: string, phoneNumber: string): string | null {
      return formatPhoneNumber(countryCode, phoneNumber);
    },
  };
}

export type UserManagement = ReturnType<typeof createUserManagement>;
