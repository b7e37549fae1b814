// Recordings under DATA_DIR/recordings (embedded default): one file per key, written to a
// temp name and renamed so a reader never sees half a file.
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { BlobStore } from './ports.ts';

export function localBlobStore(dir: string): BlobStore {
  const root = resolve(dir);
  const path = (key: string) => {
    const p = resolve(join(root, key));
    if (!p.startsWith(root + sep)) throw new Error(`recording key escapes the recordings folder: ${key}`);
    return p;
  };
  return {
    kind: 'local',
    async put(key, body) {
      const p = path(key);
      await mkdir(dirname(p), { recursive: true });
      const tmp = `${p}.tmp-${process.pid}`;
      await writeFile(tmp, body, { mode: 0o600 });
      await rename(tmp, p);
    },
    async get(key, range) {
      const p = path(key);
      let size: number;
      try { size = (await stat(p)).size; } catch { return undefined; }
      return { body: createReadStream(p, range ? { start: range.start, end: range.end } : {}), size };
    },
    async delete(key) { await rm(path(key), { force: true }); },
    describe: (key) => path(key),
  };
}
