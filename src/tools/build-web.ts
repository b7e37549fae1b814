// Builds the web app (web/ → web/dist) with Vite, then writes Brotli and gzip copies of the
// assets (served as they are, no compression at request time) and a stamp with the sources'
// hash, so the test setup and `centralita start` rebuild only when web/ changed.
// `npm run build:web`; `--if-stale` skips an up-to-date build.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const WEB_DIR = resolve(import.meta.dirname, '../../web');
export const DIST_DIR = join(WEB_DIR, 'dist');
const STAMP = '.source-hash';
const COMPRESS = /\.(js|css|html|svg|json)$/;

function files(dir: string, skip: (p: string) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (skip(p)) continue;
    if (statSync(p).isDirectory()) out.push(...files(p, skip));
    else out.push(p);
  }
  return out;
}

/** Hash of everything the build reads: web/ sources and the shared types under src/wallboard. */
export function sourceHash(): string {
  const h = createHash('sha256');
  const inputs = [
    ...files(WEB_DIR, (p) => p === DIST_DIR || p.endsWith('node_modules')),
    ...files(resolve(WEB_DIR, '../src/wallboard'), () => false),
    resolve(WEB_DIR, '../package-lock.json'),
  ];
  for (const f of inputs) h.update(relative(WEB_DIR, f)).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

export function isBuildFresh(): boolean {
  const stamp = join(DIST_DIR, STAMP);
  return existsSync(stamp) && existsSync(join(DIST_DIR, 'index.html')) && readFileSync(stamp, 'utf8').trim() === sourceHash();
}

/** One build at a time (parallel test projects share web/dist): a lock directory next to it. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(WEB_DIR, '.build-lock');
  const t0 = Date.now();
  for (;;) {
    try { mkdirSync(lock); break; } catch {
      // A lock left by a killed build is stale after two minutes.
      try { if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true }); } catch {}
      if (Date.now() - t0 > 180_000) throw new Error(`web build lock ${lock} held for 3 minutes`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try { return await fn(); } finally { rmSync(lock, { recursive: true, force: true }); }
}

export async function buildWeb(opts: { ifStale?: boolean; quiet?: boolean } = {}): Promise<{ built: boolean; ms: number }> {
  if (opts.ifStale && isBuildFresh()) return { built: false, ms: 0 };
  return withLock(() => buildLocked(opts));
}

async function buildLocked(opts: { ifStale?: boolean; quiet?: boolean }): Promise<{ built: boolean; ms: number }> {
  const t0 = Date.now();
  if (opts.ifStale && isBuildFresh()) return { built: false, ms: 0 };
  const hash = sourceHash();
  // Imported here: vite is a build-time (dev) dependency, never loaded by the running app.
  const { build } = await import('vite');
  await build({ configFile: join(WEB_DIR, 'vite.config.ts'), logLevel: opts.quiet ? 'warn' : 'info' });
  for (const f of files(DIST_DIR, () => false)) {
    if (!COMPRESS.test(f)) continue;
    const body = readFileSync(f);
    writeFileSync(`${f}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    writeFileSync(`${f}.gz`, gzipSync(body, { level: 9 }));
  }
  writeFileSync(join(DIST_DIR, STAMP), `${hash}\n`);
  return { built: true, ms: Date.now() - t0 };
}

if (import.meta.main) {
  const r = await buildWeb({ ifStale: process.argv.includes('--if-stale') });
  process.stdout.write(r.built ? `web app built in ${r.ms} ms → ${relative(process.cwd(), DIST_DIR)}\n` : 'web app is up to date\n');
}
