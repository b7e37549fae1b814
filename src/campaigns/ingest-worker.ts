// Entry point of the ingest worker thread (started by ingest-thread.ts): the file's bytes come
// in over the port, rows go to PostgreSQL (COPY) through this thread's own connection, the
// do-not-call set is read from Redis, the rejected-rows report and the summary go back. Same
// ingestCampaignFile as the inline runner.
import { parentPort, workerData } from 'node:worker_threads';
import { Redis } from 'ioredis';
import { ingestCampaignFile } from './ingest.ts';
import { DNC_KEY } from './dnc.ts';
import { openCampaignRowSink } from '../store/campaign-rows.ts';
import type { MainMessage, ThreadMessage, ThreadStart } from './ingest-thread.ts';

const port = parentPort!;
const start = workerData as ThreadStart;
const send = (m: ThreadMessage) => port.postMessage(m);

// Bytes from the main thread, consumed in order; each consumed chunk is acknowledged so the
// main thread sends more (at most a few chunks wait here).
const chunks: Uint8Array[] = [];
let ended = false;
let wake: (() => void) | undefined;
port.on('message', (m: MainMessage) => {
  if (m.t === 'data') chunks.push(m.bytes);
  else ended = true;
  wake?.();
});
async function* source(): AsyncGenerator<Uint8Array> {
  for (;;) {
    const c = chunks.shift();
    if (c) { send({ t: 'ack' }); yield c; continue; }
    if (ended) return;
    await new Promise<void>((r) => { wake = r; });
  }
}

// A producer connection: commands fail after a few reconnects instead of waiting forever, so a
// Redis outage fails this file (the S3 event is retried later) rather than stalling the thread.
const redis = new Redis(start.redisUrl, { maxRetriesPerRequest: 5 });
redis.on('error', () => {}); // commands fail with the cause; the ingest reports it
const dncKey = start.dncKey ?? DNC_KEY;
const rows = openCampaignRowSink(start.databaseUrl, async (phones) => (phones.length ? (await redis.smismember(dncKey, ...phones)).map((x) => x === 1) : []));
// Rejected lines go back per chunk of rows, not one message per line.
let buffered = '';
const flushRejected = () => { if (buffered) { send({ t: 'rejected', lines: buffered }); buffered = ''; } };
try {
  const summary = await ingestCampaignFile({
    ...start.input,
    source: source(),
    rows,
    rejected: (line) => { buffered += line; if (buffered.length > 64 * 1024) flushRejected(); },
    onProgress: (rows) => { flushRejected(); send({ t: 'progress', rows }); },
  });
  flushRejected();
  // Done only once the rows are durable (the sink's last commit is synchronous).
  await rows.close();
  send({ t: 'done', summary });
} catch (err) {
  const e = err as Error & { code?: string; problems?: string[] };
  send({ t: 'error', error: { name: e.constructor?.name ?? 'Error', code: e.code, message: e.message, problems: e.problems } });
} finally {
  await rows.close().catch(() => {});
  redis.disconnect();
  port.close();
}
