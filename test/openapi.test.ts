/**
 * The OpenAPI document (/openapi.json) against the running server: it is valid OpenAPI 3.1, it lists every route the
 * router has and nothing else, and real requests and replies are what it says they are.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { pkcePair } from './support/pkce.js';
import { contractOf, documentedRoutes, serverRoutes, type OpenApiDocument } from './support/openapi.js';
import { basic, postForm, postJson, startTestServer, type TestServer } from './support/test-server.js';
import { seedUser } from './support/hosted-flows.js';

/** Routes the router has on purpose without an entry in the document, and why. */
const HIDDEN: Record<string, string> = {
  'GET /openapi.json': 'the document itself',
  'GET /docs': 'the interactive docs page (swagger-ui) that shows the document',
  'GET /docs/{asset}': 'the docs page’s script and styles',
};

const METRICS_TOKEN = 'metrics-token-0123456789abcdef-0123456789';

describe('the OpenAPI document', () => {
  let t: TestServer;
  let document: OpenApiDocument;
  before(async () => {
    t = await startTestServer({ metrics: { token: METRICS_TOKEN } });
    const response = await fetch(`${t.url}/openapi.json`);
    assert.equal(response.status, 200);
    document = (await response.json()) as OpenApiDocument;
  });
  after(() => t.close());

  const site = () => `${t.url}/demo`;

  test('is valid OpenAPI 3.1, with the version of package.json and the security schemes', async () => {
    const result = await new Validator().validate(document);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(document.openapi, '3.1.0');
    const { version } = (await import('../package.json', { with: { type: 'json' } })).default;
    assert.equal((document.info as { version: string }).version, version);
    const schemes = (document.components as { securitySchemes: Record<string, unknown> }).securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['accessToken', 'adminToken', 'clientSecretBasic', 'headlessCode', 'metricsToken']);
  });

  test('describes every route of the server, and no route the server does not have', async () => {
    const routes = serverRoutes(await t.app.server());
    const documented = documentedRoutes(document);
    const missing = [...routes].filter((route) => !documented.has(route) && !(route in HIDDEN));
    assert.deepEqual(missing, [], 'routes missing from the document');
    const extra = [...documented].filter((route) => !routes.has(route));
    assert.deepEqual(extra, [], 'documented routes the server does not have');
    const stale = Object.keys(HIDDEN).filter((route) => !routes.has(route) || documented.has(route));
    assert.deepEqual(stale, [], 'HIDDEN lists routes that are gone or documented after all');
    // A few that must be there, so that an empty router cannot pass the comparison.
    for (const route of [
      'POST /{site}/services/auth/headless/init/passwordless/login',
      'POST /{site}/services/oauth2/token',
      'GET /{site}/.well-known/openid-configuration',
      'GET /{site}/login',
      'GET /healthz',
    ])
      assert.ok(documented.has(route), route);
  });

  test('every operation has a tag, a summary and its replies (a route comes with its schema: src/http/schemas/)', () => {
    const incomplete: string[] = [];
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(operations)) {
        const tags = operation.tags as string[] | undefined;
        // @fastify/swagger's stand-in for a route without response schemas.
        const undocumented = Object.values(operation.responses).some(
          (r) => (r as { description?: string }).description === 'Default Response',
        );
        if (!tags?.length || !operation.summary || undocumented) incomplete.push(`${method.toUpperCase()} ${path}`);
      }
    assert.deepEqual(incomplete, [], 'operations without tags, summary or response schemas');
  });

  test('a headless login, the token exchange and the OAuth endpoints answer what the document says', async () => {
    const contract = contractOf(document);
    const phone = '+14155550181';
    await seedUser(t, phone);
    const login = '/{site}/services/auth/headless/init/passwordless/login';
    const initBody = { username: phone, verificationmethod: 'sms' };
    assert.equal(contract.request('POST', login, initBody), null);
    const init = await postJson(`${site()}/services/auth/headless/init/passwordless/login`, initBody);
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.equal(contract.response('POST', login, 200, init.body), null);

    const pkce = pkcePair();
    const authorizeForm = {
      response_type: 'code_credentials',
      client_id: 'public-app',
      redirect_uri: `http://otpgate.test/demo/services/oauth2/echo`,
      code_challenge: pkce.challenge,
      scope: 'openid api refresh_token',
    };
    const form = 'application/x-www-form-urlencoded';
    assert.equal(contract.request('POST', '/{site}/services/oauth2/authorize', authorizeForm, form), null);
    const authorized = await postForm(`${site()}/services/oauth2/authorize`, authorizeForm, {
      'Auth-Request-Type': 'passwordless-login',
      'Auth-Verification-Type': 'sms',
      Authorization: basic(String(init.body.identifier), t.lastCode(phone)),
    });
    assert.equal(authorized.status, 200, JSON.stringify(authorized.body));
    assert.equal(contract.response('POST', '/{site}/services/oauth2/authorize', 200, authorized.body), null);

    const tokenForm = {
      grant_type: 'authorization_code',
      code: String(authorized.body.code),
      client_id: 'public-app',
      redirect_uri: authorizeForm.redirect_uri,
      code_verifier: pkce.verifier,
    };
    assert.equal(contract.request('POST', '/{site}/services/oauth2/token', tokenForm, form), null);
    const tokens = await postForm(`${site()}/services/oauth2/token`, tokenForm);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(contract.response('POST', '/{site}/services/oauth2/token', 200, tokens.body), null);
    assert.ok(tokens.body.id_token && tokens.body.refresh_token, 'the reply keeps the fields the schema lists');

    const bearer = { authorization: `Bearer ${String(tokens.body.access_token)}` };
    const userinfo = await fetch(`${site()}/services/oauth2/userinfo`, { headers: bearer });
    const claims = await userinfo.json();
    assert.equal(userinfo.status, 200);
    assert.equal(contract.response('GET', '/{site}/services/oauth2/userinfo', 200, claims), null);
    assert.equal((claims as { phone_number: string }).phone_number, phone);

    const step = await postJson(`${site()}/services/auth/headless/init/verification`, {}, bearer);
    assert.equal(step.status, 200, JSON.stringify(step.body));
    assert.equal(contract.response('POST', '/{site}/services/auth/headless/init/verification', 200, step.body), null);

    const revoked = await postForm(`${site()}/services/oauth2/revoke`, {
      token: tokens.body.refresh_token as string,
      client_id: 'public-app',
    });
    assert.equal(revoked.status, 200);
    assert.equal(contract.response('POST', '/{site}/services/oauth2/revoke', 200, revoked.body), null);
    const gone = await fetch(`${site()}/services/oauth2/userinfo`, { headers: bearer });
    assert.equal(gone.status, 401);
    assert.equal(contract.response('GET', '/{site}/services/oauth2/userinfo', 401, await gone.json()), null);

    for (const [path, documentedPath] of [
      ['/demo/.well-known/openid-configuration', '/{site}/.well-known/openid-configuration'],
      ['/demo/id/keys', '/{site}/id/keys'],
      ['/healthz', '/healthz'],
      ['/readyz', '/readyz'],
    ] as const) {
      const response = await fetch(`${t.url}${path}`);
      assert.equal(response.status, 200, path);
      const body = (await response.json()) as { keys?: object[] };
      assert.equal(contract.response('GET', documentedPath, 200, body), null, path);
      if (body.keys) assert.ok(Object.keys(body.keys[0]!).length > 3, 'each key keeps its fields');
    }
  });

  test('registration, the echo endpoint, a hosted page and the metrics answer what the document says', async () => {
    const contract = contractOf(document);
    const registration = '/{site}/services/auth/headless/init/registration';
    const body = { userdata: { firstName: 'Ada', username: 'ada-openapi', mobilePhone: '+14155550182' }, verificationmethod: 'sms' };
    assert.equal(contract.request('POST', registration, body), null);
    const init = await postJson(`${site()}/services/auth/headless/init/registration`, body);
    assert.equal(init.status, 200, JSON.stringify(init.body));
    assert.equal(init.body.email, null);
    assert.equal(contract.response('POST', registration, 200, init.body), null);

    const echo = await fetch(`${site()}/services/oauth2/echo?code=c1&state=s1&sfdc_community_id=demo&sfdc_community_url=u`);
    assert.equal(echo.status, 200);
    assert.equal(contract.response('GET', '/{site}/services/oauth2/echo', 200, await echo.json()), null);
    const noCode = await fetch(`${site()}/services/oauth2/echo`);
    assert.equal(noCode.status, 400);
    assert.equal(contract.response('GET', '/{site}/services/oauth2/echo', 400, await noCode.json()), null);

    const page = await fetch(`${site()}/login`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(contract.response('GET', '/{site}/login', 200, await page.text(), 'text/html'), null);

    const metrics = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(contract.response('GET', '/metrics', 200, await metrics.text(), 'text/plain'), null);
    const refused = await fetch(`${t.url}/metrics`);
    assert.equal(refused.status, 401);
    assert.equal(contract.response('GET', '/metrics', 401, await refused.json()), null);
  });

  test('what a handler checks itself is in the document too (documentedOnly)', () => {
    type Parameter = { in: string; name: string; required?: boolean };
    const parameters = (method: string, path: string) => (document.paths[path]![method]!.parameters ?? []) as Parameter[];
    const authorizeQuery = parameters('get', '/{site}/services/oauth2/authorize').filter((p) => p.in === 'query');
    assert.deepEqual(
      authorizeQuery.filter((p) => p.required).map((p) => p.name),
      ['client_id', 'redirect_uri'],
    );
    assert.ok(authorizeQuery.some((p) => p.name === 'code_challenge'));
    const headless = parameters('post', '/{site}/services/oauth2/authorize').filter((p) => p.in === 'header');
    assert.deepEqual(headless.map((p) => p.name).sort(), ['auth-request-type', 'auth-verification-type']);
    assert.ok(parameters('get', '/{site}/services/oauth2/logout').some((p) => p.name === 'post_logout_redirect_uri'));
    // Every per-site path names its site parameter.
    for (const [path, operations] of Object.entries(document.paths))
      if (path.includes('{site}'))
        for (const method of Object.keys(operations))
          assert.ok(
            parameters(method, path).some((p) => p.in === 'path' && p.name === 'site'),
            `${method} ${path}`,
          );
  });

  test('a request the documented schema refuses is refused by the route, with the documented error body', async () => {
    const contract = contractOf(document);
    const form = 'application/x-www-form-urlencoded';
    const cases = [
      {
        method: 'POST',
        path: '/{site}/services/auth/headless/init/registration',
        url: `${site()}/services/auth/headless/init/registration`,
        body: { userdata: { firstName: 'Ada' }, verificationmethod: 'sms' },
        send: postJson,
      },
      {
        method: 'POST',
        path: '/{site}/services/auth/headless/init/passwordless/login',
        url: `${site()}/services/auth/headless/init/passwordless/login`,
        body: { username: 42, verificationmethod: 'sms' },
        send: postJson,
      },
      {
        method: 'POST',
        path: '/{site}/services/oauth2/token',
        url: `${site()}/services/oauth2/token`,
        body: { grant_type: 'authorization_code', code: 'x'.repeat(2049), client_id: 'public-app' },
        send: postForm,
        contentType: form,
      },
    ];
    for (const { method, path, url, body, send, contentType } of cases) {
      assert.notEqual(contract.request(method, path, body, contentType), null, `the document refuses ${JSON.stringify(body).slice(0, 80)}`);
      const answer = await send(url, body as never);
      assert.equal(answer.status, 400, path);
      assert.equal(answer.body.error, 'invalid_request', path);
      assert.equal(contract.response(method, path, 400, answer.body), null, path);
    }
  });

  test('/docs shows the interactive docs under a CSP of their own; the hosted pages keep theirs', async () => {
    const docs = await fetch(`${t.url}/docs`);
    assert.equal(docs.status, 200);
    assert.match(await docs.text(), /swagger-ui-bundle\.js/);
    const csp = docs.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /https:|unsafe-eval|\*/, 'nothing from elsewhere');
    for (const asset of ['swagger-ui-bundle.js', 'swagger-ui.css', 'start.js']) {
      const file = await fetch(`${t.url}/docs/${asset}`);
      assert.equal(file.status, 200, `${asset} is served from here, not a CDN`);
      assert.ok((await file.text()).length > 100, asset);
    }
    assert.equal((await fetch(`${t.url}/docs/..%2Fpackage.json`)).status, 404, 'only the docs’ own files');

    const page = await fetch(`${site()}/login`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /^default-src 'none';/);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});
