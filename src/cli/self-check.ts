import type { Services } from '../app.js';
import type { Config } from '../config/schema.js';
import { credentialReferences } from '../delivery/credential-references.js';

export type Status = 'ok' | 'warn' | 'fail';
export interface Check {
  status: Status;
  check: string;
  detail: string;
}

/**
 * The checks of a composed deployment, sending no SMS: the database, key encryption, each site's signing keys,
 * delivery chain and the named credentials it calls (with `reach`, whether each credential's host answers).
 * `otpgate doctor` prints them; `otpgate serve` prints them at startup.
 */
export async function selfCheck(
  services: Pick<Services, 'store' | 'siteDirectory' | 'keyring' | 'flowDeps'>,
  config: Config,
  reach: boolean,
): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (status: Status, check: string, detail: string) => void checks.push({ status, check, detail });
  await services.store.ping();
  add('ok', 'database', `${config.database.url.split(':')[0]} reachable, migrations applied`);
  add(
    config.secrets.keyEncryption.length > 0 ? 'ok' : config.mode === 'production' ? 'fail' : 'warn',
    'key encryption',
    config.secrets.keyEncryption.length > 0
      ? 'new signing keys are sealed (AES-256-GCM); stored ones are checked per site'
      : 'signing keys stored in clear: set secrets.keyEncryption',
  );
  for (const stored of await services.store.sites.list()) {
    const site = await services.siteDirectory.require(stored.id).catch(() => null);
    if (!site) {
      add('fail', `site ${stored.id}`, 'stored settings do not load (see the server log)');
      continue;
    }
    try {
      await services.keyring.checkReadable(site.id);
      const key = await services.keyring.signingKey(site.id);
      const { inClear, underOlderKey } = await services.keyring.sealing(site.id);
      // A key-encryption key configured after keys were made does not seal those: `keys encrypt` does.
      if (config.secrets.keyEncryption.length > 0 && inClear > 0)
        add(
          config.mode === 'production' ? 'fail' : 'warn',
          `site ${site.id}: keys`,
          `signs with ${key.kid}; ${inClear} private key(s) stored in clear: run otpgate keys encrypt`,
        );
      else if (underOlderKey > 0)
        add(
          'warn',
          `site ${site.id}: keys`,
          `signs with ${key.kid}; ${underOlderKey} key(s) sealed under an older key: run otpgate keys encrypt`,
        );
      else add('ok', `site ${site.id}: keys`, `signs with ${key.kid}`);
    } catch (error) {
      add('fail', `site ${site.id}: keys`, error instanceof Error ? error.message : String(error));
    }
    try {
      const chain = await services.flowDeps.chains.chainFor(site);
      add('ok', `site ${site.id}: handlers`, chain.map((l) => `${l.name}${l.channel ? ` (${l.channel})` : ''}`).join(', '));
    } catch (error) {
      add('fail', `site ${site.id}: handlers`, error instanceof Error ? error.message : String(error));
    }
    for (const spec of site.handlers)
      for (const [, name] of credentialReferences(spec)) {
        const credential = config.namedCredentials[name];
        if (!credential) add('fail', `site ${site.id}: credential ${name}`, 'not configured in namedCredentials');
        else if (reach) add(...(await reachable(`site ${site.id}: credential ${name}`, credential.url)));
        else add('ok', `site ${site.id}: credential ${name}`, `configured (${new URL(credential.url).origin})`);
      }
  }
  return checks;
}

/** Any HTTP answer means the host is there; only a failure to connect (or a timeout) is a problem. */
async function reachable(check: string, url: string): Promise<[Status, string, string]> {
  const origin = new URL(url).origin;
  try {
    const response = await fetch(origin, { method: 'HEAD', redirect: 'manual', signal: AbortSignal.timeout(3000) });
    return ['ok', check, `${origin} answers (HTTP ${response.status})`];
  } catch (error) {
    const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return ['fail', check, `${origin} does not answer: ${reason}`];
  }
}
