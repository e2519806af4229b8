/**
 * WAL checkpoints on a thread of their own. SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * the threshold, on the connection that committed: in the server, the event loop. It copies the WAL's pages into
 * the database file and fsyncs both, which is most of what a commit costs (bench/README.md, issue 12). Here a
 * worker thread holds a second connection and runs a PASSIVE checkpoint every `intervalMs`: it never blocks the
 * writer or the readers (it copies what no reader still needs and tries again next time).
 *
 * A PASSIVE checkpoint alone never lets the WAL file start over under a steady load: the writer restarts it only
 * when every frame has been copied, and there are always newer ones (a 25 s load grew it to 210 MB). So the
 * server's connection keeps a high automatic threshold: every few thousand pages one of its commits finishes the
 * copy (only the frames since the thread's last pass) and the WAL starts over; the bulk of the copying and
 * syncing stays on the thread.
 *
 * If the worker cannot start or dies, the server's connection checkpoints itself again at the usual threshold.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** What the server's own connection checkpoints at when no worker does it (pages; SQLite's default is 1000). */
export const AUTO_CHECKPOINT_PAGES = 256;
/** With the worker: the WAL's most pages (~16 MB) before a commit finishes the copy and the WAL starts over. */
export const WAL_RESTART_PAGES = 4000;

/*
 * Plain CommonJS evaluated by the worker, so the production bundle (one file) needs no second entry point;
 * better-sqlite3 is loaded from the path this module resolved.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ error: String(error) }); }
}, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { clearInterval(timer); db.close(); parentPort.close(); } });
`;

export interface Checkpointer {
  /** Stops the worker (a last checkpoint is left to SQLite's close). */
  stop(): Promise<void>;
}

export function startCheckpointer(
  database: SqliteDatabase.Database,
  path: string,
  options: { intervalMs?: number; onError?: (error: unknown) => void } = {},
): Checkpointer | null {
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: options.intervalMs ?? 100 },
      // It allocates next to nothing: a small heap keeps the thread's memory to the isolate's own few MB.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 2 },
    });
  } catch (error) {
    options.onError?.(error);
    return null;
  }
  let stopping = false;
  const fallBack = (error: unknown) => {
    if (stopping) return;
    stopping = true; // once: a failing worker emits 'error' and then 'exit'
    if (database.open) database.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
    options.onError?.(error);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`the checkpoint thread exited (code ${code})`)));
  worker.on('message', (m: { error?: string }) => m.error && options.onError?.(new Error(m.error)));
  worker.unref(); // a server that is shutting down does not wait for it
  database.pragma(`wal_autocheckpoint = ${WAL_RESTART_PAGES}`);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      if (stopping) return void (await worker.terminate());
      stopping = true;
      worker.ref(); // held until it has closed its connection, so the closing process waits for it
      worker.postMessage('stop');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
