// Collects items submitted one by one (one per BullMQ job) into batches of up to `maxSize`,
// flushing when full or `maxWaitMs` after the first waiting item, with at most
// `maxParallel` flushes in flight. Each submitter gets its own item's result.
export interface Batcher<T, R> {
  submit(item: T): Promise<R>;
  /** Flushes what is waiting and resolves when every flush has finished. */
  drain(): Promise<void>;
  readonly pending: number;
}

export function createBatcher<T, R>(
  opts: { maxSize: number; maxWaitMs: number; maxParallel: number },
  flush: (items: T[]) => Promise<R[]>,
): Batcher<T, R> {
  const queue: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  let due = false;
  let timer: NodeJS.Timeout | undefined;
  const idle: (() => void)[] = [];

  const run = async (batch: typeof queue) => {
    try {
      const results = await flush(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(results[i]!));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };

  function pump() {
    while (running < opts.maxParallel && queue.length > 0 && (queue.length >= opts.maxSize || due)) {
      const batch = queue.splice(0, opts.maxSize);
      if (queue.length === 0) due = false;
      running++;
      void run(batch).finally(() => {
        running--;
        pump();
      });
    }
    if (queue.length > 0 && !due && !timer) {
      timer = setTimeout(() => { timer = undefined; due = true; pump(); }, opts.maxWaitMs);
    }
    if (queue.length === 0 && running === 0) idle.splice(0).forEach((f) => f());
  }

  return {
    get pending() { return queue.length + running; },
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        pump();
      });
    },
    drain() {
      due = true;
      pump();
      if (queue.length === 0 && running === 0) return Promise.resolve();
      return new Promise<void>((r) => idle.push(r));
    },
  };
}
