import { UniqueViolation } from '../../domain/store-errors.js';

/** Turns a driver's unique-constraint error (SQLite or PostgreSQL) into the domain's UniqueViolation. */
export function asUniqueViolation(error: unknown): UniqueViolation | null {
  if (!error || typeof error !== 'object') return null; // anything can be thrown; only driver errors are objects
  const e = error as { code?: string; message?: string; constraint?: string };
  const text = `${e.constraint ?? ''} ${e.message ?? ''}`;
  const isUnique = e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  if (!isUnique) return null;
  if (/phone/.test(text)) return new UniqueViolation('phone', { cause: error });
  if (/username/.test(text)) return new UniqueViolation('username', { cause: error });
  return new UniqueViolation('id', { cause: error });
}
