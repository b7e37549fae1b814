// The Stasis control queue: Asterisk runs a channel's commands one at a time, so a `play`,
// `dtmf` or `record` waits behind a running playback and `answer` waits with it. When the
// channel is hung up, the running command stops and Stasis still runs every queued command
// once (res_stasis.c: control_dispatch_all before it notices the hangup): plays start and
// fail, DTMF is still sent, a recording runs until no audio comes; StasisEnd comes after.
import { AriError, type Chan, type Cmd, type Ctx } from './model.ts';

function pump(c: Chan): void {
  while (!c.busy && c.queue.length > 0 && c.alive && (!c.dying || c.draining)) {
    const cmd = c.queue.shift()!;
    c.busy = true;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      c.busy = false;
      c.abortCurrent = undefined;
      pump(c);
      if (c.draining && !c.busy && c.queue.length === 0) finishDrain(c);
    };
    const abort = cmd.run(done);
    if (!finished) c.abortCurrent = abort ?? undefined;
  }
}

const drained = new WeakMap<Chan, () => void>();
function finishDrain(c: Chan): void {
  const then = drained.get(c);
  if (!then) return;
  drained.delete(c);
  c.draining = false;
  then();
}

export function enqueue(c: Chan, cmd: Cmd): void {
  c.queue.push(cmd);
  pump(c);
}

/** Queues a command and resolves when it has run (REST calls Asterisk answers synchronously). */
export function enqueueSync(x: Ctx, c: Chan, fn: () => void): Promise<void> {
  x.blocked++;
  return new Promise<void>((resolve, reject) => {
    enqueue(c, {
      run(done) {
        x.blocked--;
        try {
          fn();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
        done();
      },
      dead() {
        x.blocked--;
        reject(new AriError(404, 'Channel not found'));
      },
    });
  });
}

/** A command that only takes its turn (mute, silence...). */
export function enqueueNoop(c: Chan, fn: () => void = () => undefined): void {
  enqueue(c, {
    run(done) {
      fn();
      done();
    },
  });
}

/** The channel is hanging up: the running command stops (a playback fails). */
export function stopCurrent(c: Chan): void {
  const abort = c.abortCurrent;
  c.abortCurrent = undefined;
  abort?.();
}

/**
 * Runs what is still queued on a hung-up channel (in Stasis), then `then`. Commands check
 * `c.dying` to act as on a hung-up channel. Without queued commands `then` runs at once.
 */
export function drainQueue(c: Chan, then: () => void): void {
  stopCurrent(c);
  if (c.queue.length === 0 && !c.busy) {
    c.busy = false;
    then();
    return;
  }
  c.draining = true;
  drained.set(c, then);
  pump(c);
}

/** Commands that never ran (the channel went away outside Stasis). */
export function flushQueue(c: Chan): void {
  stopCurrent(c);
  const queued = c.queue.splice(0);
  for (const q of queued) q.dead?.();
  c.busy = false;
}
