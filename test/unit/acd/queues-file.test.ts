// The shipped flows/queues.ts is valid and defines every queue the shipped flows use.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { queues } from '../../../flows/queues.ts';

describe('flows/queues.ts', () => {
  it('validates and covers the queue nodes of the shipped flows', () => {
    const used = [...readFileSync(new URL('../../../flows/main.flow.ts', import.meta.url), 'utf8').matchAll(/queue\(\{\s*queue:\s*'([^']+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(0);
    for (const q of used) expect(Object.keys(queues), q).toContain(q);
    for (const q of Object.values(queues)) expect(q.members.length).toBeGreaterThan(0);
  });
});
