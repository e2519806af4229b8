import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreUnavailable, UniqueViolation } from '../domain/store-errors.js';
import { translateDriverError, withDomainErrors } from './domain-errors.js';

/** An Error with the fields drivers set (pg: code = SQLSTATE, constraint; better-sqlite3: code = name). */
const failure = (message: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(message), fields);

test('driver errors become the domain store errors, with the driver error as the cause', () => {
  const down = failure('terminating connection due to administrator command', { code: '57P01' });
  const unavailable = translateDriverError(down);
  assert.ok(unavailable instanceof StoreUnavailable);
  assert.equal(unavailable.cause, down);
  assert.match(unavailable.message, /administrator command/);
  assert.ok(translateDriverError(failure('database is locked', { code: 'SQLITE_BUSY' })) instanceof StoreUnavailable);

  const constraint = 'users_site_phone';
  const taken = failure(`duplicate key value violates unique constraint "${constraint}"`, { code: '23505', constraint });
  const unique = translateDriverError(taken);
  assert.ok(unique instanceof UniqueViolation);
  assert.equal(unique.field, 'phone');
  assert.equal(unique.cause, taken);
  const sqliteTaken = failure('UNIQUE constraint failed: users.site_id, users.username', { code: 'SQLITE_CONSTRAINT_UNIQUE' });
  const username = translateDriverError(sqliteTaken);
  assert.equal((username as UniqueViolation).field, 'username');
});

test('other errors pass unchanged (a bug stays a bug); domain errors are not wrapped twice', () => {
  for (const error of [new TypeError('x is undefined'), failure('relation "users" does not exist', { code: '42P01' }), 'a string', null]) {
    assert.equal(translateDriverError(error), error);
  }
  const already = new StoreUnavailable();
  assert.equal(translateDriverError(already), already);
});

test('withDomainErrors translates what every method throws and keeps results, arguments and other fields', async () => {
  const repository = {
    siteId: 'a',
    async echo(a: number, b: string) {
      return `${a}${b}`;
    },
    async down(): Promise<void> {
      throw failure('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' });
    },
    async bug(): Promise<void> {
      throw new TypeError('boom');
    },
  };
  const wrapped = withDomainErrors(repository);
  assert.equal(wrapped.siteId, 'a');
  assert.equal(await wrapped.echo(1, 'x'), '1x');
  await assert.rejects(wrapped.down(), StoreUnavailable);
  await assert.rejects(wrapped.bug(), TypeError);
});
