/** Why a code was sent; it decides what a correct code does. */
export const USE_CASES = ['passwordless_login', 'self_registration', 'identity_verification', 'phone_registration'] as const;
export type UseCase = (typeof USE_CASES)[number];
