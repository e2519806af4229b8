/**
 * The requests of the Salesforce Mobile SDKs' native login, written down from their code (Android
 * `NativeLoginManager.kt`, iOS `NativeLoginManagerInternal.swift`) with the SDKs' defaults: a 128-byte base64url
 * code verifier (171 characters), `Authorization: Basic` in URL-safe base64 without padding, the hybrid grant
 * (`useHybridAuthentication = true`), then the identity URL of the token response's `id`. Each step reads only
 * what the SDK reads and fails where the SDK would stop. The two SDKs differ in how they write bodies: Android
 * percent-encodes form values (`Uri.encode`), iOS writes them into the string as they are.
 */
import { createHash, randomBytes } from 'node:crypto';

export type Platform = 'android' | 'ios';

export interface SdkOptions {
  platform: Platform;
  /** The connected app's consumer key and callback URL, as in the app's bootconfig. */
  clientId: string;
  redirectUri: string;
  /** The site's URL (the SDK's loginUrl / community URL). */
  loginUrl: string;
  /** How the device reaches a URL: tests map the issuer's host name to the loopback server. */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}

/** What the SDK keeps as the signed-in user account once the flow completes. */
export interface SdkUserAccount {
  accessToken: string;
  refreshToken: string | undefined;
  instanceUrl: string;
  idUrl: string;
  orgId: string;
  userId: string;
  communityId: string | undefined;
  communityUrl: string | undefined;
  username: string;
}

export class SdkStepFailed extends Error {
  constructor(
    readonly step: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${step} failed with ${status}: ${body}`);
  }
}

const formEncode = (platform: Platform, pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${k}=${platform === 'android' ? encodeURIComponent(v) : v}`).join('&');

export function salesforceMobileSdk(options: SdkOptions) {
  const { platform, clientId, redirectUri, loginUrl } = options;

  async function call(step: string, url: string, init: RequestInit): Promise<Record<string, unknown>> {
    const response = await options.fetch(url, { redirect: 'manual', ...init });
    const text = await response.text();
    // Both SDKs treat anything but a 2xx answer as failure.
    if (response.status < 200 || response.status > 299) throw new SdkStepFailed(step, response.status, text);
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** getRandom128ByteKey / generateCodeVerifier, and getSHA256Hash / generateChallenge. */
  function pkce() {
    const verifier = randomBytes(128).toString('base64url');
    return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  }

  /** Authorization (code_credentials, JSON answer), then the token request, then the identity service. */
  async function authorizeAndSignIn(requestType: string, identifier: string, otp: string): Promise<SdkUserAccount> {
    const { verifier, challenge } = pkce();
    const authorization = Buffer.from(`${identifier}:${otp.trim()}`).toString('base64url');
    const authorized = await call('authorization', `${loginUrl}/services/oauth2/authorize`, {
      method: 'POST',
      headers: {
        'Auth-Request-Type': requestType,
        'Auth-Verification-Type': 'sms',
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${authorization}`,
      },
      body: formEncode(platform, [
        ['response_type', 'code_credentials'],
        ['client_id', clientId],
        ['redirect_uri', redirectUri],
        ['code_challenge', challenge],
      ]),
    });
    const code = String(authorized.code);
    const authEndpoint = String(authorized.sfdc_community_url);
    const token = await call('token', `${authEndpoint}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: formEncode(platform, [
        ['code', code],
        ['grant_type', 'hybrid_auth_code'],
        ['client_id', clientId],
        ['redirect_uri', redirectUri],
        ['code_verifier', verifier],
      ]),
    });
    // TokenEndpointResponse: access_token, instance_url and id are required; the ids are id's last two segments.
    const accessToken = String(token.access_token);
    const instanceUrl = String(token.instance_url);
    const idUrl = String(token.id);
    const fragments = idUrl.split('/');
    const idUrlWithInstance = idUrl.replace(new URL(idUrl).host, new URL(instanceUrl).host);
    // callIdentityService: GET with the access token; the account is created only with a username.
    const identity = await call('identity', idUrlWithInstance, { method: 'GET', headers: { Authorization: `Bearer ${accessToken}` } });
    if (typeof identity.username !== 'string' || !identity.username) throw new SdkStepFailed('identity', 200, 'no username');
    return {
      accessToken,
      refreshToken: typeof token.refresh_token === 'string' ? token.refresh_token : undefined,
      instanceUrl,
      idUrl,
      userId: fragments[fragments.length - 1]!,
      orgId: fragments[fragments.length - 2]!,
      communityId: typeof token.sfdc_community_id === 'string' ? token.sfdc_community_id : undefined,
      communityUrl: typeof token.sfdc_community_url === 'string' ? token.sfdc_community_url : undefined,
      username: identity.username,
    };
  }

  return {
    /** submitOtpRequest: the identifier of the code sent for `username`. */
    async submitOtpRequest(username: string): Promise<string> {
      const answer = await call('otp request', `${loginUrl}/services/auth/headless/init/passwordless/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        // recaptcha and recaptchaevent are null without a reCAPTCHA configuration: left out of the JSON.
        body: JSON.stringify({ username: username.trim(), verificationmethod: 'sms' }),
      });
      return String(answer.identifier);
    },

    /** submitPasswordlessAuthorizationRequest. */
    submitPasswordlessAuthorizationRequest: (otp: string, otpIdentifier: string) =>
      authorizeAndSignIn('passwordless-login', otpIdentifier, otp),

    /**
     * startRegistration. The SDK's user data is email, username, first and last name; `extraUserData` adds what
     * the app's own code would have to (Salesforce, like otpgate, needs userdata.mobilePhone for SMS).
     */
    async startRegistration(input: {
      email: string;
      firstName: string;
      lastName: string;
      username: string;
      newPassword: string;
      extraUserData?: Record<string, string>;
    }): Promise<{ email: string; requestIdentifier: string }> {
      const answer = await call('start registration', `${loginUrl}/services/auth/headless/init/registration`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          userdata: {
            email: input.email.trim(),
            username: input.username.trim(),
            firstName: input.firstName.trim(),
            lastName: input.lastName.trim(),
            ...input.extraUserData,
          },
          password: input.newPassword.trim(),
          verificationmethod: 'sms',
        }),
      });
      return { email: String(answer.email), requestIdentifier: String(answer.identifier) };
    },

    /** completeRegistration. */
    completeRegistration: (otp: string, requestIdentifier: string) => authorizeAndSignIn('user-registration', requestIdentifier, otp),
  };
}
