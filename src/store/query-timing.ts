import type { LogConfig, LogEvent } from 'kysely';

/** A query's kind by its first keyword (bounded: the metric's label), and how long it took. */
export type QueryListener = (operation: 'select' | 'insert' | 'update' | 'delete' | 'other', milliseconds: number) => void;

const KIND = /^\s*(select|insert|update|delete)\b/i;

/** Kysely's log hook turned into query timings (failed queries included: a timeout is a slow query too). */
export function queryLogger(listener: QueryListener): LogConfig {
  return (event: LogEvent) => {
    const kind = KIND.exec(event.query.sql)?.[1]?.toLowerCase() as 'select' | 'insert' | 'update' | 'delete' | undefined;
    listener(kind ?? 'other', event.queryDurationMillis);
  };
}
