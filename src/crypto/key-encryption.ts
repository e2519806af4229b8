/**
 * Signing private keys at rest: AES-256-GCM under a key-encryption key from configuration or environment,
 * never from the database, so a copy of the database alone cannot sign tokens. The stored form names the
 * key-encryption key it was sealed with (`enc:v1:<id>:<iv>:<tag>:<ciphertext>`): during a rotation the old
 * key still opens what it sealed while `otpgate keys encrypt` re-seals everything under the current one.
 * The associated data binds a ciphertext to its site and kid, so a sealed key cannot be moved to another row.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { OtpgateError } from '../domain/errors.js';

export interface KeyEncryptionSecret {
  id: string;
  secret: string;
}

export interface KeyEncryption {
  /** The id of the key new seals use; null when none is configured (development: keys stay in clear). */
  readonly currentId: string | null;
  seal(plain: string, binding: string): string;
  open(stored: string, binding: string): string;
  /** The key-encryption key id a stored value was sealed with; null for a value in clear. */
  sealedWith(stored: string): string | null;
}

const PREFIX = 'enc:v1:';

/** `secrets`, current first; the 256-bit AES key of each is derived with HKDF, so any long random string works. */
export function createKeyEncryption(secrets: KeyEncryptionSecret[]): KeyEncryption {
  const keys = new Map(
    secrets.map((s) => [s.id, Buffer.from(hkdfSync('sha256', s.secret, 'otpgate', `signing-key-encryption:${s.id}`, 32))]),
  );
  const currentId = secrets[0]?.id ?? null;
  return {
    currentId,
    seal(plain, binding) {
      if (currentId === null) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.get(currentId)!, iv);
      cipher.setAAD(Buffer.from(binding));
      const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return (
        PREFIX +
        [currentId, iv, cipher.getAuthTag(), ciphertext].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':')
      );
    },
    open(stored, binding) {
      if (!stored.startsWith(PREFIX)) return stored;
      const [id, iv, tag, ciphertext] = stored.slice(PREFIX.length).split(':');
      const key = id === undefined ? undefined : keys.get(id);
      if (!key)
        throw new OtpgateError(
          'key_encryption_failed',
          `A signing key is sealed with key-encryption key "${id ?? ''}", which is not configured (secrets.keyEncryption).`,
        );
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
        decipher.setAAD(Buffer.from(binding));
        decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext ?? '', 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new OtpgateError(
          'key_encryption_failed',
          `A signing key sealed with key-encryption key "${id}" does not open: ` +
            `the configured secret for "${id}" is not the one it was sealed with.`,
        );
      }
    },
    sealedWith(stored) {
      return stored.startsWith(PREFIX) ? (stored.slice(PREFIX.length).split(':')[0] ?? null) : null;
    },
  };
}
