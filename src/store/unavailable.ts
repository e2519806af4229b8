/**
 * Is this error the database being briefly out of reach (restart, failover, full connection slots,
 * network blip, SQLite writer busy) rather than a bug? Such errors deserve "503, try again", which a
 * load balancer or client can retry, not a 500: the store's boundary (domain-errors.ts) turns them into the
 * domain's StoreUnavailable. Pure: knows driver error shapes, imports no driver.
 */

/** SQLSTATE codes (PostgreSQL appendix A) that mean "not now" rather than "never". */
const PG_UNAVAILABLE = new Set([
  '57P01', // admin_shutdown: the server is stopping or the connection was terminated by an admin
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting up or in recovery
  '53300', // too_many_connections
  '57014', // query_canceled: our statement_timeout fired, i.e. the database is overloaded or locked up
]);

/** Socket errors from node:net while reaching the server. */
const SOCKET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** pg and pg-pool report lost or impossible connections as plain Errors with these messages. */
const MESSAGES = [
  /^Connection terminated/, // "... unexpectedly", "... due to connection timeout"
  /^timeout exceeded when trying to connect/, // pg-pool: no connection free within connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable/,
  /^Cannot use a pool after calling end on the pool/, // shutting down: let the load balancer retry elsewhere
  /^The database connection is not open/, // better-sqlite3 after close, the same moment on SQLite
];

export function isDatabaseUnavailable(error: unknown): boolean {
  // Follow causes (an error may be wrapped on its way up) and AggregateErrors (Node tries each address).
  const queue: unknown[] = [error];
  for (let seen = 0; queue.length > 0 && seen < 10; seen++) {
    const e = queue.shift();
    if (!e || typeof e !== 'object') continue;
    const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (
      typeof code === 'string' &&
      (PG_UNAVAILABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code) || SOCKET_UNAVAILABLE.has(code) || code.startsWith('SQLITE_BUSY'))
    )
      return true;
    if (typeof message === 'string' && MESSAGES.some((m) => m.test(message))) return true;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
