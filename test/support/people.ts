/**
 * Many people, as real traffic arrives behind a load balancer: each with a client address that a trusted hop
 * appends to X-Forwarded-For, and phone numbers that are valid mobiles spread over many destination prefixes.
 */
import { randomInt } from 'node:crypto';
import { parsePhone } from '../../src/domain/phone.js';

/** A public-looking IPv4 address in a /24 of its own (almost surely). */
export function randomAddress(): string {
  return `${randomInt(11, 99)}.${randomInt(0, 255)}.${randomInt(0, 255)}.${randomInt(1, 254)}`;
}

/** The header a trusted proxy adds for a client at `address` (what the client wrote itself comes first). */
export const from = (address: string, clientWritten?: string): Record<string, string> => ({
  'x-forwarded-for': clientWritten ? `${clientWritten}, ${address}` : address,
});

/** A new person: their own address. */
export const person = (): Record<string, string> => from(randomAddress());

const US_AREA_CODES = Array.from({ length: 800 }, (_, i) => 200 + i).filter((ac) => parsePhone(`+1${ac}5550147`) !== null);

/** `count` valid US mobile-capable numbers, one per area code (so one per destination prefix) while they last. */
export function numbersAcrossPrefixes(count: number, line = 147): string[] {
  return Array.from({ length: count }, (_, i) => {
    const areaCode = US_AREA_CODES[i % US_AREA_CODES.length]!;
    const number = `+1${areaCode}555${String((line + Math.floor(i / US_AREA_CODES.length)) % 10_000).padStart(4, '0')}`;
    if (!parsePhone(number)) throw new Error(`${number} is not a valid number`);
    return number;
  });
}

/** `count` valid numbers under one destination prefix (+1 and an area code). */
export function numbersUnder(areaCode: number, count: number, first = 100): string[] {
  return Array.from({ length: count }, (_, i) => {
    const number = `+1${areaCode}555${String(first + i).padStart(4, '0')}`;
    if (!parsePhone(number)) throw new Error(`${number} is not a valid number`);
    return number;
  });
}
