// A durable local spool: an append-only log of JSON entries in DATA_DIR that a consumer
// drains in batches into a store that may be down (PostgreSQL for the call history; Redis
// for call records, issue 14). `append` resolves only after the entries are fsync'd, so an
// entry the caller saw accepted survives a SIGKILL or power loss. Appends arriving while a
// write is in flight are group-committed (one write + one fdatasync for all of them).
// Delivery is at-least-once: the consumer must be idempotent (record ids as keys). The
// acknowledged position is kept in `ack` (written via rename); fully acknowledged segments
// are deleted. A torn last line (crash mid-write) is dropped at open: its append never
// resolved, so no caller was told it was kept.
import { close, closeSync, fdatasync, fsync, fsyncSync, ftruncateSync, openSync, readSync, fstatSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { mkdir, readdir, readFile, rename, unlink, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';

const writeAsync = promisify(write) as (fd: number, buf: Buffer, offset: number, length: number) => Promise<{ bytesWritten: number }>;
const datasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const closeAsync = promisify(close);

export interface SpoolOptions {
  dir: string;
  /** A segment is closed and a new one started past this size (default 8 MiB). */
  segmentBytes?: number;
  /** fsync each commit (default true; benchmarks of the pure write path may turn it off). */
  fsync?: boolean;
}

export interface DrainOptions<T> {
  /** Writes one batch; throwing (store down) retries the same batch after a backoff. */
  deliver(batch: T[]): Promise<void>;
  batchSize?: number;
  /** Wait this long after an append for more entries before delivering (default 20 ms). */
  lingerMs?: number;
  /** Backoff after a failed delivery: min, doubling to max (default 250 ms → 10 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  onError?: (err: unknown, attempt: number, batchSize: number) => void;
  /** An entry that is not valid JSON (disk corruption): counted and skipped, never a crash. */
  onCorrupt?: (line: string) => void;
}

export interface SpoolStats { appended: number; delivered: number; pending: number; failures: number; corrupt: number; segments: number }

export interface Spool<T> {
  append(entries: T[]): Promise<void>;
  /** Starts the consumer loop (one per spool). */
  drain(o: DrainOptions<T>): void;
  /** Resolves when every entry appended so far has been delivered. */
  flushed(): Promise<void>;
  stats(): SpoolStats;
  /** Stops the consumer after the batch in flight; appended entries stay on disk for the next start. */
  close(): Promise<void>;
}

interface Pos { seg: number; off: number }
const segName = (n: number) => `seg-${String(n).padStart(12, '0')}.jsonl`;
const segNo = (f: string) => Number(/^seg-(\d+)\.jsonl$/.exec(f)?.[1] ?? NaN);

export async function openSpool<T>(o: SpoolOptions): Promise<Spool<T>> {
  const segmentBytes = o.segmentBytes ?? 8 * 1024 * 1024;
  const doSync = o.fsync ?? true;
  await mkdir(o.dir, { recursive: true });
  const ackFile = join(o.dir, 'ack');
  let ack: Pos = { seg: 0, off: 0 };
  try {
    const [s, off] = (await readFile(ackFile, 'utf8')).trim().split(' ').map(Number);
    if (Number.isFinite(s) && Number.isFinite(off)) ack = { seg: s!, off: off! };
  } catch {}
  const segs = (await readdir(o.dir)).map(segNo).filter((n) => Number.isFinite(n)).sort((a, b) => a - b);
  // Delete segments already fully delivered (a crash between ack and unlink).
  for (const n of segs.filter((n) => n < ack.seg)) await unlink(join(o.dir, segName(n))).catch(() => {});
  let live = segs.filter((n) => n >= ack.seg);
  let cur = live.length ? live[live.length - 1]! : Math.max(ack.seg, 1);
  if (!live.length) live = [cur];
  if (ack.seg < live[0]!) ack = { seg: live[0]!, off: 0 };
  let fd = openSync(join(o.dir, segName(cur)), 'a+');
  let size = truncateTornTail(fd);
  if (doSync) fsyncSync(fd);

  // Count what is still to deliver (entries after the ack position).
  let pending = 0;
  for (const n of live) pending += countLines(join(o.dir, segName(n)), n === ack.seg ? ack.off : 0);
  const stats = { appended: 0, delivered: 0, failures: 0, corrupt: 0 };

  let queue: { lines: string; n: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let writing = false;
  let wake: (() => void) | undefined;
  const flushWaiters: (() => void)[] = [];

  function commit(): void {
    if (writing || queue.length === 0) return;
    writing = true;
    const batch = queue;
    queue = [];
    // write + fdatasync run on libuv's thread pool: a slow disk never stalls the event loop
    // (call control). One commit at a time keeps entries in the order of the append calls;
    // appends arriving meanwhile wait for the next commit (group commit).
    void (async () => {
      const n = batch.reduce((x, b) => x + b.n, 0);
      pending += n; // counted before the bytes land, so a reader never sees more lines than pending
      try {
        const buf = Buffer.from(batch.map((b) => b.lines).join(''));
        for (let off = 0; off < buf.length;) off += (await writeAsync(fd, buf, off, buf.length - off)).bytesWritten;
        size += buf.length;
        if (doSync) await datasyncAsync(fd);
        stats.appended += n;
        if (size >= segmentBytes) await roll();
        for (const b of batch) b.resolve();
        wake?.();
      } catch (err) {
        pending -= n;
        for (const b of batch) b.reject(err);
      } finally {
        writing = false;
        commit();
      }
    })();
  }

  async function roll(): Promise<void> {
    if (doSync) await fsyncAsync(fd);
    await closeAsync(fd);
    cur += 1;
    live.push(cur);
    fd = openSync(join(o.dir, segName(cur)), 'a+');
    size = 0;
  }

  let stopping = false;
  let loop: Promise<void> | undefined;
  const reader: Pos = { ...ack };

  async function readBatch(max: number): Promise<{ items: T[]; next: Pos; lines: number }> {
    const items: T[] = [];
    let lines = 0;
    const pos = { ...reader };
    let want = 1024 * 1024;
    while (items.length < max && live.includes(pos.seg)) {
      const fh = await open(join(o.dir, segName(pos.seg)), 'r');
      let eof: boolean;
      let progressed: boolean;
      let grew = false;
      try {
        const buf = Buffer.alloc(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos.off);
        let start = 0;
        while (items.length < max) {
          const nl = buf.indexOf(10, start);
          if (nl < 0 || nl >= bytesRead) break;
          const line = buf.subarray(start, nl).toString('utf8');
          start = nl + 1;
          lines++;
          try { items.push(JSON.parse(line) as T); } catch { stats.corrupt++; curOpts?.onCorrupt?.(line); }
        }
        pos.off += start;
        eof = bytesRead < want && start === bytesRead;
        progressed = start > 0;
        // One entry longer than the buffer: read again with a bigger one.
        if (!progressed && bytesRead === want) { want *= 2; grew = true; }
      } finally {
        await fh.close();
      }
      if (items.length >= max) break;
      if (eof) {
        // Read to its end: move on only to a closed segment's successor (the current one grows).
        if (pos.seg === cur) break;
        pos.seg = live[live.indexOf(pos.seg) + 1]!;
        pos.off = 0;
      } else if (!progressed && !grew) break;
    }
    return { items, next: pos, lines };
  }

  async function saveAck(p: Pos): Promise<void> {
    const tmp = `${ackFile}.tmp`;
    await writeFile(tmp, `${p.seg} ${p.off}\n`);
    await rename(tmp, ackFile);
    ack = p;
    const done = live.filter((n) => n < p.seg);
    live = live.filter((n) => n >= p.seg);
    for (const n of done) await unlink(join(o.dir, segName(n))).catch(() => {});
  }

  let curOpts: DrainOptions<T> | undefined;
  // `wake` ends an idle wait (new entries); a backoff after a failed delivery is ended only by close.
  let wakeBackoff: (() => void) | undefined;
  const sleep = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); wake = () => { clearTimeout(t); wake = undefined; r(); }; });
  const backoff = (ms: number) => new Promise<void>((r) => { const t = setTimeout(r, ms); wakeBackoff = () => { clearTimeout(t); wakeBackoff = undefined; r(); }; });

  async function run(d: DrainOptions<T>): Promise<void> {
    const batchSize = d.batchSize ?? 500;
    const retryMin = d.retryMinMs ?? 250;
    const retryMax = d.retryMaxMs ?? 10_000;
    let attempt = 0;
    while (!stopping) {
      if (pending === 0) {
        for (const w of flushWaiters.splice(0)) w();
        await sleep(60_000);
        if (!stopping && d.lingerMs !== 0) await new Promise((r) => setTimeout(r, d.lingerMs ?? 20));
        continue;
      }
      const { items, next, lines } = await readBatch(batchSize);
      if (lines === 0) { await sleep(50); continue; }
      try {
        if (items.length) await d.deliver(items);
        attempt = 0;
      } catch (err) {
        attempt++;
        stats.failures++;
        d.onError?.(err, attempt, items.length);
        await backoff(Math.min(retryMax, retryMin * 2 ** (attempt - 1)));
        continue;
      }
      reader.seg = next.seg;
      reader.off = next.off;
      pending -= lines;
      stats.delivered += items.length;
      await saveAck({ ...reader });
    }
  }

  return {
    append(entries) {
      if (entries.length === 0) return Promise.resolve();
      const lines = entries.map((e) => `${JSON.stringify(e)}\n`).join('');
      return new Promise<void>((resolve, reject) => {
        queue.push({ lines, n: entries.length, resolve, reject });
        commit();
      });
    },
    drain(d) {
      if (loop) throw new Error('spool already has a consumer');
      curOpts = d;
      loop = run(d);
    },
    flushed() {
      if (pending === 0 && queue.length === 0 && !writing) return Promise.resolve();
      return new Promise<void>((r) => { flushWaiters.push(r); wake?.(); });
    },
    stats: () => ({ ...stats, pending, segments: live.length }),
    async close() {
      stopping = true;
      wake?.();
      wakeBackoff?.();
      await loop;
      while (writing || queue.length) await new Promise((r) => setImmediate(r));
      if (doSync) fsyncSync(fd);
      closeSync(fd);
    },
  };
}

/** Drops a partial last line (no trailing newline); returns the resulting size. */
function truncateTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const tail = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  for (;;) {
    const from = Math.max(0, end - tail.length);
    const n = readSync(fd, tail, 0, end - from, from);
    const i = tail.subarray(0, n).lastIndexOf(10);
    if (i >= 0) {
      const keep = from + i + 1;
      if (keep !== size) ftruncateSync(fd, keep);
      return keep;
    }
    if (from === 0) { ftruncateSync(fd, 0); return 0; }
    end = from;
  }
}

function countLines(path: string, fromOffset: number): number {
  let fd: number;
  try { fd = openSync(path, 'r'); } catch { return 0; }
  try {
    const buf = Buffer.alloc(1024 * 1024);
    let pos = fromOffset;
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, 0, buf.length, pos);
      if (r === 0) return n;
      for (let i = 0; i < r; i++) if (buf[i] === 10) n++;
      pos += r;
    }
  } finally {
    closeSync(fd);
  }
}
