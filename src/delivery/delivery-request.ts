import type { Channel } from '../domain/channel.js';
import type { PhoneNumber } from '../domain/phone.js';
import type { Site } from '../domain/site.js';
import type { UseCase } from '../domain/use-case.js';
import type { DeliveryRequest } from './contract.js';
import { renderDefaultText, renderNotice, type Notice } from './default-text.js';

export interface DeliveryRequestInput {
  site: Pick<Site, 'id' | 'name' | 'experienceId'>;
  useCase: UseCase | 'phone_change_notice';
  /** Null for an unknown user; handlers receive '' (the contract's userId is a string). */
  userId: string | null;
  phone: PhoneNumber;
  code: string;
  /** The verification identifier (the provider idempotency key). */
  identifier: string;
  /** A supported locale (supportedLocale): the default text is rendered in it. */
  locale: string;
  ttlSeconds: number;
  expiresAt: Date;
  /** Host name for the WebOTP line of the default text. */
  publicHost: string;
  meta: { ip: string | null; userAgent: string | null };
  /** Put before the default text, e.g. to mark a test message as one. */
  textPrefix?: string;
  /** A message without a code: oneTimePassword is '' and defaultText is the notice, to be sent as it is. */
  notice?: Notice;
  /** Absent: sms. */
  channel?: Channel;
}

/**
 * The one place a DeliveryRequest is assembled (DESIGN §4.1), for a user's code and for `otpgate handler test`
 * alike, so handlers see the same fields whoever sends. Pure: the dispatcher adds `attempt`.
 */
export function buildDeliveryRequest(input: DeliveryRequestInput): Omit<DeliveryRequest, 'attempt'> {
  const { site, code, locale } = input;
  const text = input.notice
    ? renderNotice({ notice: input.notice, locale, siteName: site.name, host: input.publicHost })
    : renderDefaultText({ locale, code, siteName: site.name, ttlSeconds: input.ttlSeconds, host: input.publicHost });
  return {
    userId: input.userId ?? '',
    phoneNumber: input.phone,
    oneTimePassword: input.notice ? '' : code,
    defaultText: input.textPrefix ? `${input.textPrefix} ${text}` : text,
    siteId: site.id,
    experienceId: site.experienceId,
    useCase: input.useCase,
    locale,
    identifier: input.identifier,
    expiresAt: input.expiresAt,
    channel: input.channel ?? 'sms',
    ip: input.meta.ip,
    userAgent: input.meta.userAgent,
  };
}
