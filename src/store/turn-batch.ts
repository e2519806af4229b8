/**
 * Collects the calls made while the event loop runs one turn and hands them to `flush` together, once, when the turn
 * ends (setImmediate: after every I/O callback of the turn has run). `flush` answers each item in order. If it
 * throws, every caller of that batch gets the error.
 *
 * Why: some rows are written by every request (a site's send counters). One statement for all of a turn's requests
 * instead of one each means one lock on those rows instead of a queue of them (PostgreSQL holds a row lock until the
 * commit), and one statement to prepare and run instead of dozens.
 */
export function turnBatch<T, R>(flush: (items: T[]) => Promise<R[]>, options: { oneAtATime?: boolean } = {}): (item: T) => Promise<R> {
  let pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  // With oneAtATime a batch is flushed only once the one before it has been answered; what arrives meanwhile joins
  // the next batch. For writes whose guards must see each other's effects in order (send counters).
  let previous: Promise<void> = Promise.resolve();

  const run = async () => {
    const batch = pending;
    pending = [];
    try {
      const results = await flush(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => entry.resolve(results[i]!));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    }
  };

  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (pending.length === 0)
        setImmediate(() => {
          if (options.oneAtATime) previous = previous.then(run);
          else void run();
        });
      pending.push({ item, resolve, reject });
    });
}

/**
 * Rows that are only ever appended (audit events): the rows of a turn's calls in one insert (up to `maxRows` each, so
 * that the prepared shapes stay few). One failing insert fails every call of the turn.
 */
export function appendPerTurn<Row>(insert: (rows: Row[]) => Promise<unknown>, maxRows = 32): (rows: Row[]) => Promise<void> {
  return turnBatch(async (calls: Row[][]): Promise<void[]> => {
    const rows = calls.flat();
    for (let i = 0; i < rows.length; i += maxRows) await insert(rows.slice(i, i + maxRows));
    return calls.map(() => undefined);
  });
}
