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
  const queue: { item: T; at: number; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  let draining = false;
  let timer: NodeJS.Timeout | undefined;
  // An item is due when IT has waited maxWaitMs; leftovers of a full batch start no early flush.
  const due = () => draining || (queue.length > 0 && Date.now() - queue[0]!.at >= opts.maxWaitMs);
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
    while (running < opts.maxParallel && queue.length > 0 && (queue.length >= opts.maxSize || due())) {
      const batch = queue.splice(0, opts.maxSize);
      running++;
      void run(batch).finally(() => {
        running--;
        pump();
      });
    }
    if (queue.length > 0 && !timer) {
      const wait = Math.max(0, queue[0]!.at + opts.maxWaitMs - Date.now());
      timer = setTimeout(() => { timer = undefined; pump(); }, wait);
    }
    if (queue.length === 0 && running === 0) { draining = false; idle.splice(0).forEach((f) => f()); }
  }

  return {
    get pending() { return queue.length + running; },
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, at: Date.now(), resolve, reject });
        pump();
      });
    },
    drain() {
      draining = true;
      pump();
      if (queue.length === 0 && running === 0) return Promise.resolve();
      return new Promise<void>((r) => idle.push(r));
    },
  };
}
