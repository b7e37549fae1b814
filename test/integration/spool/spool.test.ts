import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSpool } from '../../../src/spool/spool.ts';
import { waitFor } from '../../helpers/wait.ts';

type E = { id: number; pad?: string };
const dir = () => mkdtempSync(join(tmpdir(), 'centralita-spool-'));

describe('durable spool', () => {
  it('delivers every appended entry in order, in batches', async () => {
    const d = dir();
    const s = await openSpool<E>({ dir: d });
    const got: number[] = [];
    const sizes: number[] = [];
    s.drain({ batchSize: 50, deliver: async (b) => { sizes.push(b.length); got.push(...b.map((x) => x.id)); } });
    await Promise.all(Array.from({ length: 300 }, (_, i) => s.append([{ id: i }])));
    await s.flushed();
    expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
    expect(s.stats()).toMatchObject({ appended: 300, delivered: 300, pending: 0 });
    await s.close();
  });

  it('keeps entries on disk while the store is down and delivers them on recovery', async () => {
    const d = dir();
    const s = await openSpool<E>({ dir: d });
    let down = true;
    const got: number[] = [];
    s.drain({ retryMinMs: 10, retryMaxMs: 20, deliver: async (b) => { if (down) throw new Error('ECONNREFUSED'); got.push(...b.map((x) => x.id)); } });
    for (let i = 0; i < 20; i++) await s.append([{ id: i }]);
    await waitFor(() => s.stats().failures >= 3, 5_000, 'failed deliveries');
    expect(got).toEqual([]);
    expect(s.stats().pending).toBe(20);
    down = false;
    await s.flushed();
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await s.close();
  });

  it('keeps its backoff while the store is down: new entries do not trigger extra attempts', async () => {
    const s = await openSpool<E>({ dir: dir() });
    let attempts = 0;
    s.drain({ retryMinMs: 400, retryMaxMs: 400, deliver: async () => { attempts++; throw new Error('down'); } });
    await s.append([{ id: 0 }]);
    await waitFor(() => attempts >= 1, 2_000, 'first attempt');
    const before = attempts;
    for (let i = 1; i <= 50; i++) await s.append([{ id: i }]);
    // 50 appends within well under one backoff period: at most one more attempt.
    expect(attempts - before).toBeLessThanOrEqual(1);
    await s.close();
  });

  it('survives a restart: what was appended and not delivered is delivered by the next process', async () => {
    const d = dir();
    const a = await openSpool<E>({ dir: d });
    a.drain({ retryMinMs: 10, deliver: async () => { throw new Error('down'); } });
    await a.append([{ id: 1 }, { id: 2 }]);
    await a.append([{ id: 3 }]);
    await a.close();
    // A crash mid-write leaves a torn line: its append never resolved, so it is dropped.
    const seg = readdirSync(d).find((f) => f.startsWith('seg-'))!;
    appendFileSync(join(d, seg), '{"id":4,"pa');
    const b = await openSpool<E>({ dir: d });
    expect(b.stats().pending).toBe(3);
    const got: number[] = [];
    b.drain({ deliver: async (x) => { got.push(...x.map((e) => e.id)); } });
    await b.flushed();
    expect(got).toEqual([1, 2, 3]);
    await b.append([{ id: 5 }]);
    await b.flushed();
    expect(got).toEqual([1, 2, 3, 5]);
    await b.close();
    // Nothing delivered twice after another restart.
    const c = await openSpool<E>({ dir: d });
    expect(c.stats().pending).toBe(0);
    await c.close();
  });

  it('rolls segments and deletes the ones fully delivered; skips corrupt lines with a count', async () => {
    const d = dir();
    const s = await openSpool<E>({ dir: d, segmentBytes: 2_000 });
    const got: number[] = [];
    const corrupt: string[] = [];
    let gate = false;
    s.drain({ batchSize: 7, retryMinMs: 5, retryMaxMs: 5, onCorrupt: (l) => corrupt.push(l), deliver: async (b) => { if (!gate) throw new Error('wait'); got.push(...b.map((x) => x.id)); } });
    for (let i = 0; i < 100; i++) await s.append([{ id: i, pad: 'x'.repeat(100) }]);
    expect(readdirSync(d).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(3);
    gate = true;
    await s.flushed();
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(readdirSync(d).filter((f) => f.startsWith('seg-')).length).toBeLessThanOrEqual(2);
    await s.close();
    const seg = readdirSync(d).filter((f) => f.startsWith('seg-')).sort().pop()!;
    appendFileSync(join(d, seg), 'not json\n{"id":100}\n');
    const t = await openSpool<E>({ dir: d });
    const more: number[] = [];
    t.drain({ onCorrupt: (l) => corrupt.push(l), deliver: async (b) => { more.push(...b.map((x) => x.id)); } });
    await t.flushed();
    expect(more).toEqual([100]);
    expect(corrupt).toEqual(['not json']);
    expect(t.stats().corrupt).toBe(1);
    await t.close();
  });

  it('delivers an entry bigger than the read buffer', async () => {
    const s = await openSpool<E>({ dir: dir() });
    const got: number[] = [];
    s.drain({ deliver: async (b) => { got.push(...b.map((x) => x.pad!.length)); } });
    await s.append([{ id: 1, pad: 'y'.repeat(3 * 1024 * 1024) }, { id: 2, pad: 'z' }]);
    await s.flushed();
    expect(got).toEqual([3 * 1024 * 1024, 1]);
    await s.close();
  });
});
