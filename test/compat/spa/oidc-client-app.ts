/**
 * A single-page app as its author would write it with oidc-client-ts and nothing otpgate-specific: bundled for the
 * page by test/compat/oidc-client-ts.test.ts. The page's own origin is its redirect URI's; the client id is read
 * from the page's query (`?client=`), remembered for the callback.
 */
import { UserManager, WebStorageStateStore } from 'oidc-client-ts';

/** The page's globals this app uses (the project compiles without the DOM library; this file runs in Chromium). */
interface PageStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
  key(index: number): string | null;
  readonly length: number;
  clear(): void;
}
const page = globalThis as unknown as {
  location: { search: string; origin: string; pathname: string };
  sessionStorage: PageStorage;
  localStorage: PageStorage;
  document: { body: { dataset: Record<string, string> } };
  app: unknown;
};
const { location, sessionStorage, document } = page;

const clientId = new URLSearchParams(location.search).get('client') ?? sessionStorage.getItem('client') ?? '';
sessionStorage.setItem('client', clientId);

const manager = new UserManager({
  authority: 'http://otpgate.test/demo',
  client_id: clientId,
  redirect_uri: `${location.origin}/callback`,
  post_logout_redirect_uri: `${location.origin}/signed-out`,
  response_type: 'code',
  scope: 'openid profile phone offline_access',
  automaticSilentRenew: false,
  userStore: new WebStorageStateStore({ store: page.localStorage as never }),
});

const summary = async () => {
  const user = await manager.getUser();
  return user
    ? { sub: user.profile.sub, phone: user.profile.phone_number, accessToken: user.access_token, refreshToken: user.refresh_token }
    : null;
};

const app = {
  metadata: () => manager.metadataService.getMetadata(),
  signIn: () => manager.signinRedirect(),
  renew: async () => {
    await manager.signinSilent();
    return summary();
  },
  user: summary,
  userinfo: async () => {
    const user = await manager.getUser();
    const response = await fetch('http://otpgate.test/demo/services/oauth2/userinfo', {
      headers: { authorization: `Bearer ${user?.access_token}` },
    });
    return (await response.json()) as Record<string, unknown>;
  },
  signOut: () => manager.signoutRedirect(),
};
page.app = app;

// On the callback page, the app finishes the sign-in and says how it went.
if (location.pathname === '/callback') {
  manager.signinCallback().then(
    async () => (document.body.dataset.result = JSON.stringify({ ok: true, user: await summary() })),
    (error: Error) => (document.body.dataset.result = JSON.stringify({ ok: false, error: String(error.message) })),
  );
}
