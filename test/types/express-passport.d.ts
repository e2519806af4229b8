// express 4, express-session, passport 0.7 and passport-openidconnect 0.1 ship no types (and @types is not
// installed): the few calls test/compat/node-libraries.test.ts makes, as their READMEs document them.
declare module 'express' {
  import type { IncomingMessage, Server, ServerResponse } from 'node:http';
  export interface Request extends IncomingMessage {
    user?: Record<string, unknown>;
  }
  export interface Response extends ServerResponse {
    json(body: unknown): void;
    redirect(url: string): void;
  }
  type Handler = (req: Request, res: Response, next: (error?: unknown) => void) => void;
  export interface Application {
    use(handler: Handler): void;
    get(path: string, ...handlers: Handler[]): void;
    listen(port: number, host: string, callback: () => void): Server;
  }
  export default function express(): Application;
}

declare module 'express-session' {
  export default function session(options: { secret: string; resave: boolean; saveUninitialized: boolean }): never;
}

declare module 'passport' {
  type Handler = (req: unknown, res: unknown, next: (error?: unknown) => void) => void;
  export class Passport {
    use(name: string, strategy: unknown): void;
    initialize(): Handler;
    session(): Handler;
    authenticate(name: string, options?: Record<string, unknown>): Handler;
    serializeUser(fn: (user: unknown, done: (error: unknown, id?: unknown) => void) => void): void;
    deserializeUser(fn: (id: unknown, done: (error: unknown, user?: unknown) => void) => void): void;
  }
  const passport: { Passport: typeof Passport };
  export default passport;
}

declare module 'passport-openidconnect' {
  export interface Profile {
    id: string;
    displayName?: string;
    username?: string;
    name?: { givenName?: string; familyName?: string };
    _json?: Record<string, unknown>;
  }
  export default class Strategy {
    constructor(
      options: {
        issuer: string;
        authorizationURL: string;
        tokenURL: string;
        userInfoURL: string;
        clientID: string;
        clientSecret: string;
        callbackURL: string;
        scope: string[];
        nonce?: boolean;
      },
      verify: (
        issuer: string,
        uiProfile: Profile,
        idProfile: Profile,
        context: unknown,
        idToken: string,
        accessToken: string,
        refreshToken: string,
        params: Record<string, unknown>,
        done: (error: unknown, user?: unknown) => void,
      ) => void,
    );
  }
}
