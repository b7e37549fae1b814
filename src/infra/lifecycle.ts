// Start and stop with hard deadlines. Resources are pushed on a stack as they start and are
// stopped newest first; one stop that throws or hangs never keeps the others from running,
// and the whole stop never takes longer than its deadline (a hung step is abandoned with an
// error line naming it). Start-up gets a deadline too: a dependency that never answers
// (Redis, PostgreSQL, the PBX) fails start-up with the step it hung in, instead of waiting forever.
import { CentralitaError } from '../errors.ts';

export interface Resource {
  name: string;
  stop: () => Promise<void> | void;
  /** The longest this step may take (default: what is left of the deadline). */
  budgetMs?: number;
}
export type Stack = Resource[];

export interface StopLogger {
  error(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  debug(o: object, m?: string): void;
}

export class DeadlineError extends CentralitaError {
  readonly step: string;
  readonly deadlineMs: number;
  constructor(code: 'STARTUP_DEADLINE' | 'STOP_STEP_DEADLINE', step: string, deadlineMs: number, what: string) {
    super(code, `${what} did not finish within ${deadlineMs} ms (hung in: ${step})`);
    this.step = step;
    this.deadlineMs = deadlineMs;
  }
}

/** Resolves with `p`, or rejects with `onTimeout()` after `ms`; the timer never keeps the process up. */
export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    t = setTimeout(() => reject(onTimeout()), Math.max(0, ms));
    t.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

export interface StopOptions {
  /** The whole stop ends within this, whatever a step does. */
  deadlineMs: number;
  now?: () => number;
}

/** Stops what was started, newest first, within `deadlineMs` in total. Returns the names of the steps that hung. */
export function stopInReverse(stack: Stack, logger: StopLogger, opts: StopOptions): () => Promise<{ hung: string[] }> {
  const now = opts.now ?? Date.now;
  // Each call stops what is on the stack at that moment (a resource pushed later by a start-up
  // that was given up on is stopped by the next call).
  return () => {
    return (async () => {
      const until = now() + opts.deadlineMs;
      const hung: string[] = [];
      for (const r of stack.splice(0).reverse()) {
        const t0 = now();
        const left = until - t0;
        const budget = Math.max(0, Math.min(left, r.budgetMs ?? left));
        try {
          await withDeadline(Promise.resolve().then(() => r.stop()), budget, () => new DeadlineError('STOP_STEP_DEADLINE', r.name, budget, `stopping ${r.name}`));
        } catch (err) {
          if (err instanceof DeadlineError) {
            hung.push(r.name);
            logger.error({ resource: r.name, budgetMs: budget, code: err.code }, 'stop step hung; abandoned so the shutdown keeps its deadline');
          } else logger.error({ err, resource: r.name }, 'error while stopping');
        }
        logger.debug({ resource: r.name, ms: now() - t0 }, 'stopped');
      }
      return { hung };
    })();
  };
}

/**
 * The whole stop: intake first (half the margin at most), the call drain (SHUTDOWN_DEADLINE_MS
 * plus a quarter of the margin for hand-backs), the rest in what is left; never more than
 * SHUTDOWN_DEADLINE_MS + SHUTDOWN_MARGIN_MS in total (the container's stop grace must exceed it).
 */
export function shutdownBudget(c: { shutdownDeadlineMs: number; shutdownMarginMs: number }): { totalMs: number; intakeMs: number; drainMs: number } {
  return { totalMs: c.shutdownDeadlineMs + c.shutdownMarginMs, intakeMs: Math.floor(c.shutdownMarginMs / 2), drainMs: c.shutdownDeadlineMs + Math.floor(c.shutdownMarginMs / 4) };
}

/** Tracks the start-up step in progress, so a start-up deadline can say where it hung. */
export interface StartProgress {
  /** Enters a step; throws once the start-up was given up on, so nothing more is started. */
  step(name: string): void;
  current(): string;
  cancel(): void;
}

export function startProgress(): StartProgress {
  let cur = 'initialising';
  let cancelled = false;
  return {
    step: (n) => {
      if (cancelled) throw new CentralitaError('STARTUP_CANCELLED', `start-up was given up on before ${n}`);
      cur = n;
    },
    current: () => cur,
    cancel: () => { cancelled = true; },
  };
}
