import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOtpgateError } from '../domain/errors.js';
import type { OAuthClient } from '../domain/oauth.js';
import { checkBrowserRequest, checkHeadlessRequest, pkceChallenge } from './authorization-request.js';
import { readOAuthParams } from './params.js';

const publicClient: OAuthClient = {
  siteId: 's',
  clientId: 'app',
  name: 'App',
  secretHash: null,
  redirectUris: ['https://app/cb'],
  postLogoutRedirectUris: [],
  requirePkce: true,
  firstParty: false,
  idTokenAlg: 'RS256',
};
const confidential: OAuthClient = { ...publicClient, secretHash: 'hash' };
const legacyConfidential: OAuthClient = { ...confidential, requirePkce: false };
const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const fails = (code: string) => (error: unknown) => isOtpgateError(error) && error.code === code;
const scope = (value: string | undefined) => value ?? 'openid';

test('PKCE: S256 is accepted with or without code_challenge_method, plain and malformed challenges are not', () => {
  assert.equal(pkceChallenge({ code_challenge: challenge, code_challenge_method: 'S256' }, publicClient), challenge);
  assert.equal(pkceChallenge({ code_challenge: challenge }, publicClient), challenge, 'a missing method means S256 (Salesforce)');
  assert.throws(() => pkceChallenge({ code_challenge: challenge, code_challenge_method: 'plain' }, publicClient), fails('invalid_request'));
  assert.throws(() => pkceChallenge({ code_challenge: 'short' }, publicClient), fails('invalid_request'));
});

test('PKCE (RFC 9700): every client must send a challenge, confidential ones too, unless a confidential one turned it off', () => {
  assert.throws(() => pkceChallenge({}, publicClient), fails('invalid_request'));
  assert.throws(() => pkceChallenge({}, confidential), fails('invalid_request'), 'a secret does not stop code injection');
  assert.equal(pkceChallenge({}, legacyConfidential), null);
  assert.throws(
    () => pkceChallenge({}, { ...publicClient, requirePkce: false }),
    fails('invalid_request'),
    'a public client cannot opt out',
  );
});

test('the browser and headless endpoints apply the same PKCE rule', () => {
  const asked = { code_challenge: challenge };
  const browser = checkBrowserRequest({ ...asked, response_type: 'code' }, publicClient, scope);
  const headless = checkHeadlessRequest({ ...asked, redirect_uri: 'https://app/cb' }, publicClient, {
    echoUri: 'https://otp/echo',
    normaliseScope: scope,
  });
  assert.equal(browser.codeChallenge, challenge);
  assert.equal(headless.codeChallenge, challenge);
  for (const bad of [{ code_challenge_method: 'plain' }, { code_challenge: undefined }]) {
    assert.throws(() => checkBrowserRequest({ ...asked, ...bad, response_type: 'code' }, publicClient, scope), fails('invalid_request'));
    const params = { ...asked, ...bad, redirect_uri: 'https://app/cb' };
    assert.throws(
      () => checkHeadlessRequest(params, publicClient, { echoUri: 'https://otp/echo', normaliseScope: scope }),
      fails('invalid_request'),
    );
  }
});

test('headless redirect URIs: registered ones and the echo address only, compared exactly', () => {
  const check = (uri: string) =>
    checkHeadlessRequest({ redirect_uri: uri, code_challenge: challenge }, confidential, {
      echoUri: 'https://otp/echo',
      normaliseScope: scope,
    });
  assert.equal(check('https://app/cb').redirectUri, 'https://app/cb');
  assert.equal(check('https://otp/echo').redirectUri, 'https://otp/echo');
  assert.throws(() => check('https://app/cb/'), fails('unauthorized_client'));
  assert.throws(() => check('https://evil/cb'), fails('unauthorized_client'));
});

test('browser requests: prompt, max_age and unsupported request objects', () => {
  const base = { response_type: 'code', code_challenge: challenge };
  assert.deepEqual([...checkBrowserRequest({ ...base, prompt: 'login consent bogus' }, publicClient, scope).prompts], ['login', 'consent']);
  assert.throws(() => checkBrowserRequest({ ...base, prompt: 'none login' }, publicClient, scope), fails('invalid_request'));
  assert.equal(checkBrowserRequest({ ...base, max_age: '0' }, publicClient, scope).maxAge, 0);
  assert.throws(() => checkBrowserRequest({ ...base, max_age: '-1' }, publicClient, scope), fails('invalid_request'));
  assert.throws(() => checkBrowserRequest({ ...base, request: 'jwt' }, publicClient, scope), fails('request_not_supported'));
  assert.throws(() => checkBrowserRequest({ ...base, response_type: 'token' }, publicClient, scope), fails('unsupported_response_type'));
});

test('parameters: single strings only, empty means absent, later sources win', () => {
  assert.deepEqual(readOAuthParams({ a: '1', b: '' }, undefined, { a: '2' }), { a: '2' });
  assert.throws(() => readOAuthParams({ scope: ['openid', 'email'] }), fails('invalid_request'));
});
