// The record spool carries the wrap-up desk's hold (delayMs) to the queue: counted from when
// the record was spooled, so a late delivery (Redis down, replay at start) holds only what is left.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { AmendResult, PublishOptions } from '../../../src/calls/records.ts';
import { amendAfterSpool, openRecordSpool } from '../../../src/calls/record-spool.ts';

const quiet = { info() {}, warn() {}, error() {} };
const rec = (id: string) => ({ id, agent: { id: 'a1' } }) as unknown as CallRecord;
const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });

function fakePublisher(o: { failUntil?: () => boolean } = {}) {
  const got: { id: string; delayMs: number | undefined }[] = [];
  return {
    got,
    async publish(record: CallRecord, opts: PublishOptions = {}) {
      if (o.failUntil?.()) throw new Error('redis down');
      got.push({ id: record.id, delayMs: opts.delayMs });
      return true;
    },
  };
}

describe('record spool: the wrap-up hold', () => {
  it('queues the record held for delayMs, and one without a hold at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rspool-')); dirs.push(dir);
    const pub = fakePublisher();
    const now = 1_000_000;
    const spool = await openRecordSpool({ dir, publisher: pub, logger: quiet, fsync: false, now: () => now });
    await spool.publish(rec('cr-1'), { delayMs: 30_000 });
    await spool.publish(rec('cr-2'));
    await spool.flushed();
    expect(pub.got).toEqual([{ id: 'cr-1', delayMs: 30_000 }, { id: 'cr-2', delayMs: undefined }]);
    await spool.close();
  });

  it('a record delivered late (Redis was down, then a restart) is held only for what is left of its hold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rspool-')); dirs.push(dir);
    let now = 1_000_000;
    const down = fakePublisher({ failUntil: () => true });
    const first = await openRecordSpool({ dir, publisher: down, logger: quiet, fsync: false, now: () => now, retryMinMs: 50, retryMaxMs: 50 });
    await first.publish(rec('cr-1'), { delayMs: 30_000 });
    await first.publish(rec('cr-2'), { delayMs: 5_000 });
    await first.closeWithin(0);
    now += 12_000;
    const pub = fakePublisher();
    const second = await openRecordSpool({ dir, publisher: pub, logger: quiet, fsync: false, now: () => now });
    await second.flushed();
    expect(pub.got).toEqual([{ id: 'cr-1', delayMs: 18_000 }, { id: 'cr-2', delayMs: undefined }]);
    await second.close();
  });

  it('a wrap-up that comes while its record is still on disk waits for the delivery, then amends', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rspool-')); dirs.push(dir);
    let redisUp = false;
    const queued = new Set<string>();
    const pub = {
      async publish(record: CallRecord) { if (!redisUp) throw new Error('redis down'); queued.add(record.id); return true; },
      async amend(id: string): Promise<AmendResult> { if (!redisUp) throw new Error('redis down'); return queued.has(id) ? 'amended' : 'unknown'; },
    };
    const spool = await openRecordSpool({ dir, publisher: pub, logger: quiet, fsync: false, retryMinMs: 20, retryMaxMs: 20 });
    await spool.publish(rec('cr-1'), { delayMs: 30_000 });
    setTimeout(() => { redisUp = true; }, 100);
    await expect(amendAfterSpool(pub, spool, 'cr-1', {}, 5_000)).resolves.toBe('amended');
    // Nothing pending and not in the queue: unknown at once (no wait).
    await expect(amendAfterSpool(pub, spool, 'cr-9', {}, 5_000)).resolves.toBe('unknown');
    await spool.close();
  });
});
