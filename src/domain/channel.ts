/**
 * How a code reaches the phone. SMS is the default and what Salesforce clients ask for; a site may add a second
 * channel (a voice call, WhatsApp) through handlers marked with it, offered to the user when SMS fails.
 */
export const CHANNELS = ['sms', 'voice', 'whatsapp'] as const;

export type Channel = (typeof CHANNELS)[number];

export const isChannel = (value: string): value is Channel => (CHANNELS as readonly string[]).includes(value);
