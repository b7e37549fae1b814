// Embedded default with no S3: campaign files dropped in a local inbox folder
// (./campaigns/inbox/<campaign>/<file>.csv, campaign.json alongside) are ingested exactly as
// S3 objects are; reports go to ./campaigns/results/<campaign>/. The folder is polled (fs.watch
// misses events on network and container filesystems); a file is taken once its size and
// mtime are stable across two polls, then moved to .processed/ (or .failed/ for a bad file).
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile, copyFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Logger } from '../logger.ts';
import type { ObjectStore } from './ports.ts';
import type { CampaignIngestService } from './service.ts';
import { isPermanentIngestError } from './service.ts';

/** Object keys over two folders: `<campaignsPrefix>…` → inbox, `results/…` → results. */
export function createLocalObjectStore(o: { inboxDir: string; resultsDir: string; campaignsPrefix: string; resultsPrefix?: string }): ObjectStore {
  const resultsPrefix = o.resultsPrefix ?? 'results/';
  const pathOf = (key: string) => {
    if (key.startsWith(resultsPrefix)) return join(o.resultsDir, key.slice(resultsPrefix.length));
    if (key.startsWith(o.campaignsPrefix)) return join(o.inboxDir, key.slice(o.campaignsPrefix.length));
    throw new Error(`key ${key} is outside the local campaign folders`);
  };
  const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';
  return {
    async get(key) {
      const p = pathOf(key);
      try {
        const st = await stat(p);
        return { body: createReadStream(p), etag: `${st.size}-${Math.round(st.mtimeMs)}`, size: st.size };
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async getText(key) {
      try { return await readFile(pathOf(key), 'utf8'); } catch (err) { if (missing(err)) return undefined; throw err; }
    },
    async put(key, body) {
      const p = pathOf(key);
      await mkdir(dirname(p), { recursive: true });
      await writeFile(p, body);
    },
    async putFile(key, path) {
      const p = pathOf(key);
      await mkdir(dirname(p), { recursive: true });
      await copyFile(path, p);
    },
    describe: (key) => pathOf(key),
  };
}

export interface InboxWatcher {
  start(): void;
  /** One scan now (tests, and `start` calls it on a timer). */
  scan(): Promise<void>;
  stop(): Promise<void>;
}

export function createInboxWatcher(o: { inboxDir: string; campaignsPrefix: string; ingest: CampaignIngestService; logger: Logger; pollMs?: number }): InboxWatcher {
  const log = o.logger.child({ component: 'campaign-inbox' });
  const seen = new Map<string, string>(); // path → size-mtime at the previous scan
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function list(dir: string): Promise<string[]> {
    let entries;
    try { entries = await readdir(dir, { withFileTypes: true }); } catch { return []; }
    const out: string[] = [];
    for (const e of entries) {
      if (e.name.startsWith('.')) continue; // .processed, .failed, editor temp files
      const p = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await list(p)));
      else if (/\.(csv|txt)$/i.test(e.name)) out.push(p);
    }
    return out;
  }

  async function moveTo(folder: '.processed' | '.failed', path: string) {
    const rel = relative(o.inboxDir, path);
    const dest = join(o.inboxDir, folder, `${rel}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    await mkdir(dirname(dest), { recursive: true });
    await rename(path, dest);
  }

  async function scanOnce() {
    for (const path of await list(o.inboxDir)) {
      let st;
      try { st = await stat(path); } catch { continue; }
      const sig = `${st.size}-${Math.round(st.mtimeMs)}`;
      const prev = seen.get(path);
      seen.set(path, sig);
      if (prev !== sig) continue; // new or still being written: wait for a stable second look
      const key = o.campaignsPrefix + relative(o.inboxDir, path).split(sep).join('/');
      try {
        await o.ingest.ingestObject(key);
        await moveTo('.processed', path);
        seen.delete(path);
      } catch (err) {
        await o.ingest.reportFailure(key, err).catch(() => {});
        if (isPermanentIngestError(err)) {
          log.error({ err, path }, 'campaign file refused; moved to .failed');
          await moveTo('.failed', path);
          seen.delete(path);
        } else log.warn({ err, path }, 'campaign file ingest failed; will retry');
      }
    }
  }

  const scan = () => (running ??= scanOnce().finally(() => { running = undefined; }));
  return {
    scan,
    start() {
      const tick = () => { scan().catch((err: unknown) => log.error({ err }, 'inbox scan failed')).finally(() => { if (timer) timer = setTimeout(tick, o.pollMs ?? 2000); }); };
      timer = setTimeout(tick, 0);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
  };
}
