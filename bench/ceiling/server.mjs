// The ceiling: the least work any server must do for the compare harness's three-request login (issue 12), with no
// framework, no database and no limits, so that its logins/s on a machine bound what otpgate can reach there.
// It keeps what the contract itself asks for: the number checked as a valid mobile number, a random code delivered by
// an HTTP POST to the provider (the harness's sink) before init answers, the code kept only as an HMAC and compared
// in constant time, one success per code, a random authorization code bound to the PKCE challenge, opaque access and
// refresh tokens kept as hashes, an RS256 ID token signed on libuv's pool. State is in Maps and never expires;
// CEILING_KEEP=0 drops users and tokens once issued, to tell the heap's growth under load from the state it keeps.
// Started by ./adapter.mjs (flowbench's adapter contract); not part of otpgate.
import { Buffer } from 'node:buffer';
import http from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';
import { createHash, createHmac, generateKeyPairSync, randomBytes, randomInt, sign, timingSafeEqual, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

const SINK = process.env.CEILING_SINK_URL;
const SITE = '/acme';
const CLIENT_ID = 'acme-mobile-app';
const REDIRECT_URI = 'https://app.example.com/oauth/callback';
const secret = randomBytes(32);
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signOnPool = promisify(sign);
const verifications = new Map(); // identifier -> { phone, hash, attempts }
const users = new Map();
const codes = new Map(); // sha256(authorization code) -> grant
const tokens = new Map(); // sha256(token) -> { userId, kind }
const keep = process.env.CEILING_KEEP !== '0';

const sha256 = (s) => createHash('sha256').update(s).digest();
const hmac = (id, code) => createHmac('sha256', secret).update(`${id}:${code}`).digest();
const b64url = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');

function send(res, status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function init(body, res) {
  const phone = parsePhoneNumberFromString(String(body?.userdata?.mobilePhone ?? ''));
  if (!phone?.isValid() || !['MOBILE', 'FIXED_LINE_OR_MOBILE'].includes(phone.getType() ?? ''))
    return send(res, 400, { error: 'invalid_phone' });
  const identifier = randomBytes(16).toString('base64url');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  verifications.set(identifier, { phone: phone.number, hash: hmac(identifier, code), attempts: 0 });
  const r = await globalThis.fetch(SINK, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: phone.number, code }),
  });
  await r.arrayBuffer();
  if (!r.ok) return send(res, 502, { error: 'delivery_failed' });
  send(res, 200, { identifier, status: 'SUCCESS' });
}

function authorize(req, form, res) {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (req.headers['auth-request-type'] !== 'user-registration' || !basic) return send(res, 400, { error: 'invalid_request' });
  if (form.get('client_id') !== CLIENT_ID || form.get('redirect_uri') !== REDIRECT_URI || form.get('code_challenge_method') !== 'S256')
    return send(res, 400, { error: 'invalid_client' });
  const [identifier, code] = Buffer.from(basic[1], 'base64').toString().split(':');
  const v = verifications.get(identifier);
  if (!v || v.attempts >= 5) return send(res, 400, { error: 'invalid_code' });
  v.attempts += 1;
  if (!timingSafeEqual(v.hash, hmac(identifier, code ?? ''))) return send(res, 400, { error: 'invalid_code' });
  verifications.delete(identifier);
  const userId = randomUUID();
  users.set(userId, { phone: v.phone, verified: true });
  const authCode = randomBytes(32).toString('base64url');
  codes.set(sha256(authCode).toString('base64url'), { userId, challenge: form.get('code_challenge') ?? '' });
  const location = `${REDIRECT_URI}?code=${authCode}${form.has('state') ? `&state=${encodeURIComponent(form.get('state'))}` : ''}`;
  send(res, 302, undefined, { location });
}

async function token(form, res) {
  const key = sha256(form.get('code') ?? '').toString('base64url');
  const grant = codes.get(key);
  if (!grant || form.get('client_id') !== CLIENT_ID || form.get('redirect_uri') !== REDIRECT_URI)
    return send(res, 400, { error: 'invalid_grant' });
  codes.delete(key);
  const proof = sha256(form.get('code_verifier') ?? '').toString('base64url');
  if (proof.length !== grant.challenge.length || !timingSafeEqual(Buffer.from(proof), Buffer.from(grant.challenge)))
    return send(res, 400, { error: 'invalid_grant' });
  const access = randomBytes(32).toString('base64url');
  const refresh = randomBytes(32).toString('base64url');
  tokens.set(sha256(access).toString('base64url'), { userId: grant.userId, kind: 'access' });
  tokens.set(sha256(refresh).toString('base64url'), { userId: grant.userId, kind: 'refresh' });
  const user = users.get(grant.userId);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: `http://127.0.0.1${SITE}`, sub: grant.userId, aud: CLIENT_ID, iat: now, exp: now + 3600 };
  const header = b64url({ alg: 'RS256', kid: 'k1', typ: 'JWT' });
  const input = `${header}.${b64url({ ...claims, phone_number: user.phone, phone_number_verified: true })}`;
  const signature = await signOnPool('sha256', Buffer.from(input), privateKey);
  if (!keep) {
    users.delete(grant.userId);
    tokens.clear();
  }
  send(res, 200, {
    access_token: access,
    refresh_token: refresh,
    id_token: `${input}.${signature.toString('base64url')}`,
    token_type: 'Bearer',
    expires_in: 3600,
  });
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString();
    const route = req.method === 'POST' ? req.url : '';
    const fail = (e) => send(res, 500, { error: String(e) });
    try {
      if (route === `${SITE}/services/auth/headless/init/registration`) init(JSON.parse(text), res).catch(fail);
      else if (route === `${SITE}/services/oauth2/authorize`) authorize(req, new URLSearchParams(text), res);
      else if (route === `${SITE}/services/oauth2/token`) token(new URLSearchParams(text), res).catch(fail);
      else send(res, 404, { error: 'not_found' });
    } catch (e) {
      send(res, 400, { error: String(e) });
    }
  });
});
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'ready', port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
