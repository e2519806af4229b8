/**
 * The user discovery and registration handler contracts (Salesforce's HeadlessUserDiscoveryHandler and
 * HeadlessSelfRegistrationHandler). Site owners code against the method names, the requests' field names and
 * what the context offers; treat them as a public API, like the delivery contract (delivery/contract.ts).
 * A site names its handler modules in `userDiscoveryHandler` and `registrationHandler` (default export).
 */
import type { PhoneNumber } from '../domain/phone.js';
import type { NewUser, User } from '../domain/user.js';

/** The user data a registration carries (the headless API's `userdata`, the hosted form's fields). */
export interface RegistrationUserData {
  firstName?: string;
  lastName?: string;
  email?: string;
  username?: string;
  mobilePhone?: string;
}

/** What a discovery handler is asked: which user does this login hint (a phone or a username) name? */
export interface DiscoveryRequest {
  siteId: string;
  loginHint: string;
  verificationAction: 'sms';
  customData: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

/** The site's users as a discovery handler may read them; every lookup is bound to the request's site. */
export interface DiscoveryUsers {
  byId(id: string): Promise<User | null>;
  /** By E.164 number; get one from a typed hint with the context's parsePhone. */
  byPhone(phone: PhoneNumber): Promise<User | null>;
  byUsername(username: string): Promise<User | null>;
}

export interface DiscoveryContext {
  users: DiscoveryUsers;
  /** A hint as an E.164 number (the site's default country applies to numbers without +), or null. */
  parsePhone: (input: string) => PhoneNumber | null;
}

/**
 * Maps a login hint to a user. Return `userId: null` for "no such user"; otpgate then answers exactly as for
 * a known user and sends nothing, so the answer never tells who has an account.
 *
 * @example
 * export default {
 *   async discoverUserFromLoginHint(request, { users, parsePhone }) {
 *     const phone = parsePhone(request.loginHint);
 *     const user = phone ? await users.byPhone(phone) : await users.byUsername(request.loginHint.toLowerCase());
 *     return { userId: user?.id ?? null };
 *   },
 * } satisfies UserDiscoveryHandler;
 */
export interface UserDiscoveryHandler {
  discoverUserFromLoginHint(request: DiscoveryRequest, context: DiscoveryContext): Promise<{ userId: string | null }>;
}

/** What a registration handler is asked to create: the user whose phone the code just proved. */
export interface RegistrationRequest {
  siteId: string;
  /** The id the new user must get (the verification already promised it to the client). */
  userId: string;
  phone: PhoneNumber;
  userdata: RegistrationUserData;
  customdata: Record<string, unknown>;
  experienceId: string | null;
  locale: string;
}

/** The site's users as a registration handler may write them; every call is bound to the request's site. */
export interface RegistrationUsers {
  /** Throws a UniqueViolation (domain/store-errors.ts) when the username or phone is taken on this site. */
  create(user: Omit<NewUser, 'siteId'>, now: Date): Promise<User>;
  byId(id: string): Promise<User | null>;
}

export interface RegistrationContext {
  users: RegistrationUsers;
  /** The time of the verification, for the user's createdAt. */
  now: Date;
}

/**
 * Creates the user after the registration code is verified (never before: an unverified phone makes no user).
 *
 * @example
 * export default {
 *   async createUser(request, { users, now }) {
 *     const user = await users.create({ id: request.userId, username: request.phone, phone: request.phone, phoneVerified: true,
 *       firstName: null, lastName: null, email: null, locale: request.locale, status: 'active', customData: {} }, now);
 *     return { userId: user.id };
 *   },
 * } satisfies RegistrationHandler;
 */
export interface RegistrationHandler {
  createUser(request: RegistrationRequest, context: RegistrationContext): Promise<{ userId: string }>;
}
