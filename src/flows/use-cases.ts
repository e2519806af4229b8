import { inSpan } from '../observability/tracing.js';
import type { FlowDeps } from './deps.js';
import { initIdentityVerification, verifyIdentityVerification } from './identity-verification.js';
import { initPasswordlessLogin, verifyPasswordlessLogin } from './passwordless-login.js';
import { initPhoneRegistration, verifyPhoneRegistration } from './phone-registration.js';
import { initSelfRegistration, verifySelfRegistration } from './self-registration.js';

type Bound<F> = F extends (deps: FlowDeps, ...rest: infer A) => infer R ? (...args: A) => R : never;

/** The flow with its deps; with tracing on, each call is a span named for it (`flow initPasswordlessLogin`). */
const bind = <F extends (deps: FlowDeps, ...rest: never[]) => Promise<unknown>>(deps: FlowDeps, flow: F): Bound<F> => {
  const { tracer } = deps;
  if (!tracer) return ((...args: never[]) => flow(deps, ...args)) as Bound<F>;
  return ((...args: never[]) => inSpan(tracer, `flow ${flow.name}`, { 'otpgate.flow': flow.name }, () => flow(deps, ...args))) as Bound<F>;
};

/**
 * The four use cases, each an init (send a code) and a verify (check it and do what the use case does),
 * bound to the flows' dependencies: what the HTTP layer and the library API call.
 */
export function createUseCases(deps: FlowDeps) {
  return {
    initPasswordlessLogin: bind(deps, initPasswordlessLogin),
    verifyPasswordlessLogin: bind(deps, verifyPasswordlessLogin),
    initSelfRegistration: bind(deps, initSelfRegistration),
    verifySelfRegistration: bind(deps, verifySelfRegistration),
    initIdentityVerification: bind(deps, initIdentityVerification),
    verifyIdentityVerification: bind(deps, verifyIdentityVerification),
    initPhoneRegistration: bind(deps, initPhoneRegistration),
    verifyPhoneRegistration: bind(deps, verifyPhoneRegistration),
  };
}

export type UseCases = ReturnType<typeof createUseCases>;
