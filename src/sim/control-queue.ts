// The Stasis control queue: Asterisk runs a channel's commands one at a time, so a `play`,
// `dtmf` or `record` waits behind a running playback and `answer` waits with it.
import { AriError, type Chan, type Cmd, type Ctx } from './model.ts';

function pump(c: Chan): void {
  while (!c.busy && c.queue.length > 0 && c.alive && !c.dying) {
    const cmd = c.queue.shift()!;
    c.busy = true;
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      c.busy = false;
      c.abortCurrent = undefined;
      pump(c);
    };
    const abort = cmd.run(done);
    if (!finished) c.abortCurrent = abort ?? undefined;
  }
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

/** The channel is dying: the running command is aborted, queued ones learn it died. */
export function abortQueue(c: Chan): void {
  const abort = c.abortCurrent;
  c.abortCurrent = undefined;
  abort?.();
  const queued = c.queue.splice(0);
  for (const q of queued) q.dead?.();
  c.busy = false;
}
