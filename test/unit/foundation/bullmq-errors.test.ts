import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { logErrors } from '../../../src/jobs/bull.ts';

const root = new URL('../../../', import.meta.url).pathname;
function* files(dir: string): Generator<string> {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

describe('every BullMQ object has an error listener', () => {
  it('no module constructs a BullMQ Queue/Worker/QueueEvents/FlowProducer itself (src/jobs/bull.ts does, with a listener)', () => {
    const offenders: string[] = [];
    for (const f of files(join(root, 'src'))) {
      const rel = relative(root, f);
      if (rel === 'src/jobs/bull.ts') continue;
      const text = readFileSync(f, 'utf8');
      // Only files that take these classes from bullmq (worker_threads has a Worker too).
      const fromBull = /import\s*\{([^}]*)\}\s*from\s*'bullmq'|await import\('bullmq'\)/.exec(text);
      if (!fromBull) continue;
      const names = (fromBull[1] ?? 'Queue,Worker,QueueEvents,FlowProducer').split(',').map((n) => n.trim()).filter((n) => !n.startsWith('type ')).map((n) => n.split(/\s+as\s+/).pop()!);
      for (const n of names.filter((x) => ['Queue', 'Worker', 'QueueEvents', 'FlowProducer'].includes(x))) {
        if (new RegExp(`new\\s+${n}\\b`).test(text)) offenders.push(`${rel}: new ${n}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('logErrors logs each error as one object through the logger and folds repeats', () => {
    const e = new EventEmitter();
    const lines: Record<string, unknown>[] = [];
    let t = 0;
    logErrors(e, { warn: (o) => lines.push(o as Record<string, unknown>), error: (o) => lines.push(o as Record<string, unknown>) }, { queue: 'call-records' }, { intervalMs: 10_000, now: () => t });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    for (let i = 0; i < 50; i++) { e.emit('error', refused); t += 100; }
    expect(lines).toEqual([{ queue: 'call-records', err: { message: 'connect ECONNREFUSED 127.0.0.1:6379', code: 'ECONNREFUSED' } }]);
    t += 10_000;
    e.emit('error', refused);
    expect(lines[1]).toMatchObject({ repeated: 49 });
  });
});
