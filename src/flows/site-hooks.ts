import { parsePhone } from '../domain/phone.js';
import type { Site } from '../domain/site.js';
import type { NewUser, User } from '../domain/user.js';
import { loadModuleExport } from '../delivery/module-loader.js';
import type { RegistrationHandler, UserDiscoveryHandler } from './hooks-contract.js';

// The contract is public; importers of this module (http, flows) have always found these types here.
export type * from './hooks-contract.js';

export const defaultUserDiscovery: UserDiscoveryHandler = {
  async discoverUserFromLoginHint({ loginHint }, { users, parsePhone: parse }) {
    const phone = parse(loginHint);
    const user = (phone && (await users.byPhone(phone))) || (await users.byUsername(loginHint));
    return { userId: user?.id ?? null };
  },
};

export const defaultRegistration: RegistrationHandler = {
  async createUser(request, { users, now }) {
    const user: Omit<NewUser, 'siteId'> = {
      id: request.userId,
      username: request.userdata.username || request.phone,
      phone: request.phone,
      phoneVerified: true, // the code just proved it
      firstName: request.userdata.firstName ?? null,
      lastName: request.userdata.lastName ?? null,
      email: request.userdata.email ?? null,
      locale: request.locale,
      status: 'active',
      customData: request.customdata,
    };
    const created: User = await users.create(user, now);
    return { userId: created.id };
  },
};

/** Resolves a site's discovery and registration handlers (module or built-in), loading each module once. */
export function createSiteHooks() {
  const discovery = new Map<string, Promise<UserDiscoveryHandler>>();
  const registration = new Map<string, Promise<RegistrationHandler>>();
  const load = <T>(cache: Map<string, Promise<T>>, path: string, check: (v: unknown) => v is T, what: string) => {
    let found = cache.get(path);
    if (!found) {
      found = loadModuleExport(path, undefined, check, what);
      found.catch(() => cache.delete(path));
      cache.set(path, found);
    }
    return found;
  };
  return {
    discoveryFor(site: Site): Promise<UserDiscoveryHandler> {
      if (!site.userDiscoveryHandler) return Promise.resolve(defaultUserDiscovery);
      return load(
        discovery,
        site.userDiscoveryHandler,
        (v): v is UserDiscoveryHandler => typeof (v as UserDiscoveryHandler)?.discoverUserFromLoginHint === 'function',
        'user discovery handler',
      );
    },
    registrationFor(site: Site): Promise<RegistrationHandler> {
      if (!site.registrationHandler) return Promise.resolve(defaultRegistration);
      return load(
        registration,
        site.registrationHandler,
        (v): v is RegistrationHandler => typeof (v as RegistrationHandler)?.createUser === 'function',
        'registration handler',
      );
    },
    parsePhoneFor(site: Site) {
      return (input: string) => parsePhone(input, site.defaultCountry ?? undefined)?.e164 ?? null;
    },
  };
}

export type SiteHooks = ReturnType<typeof createSiteHooks>;
