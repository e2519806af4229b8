import { UniqueViolation } from '../../domain/repositories.js';

/** Turns a driver's unique-constraint error (SQLite or PostgreSQL) into the domain's UniqueViolation. */
export function asUniqueViolation(error: unknown): UniqueViolation | null {
  const e = error as { code?: string; message?: string; constraint?: string };
  const text = `${e.constraint ?? ''} ${e.message ?? ''}`;
  const isUnique = e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  if (!isUnique) return null;
  if (/phone/.test(text)) return new UniqueViolation('phone');
  if (/username/.test(text)) return new UniqueViolation('username');
  return new UniqueViolation('id');
}
