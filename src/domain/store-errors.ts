/**
 * The errors a store may throw that callers act on. The store translates its driver's errors into these at
 * its boundary, so nobody above it (flows, http) needs to know what SQLite or PostgreSQL errors look like.
 */

/** A unique key is taken: a username or phone on a site, or an id. */
export class UniqueViolation extends Error {
  constructor(
    readonly field: 'username' | 'phone' | 'id',
    options?: ErrorOptions,
  ) {
    super(`${field} already exists`, options);
  }
}

/**
 * The database is briefly out of reach (restart, failover, full connection slots, network blip, SQLite
 * writer busy): worth "try again shortly", unlike a bug. The driver's error is the cause.
 */
export class StoreUnavailable extends Error {
  constructor(options?: ErrorOptions) {
    // The driver's words stay in the message for logs and the CLI; http never shows this message to a client.
    const detail = options?.cause instanceof Error && options.cause.message ? `: ${options.cause.message}` : '';
    super(`the database is unavailable${detail}`, options);
  }
}
