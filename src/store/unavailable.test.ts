import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDatabaseUnavailable } from './unavailable.js';

/** An Error with the fields drivers set (pg: code = SQLSTATE; node:net and better-sqlite3: code = name). */
const failure = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

test('database-unavailable errors: PostgreSQL, sockets, pg-pool and SQLite', () => {
  const unavailable = [
    failure('terminating connection due to administrator command', { code: '57P01' }),
    failure('the database system is starting up', { code: '57P03' }),
    failure('sorry, too many clients already', { code: '53300' }),
    failure('connection failure', { code: '08006' }),
    failure('canceling statement due to statement timeout', { code: '57014' }),
    failure('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
    failure('read ECONNRESET', { code: 'ECONNRESET' }),
    failure('connect ETIMEDOUT', { code: 'ETIMEDOUT' }),
    failure('Connection terminated unexpectedly'),
    failure('Connection terminated due to connection timeout'),
    failure('timeout exceeded when trying to connect'),
    failure('database is locked', { code: 'SQLITE_BUSY' }),
    failure('database is locked', { code: 'SQLITE_BUSY_SNAPSHOT' }),
    // Node tries every address of "localhost" and reports them together.
    new AggregateError([failure('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''),
    // Wrapped on the way up.
    failure('query failed', { cause: failure('', { code: '57P01' }) }),
  ];
  for (const error of unavailable)
    assert.equal(isDatabaseUnavailable(error), true, `${error.message} ${String((error as { code?: string }).code)}`);
});

test('bugs and bad input stay server errors', () => {
  const others: unknown[] = [
    failure('duplicate key value violates unique constraint', { code: '23505' }),
    failure('relation "users" does not exist', { code: '42P01' }),
    failure('database "otpgate" does not exist', { code: '3D000' }), // a wrong URL does not heal by retrying
    failure('password authentication failed', { code: '28P01' }),
    failure('UNIQUE constraint failed: users.username', { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
    failure('ENOENT', { code: 'ENOENT' }),
    new TypeError("Cannot read properties of undefined (reading 'id')"),
    failure('could not serialize', { code: '40001' }),
    'a string',
    null,
    undefined,
    { code: 123 },
  ];
  for (const error of others) assert.equal(isDatabaseUnavailable(error), false, String(error instanceof Error ? error.message : error));
});

test('a cause cycle ends', () => {
  const a = failure('a');
  const b = failure('b', { cause: a });
  Object.assign(a, { cause: b });
  assert.equal(isDatabaseUnavailable(a), false);
});
