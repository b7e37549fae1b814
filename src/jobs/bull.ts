// The one place BullMQ objects are made: each gets an `error` listener that logs through
// pino as one JSON line. Without it BullMQ prints the raw error with console.error (a stack
// dump on stderr) for every reconnect attempt while Redis is down. Repeats of the same
// error are folded: the first is logged, then at most one line per interval with a count.
import { Queue, Worker, QueueEvents, type QueueOptions, type WorkerOptions, type QueueEventsOptions, type Processor } from 'bullmq';

export interface ErrorLogger { warn(o: object, m?: string): void; error(o: object, m?: string): void }

/** Anything with an EventEmitter-style `on('error')`: BullMQ objects, ioredis clients. */
interface ErrorEmitter { on(event: 'error', listener: (err: Error) => void): unknown }

/** Logs the emitter's errors as JSON, folding repeats (an outage emits one per reconnect attempt). */
export function logErrors<T extends ErrorEmitter>(emitter: T, logger: ErrorLogger, what: Record<string, unknown>, o: { intervalMs?: number; now?: () => number } = {}): T {
  const interval = o.intervalMs ?? 10_000;
  const now = o.now ?? Date.now;
  let lastAt = -Infinity;
  let lastMessage = '';
  let folded = 0;
  emitter.on('error', (err: Error) => {
    const message = err?.message ?? String(err);
    const t = now();
    if (message === lastMessage && t - lastAt < interval) { folded++; return; }
    const code = (err as unknown as { code?: unknown })?.code;
    const e: Record<string, unknown> = { message, ...(typeof code === 'string' ? { code } : {}) };
    logger.warn({ ...what, err: e, ...(folded ? { repeated: folded } : {}) }, 'redis/bullmq error (retrying)');
    lastAt = t;
    lastMessage = message;
    folded = 0;
  });
  return emitter;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createQueue<D = any, R = any, N extends string = string>(name: string, opts: QueueOptions, logger: ErrorLogger): Queue<D, R, N> {
  return logErrors(new Queue<D, R, N>(name, opts), logger, { queue: name, bull: 'queue' });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createWorker<D = any, R = any, N extends string = string>(name: string, processor: string | URL | null | Processor<D, R, N>, opts: WorkerOptions, logger: ErrorLogger): Worker<D, R, N> {
  return logErrors(new Worker<D, R, N>(name, processor, opts), logger, { queue: name, bull: 'worker' });
}

export function createQueueEvents(name: string, opts: QueueEventsOptions, logger: ErrorLogger): QueueEvents {
  return logErrors(new QueueEvents(name, opts), logger, { queue: name, bull: 'queue-events' });
}
