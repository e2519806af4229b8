import type { LogConfig, LogEvent } from 'kysely';
import type { DirectExecutor } from './prepared-query.js';

/** A query's kind by its first keyword (bounded: the metric's label), and how long it took. */
export type QueryListener = (operation: 'select' | 'insert' | 'update' | 'delete' | 'other', milliseconds: number) => void;

const KIND = /^\s*(select|insert|update|delete)\b/i;

const kindOf = (sql: string) => (KIND.exec(sql)?.[1]?.toLowerCase() as 'select' | 'insert' | 'update' | 'delete' | undefined) ?? 'other';

/** Kysely's log hook turned into query timings (failed queries included: a timeout is a slow query too). */
export function queryLogger(listener: QueryListener): LogConfig {
  return (event: LogEvent) => listener(kindOf(event.query.sql), event.queryDurationMillis);
}

/** The same timings for queries that do not pass through Kysely's executor (prepared-query.ts). */
export function timedExecutor(execute: DirectExecutor, listener: QueryListener): DirectExecutor {
  return async (compiled) => {
    const start = performance.now();
    try {
      return await execute(compiled);
    } finally {
      listener(kindOf(compiled.sql), performance.now() - start);
    }
  };
}
