import type { Kysely, Selectable } from 'kysely';
import type { PhoneNumber } from '../../domain/phone.js';
import type { UserRepository } from '../../domain/repositories.js';
import { usernameKey } from '../../domain/text.js';
import type { NewUser, User, UserStatus } from '../../domain/user.js';
import { prepare, prepareInsert } from '../prepared-query.js';
import { toDate, type Database, type UsersTable } from '../schema.js';

export function createUserRepository(db: Kysely<Database>, siteId: string): UserRepository {
  const users = () => db.selectFrom('users').selectAll().where('site_id', '=', siteId);
  // The shapes every login runs (prepared-query.ts).
  const selectById = prepare(db, (p: { id: string }) => users().where('id', '=', p.id));
  const selectByPhone = prepare(db, (p: { phone: string }) => users().where('phone', '=', p.phone));
  const insertRows = prepareInsert(db, 'users');
  const rowOf = (user: Omit<NewUser, 'siteId'>, now: Date) => ({
    id: user.id,
    site_id: siteId,
    username: user.username,
    username_key: usernameKey(user.username),
    phone: user.phone,
    phone_verified: user.phoneVerified ? 1 : 0,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    locale: user.locale,
    status: user.status,
    custom_data: JSON.stringify(user.customData),
    created_at: now.getTime(),
    updated_at: now.getTime(),
  });
  return {
    async create(user, now) {
      const row = rowOf(user, now);
      // A taken username or phone fails here; the store's boundary (domain-errors.ts) makes it a UniqueViolation.
      await insertRows([row]);
      return toUser(row);
    },
    async createMany(users) {
      const rows = users.map(({ user, createdAt }) => rowOf(user, createdAt));
      // One transaction: a row that fails (a clash, a value the database refuses) leaves none of them written.
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 200)
          await trx
            .insertInto('users')
            .values(rows.slice(i, i + 200))
            .execute();
      });
    },
    async byId(id) {
      const row = (await selectById({ id })).rows[0];
      return row ? toUser(row) : null;
    },
    async byUsername(username) {
      const row = await users().where('username_key', '=', usernameKey(username)).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async byPhone(phone) {
      const row = (await selectByPhone({ phone })).rows[0];
      return row ? toUser(row) : null;
    },
    async list({ limit, offset }) {
      const rows = await users().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
      return rows.map(toUser);
    },
    async setVerifiedPhone(id, phone, now) {
      const row = await db
        .updateTable('users')
        .set({ phone, phone_verified: 1, updated_at: now.getTime() })
        .where('site_id', '=', siteId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toUser(row) : null;
    },
  };
}

function toUser(row: Selectable<UsersTable>): User {
  return {
    id: row.id,
    siteId: row.site_id,
    username: row.username,
    phone: row.phone as PhoneNumber | null,
    phoneVerified: Number(row.phone_verified) === 1,
    firstName: row.first_name,
    lastName: row.last_name,
    email: row.email,
    locale: row.locale,
    status: row.status as UserStatus,
    customData: JSON.parse(row.custom_data) as Record<string, unknown>,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}
