import { StoreUnavailable, UniqueViolation } from '../domain/store-errors.js';
import { asUniqueViolation } from './repositories/unique-violation.js';
import { isDatabaseUnavailable } from './unavailable.js';

/** A driver's error as the domain's store error when it is one the callers act on; any other error unchanged. */
export function translateDriverError(error: unknown): unknown {
  if (error instanceof UniqueViolation || error instanceof StoreUnavailable) return error;
  return asUniqueViolation(error) ?? (isDatabaseUnavailable(error) ? new StoreUnavailable({ cause: error }) : error);
}

type AsyncMethod = (...args: unknown[]) => Promise<unknown>;

/**
 * The repository with every method translating driver errors (the store's boundary). Wrapping the
 * repositories, rather than the two dialects, catches every way a driver fails in one place: pool
 * checkout, a query, a group commit on SQLite, a transaction's COMMIT. Repository methods are all async.
 */
export function withDomainErrors<T extends object>(repository: T): T {
  const wrapped = { ...repository } as Record<string, unknown>;
  for (const [name, value] of Object.entries(repository)) {
    if (typeof value !== 'function') continue;
    const method = value as AsyncMethod;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await method.apply(repository, args);
      } catch (error) {
        throw translateDriverError(error);
      }
    };
  }
  return wrapped as T;
}
