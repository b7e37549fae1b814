import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DIST_DIR, WEB_DIR } from '../../../src/tools/build-web.ts';

// The web app's bundle budget (web/budget.json), on the build the test setup made from the
// current sources: what every page loads (entry JS + CSS) and each lazily loaded chunk.
interface Chunk { file: string; src?: string; isEntry?: boolean; isDynamicEntry?: boolean; css?: string[]; imports?: string[] }
const budget = JSON.parse(readFileSync(join(WEB_DIR, 'budget.json'), 'utf8')) as Record<string, number>;
const gz = (f: string) => gzipSync(readFileSync(join(DIST_DIR, f)), { level: 9 }).length;

describe('web app bundle budget', () => {
  it('stays within web/budget.json (gzip bytes)', () => {
    const manifest = JSON.parse(readFileSync(join(DIST_DIR, '.vite/manifest.json'), 'utf8')) as Record<string, Chunk>;
    const chunks = Object.values(manifest);
    // Two entries: the app (index.html) and the HubSpot calling extension page (hubspot.html).
    const entry = manifest['index.html']!;
    const hubspotEntry = manifest['hubspot.html']!;
    // The entry and what it imports statically is what the first page load costs.
    const seen = new Set<string>();
    const walk = (c: Chunk): Chunk[] => (seen.has(c.file) ? [] : (seen.add(c.file), [c, ...(c.imports ?? []).flatMap((k) => walk(manifest[k]!))]));
    const initial = walk(entry);
    seen.clear();
    const hubspotInitial = walk(hubspotEntry);
    // JsSIP is the softphone's own chunk, loaded only when an agent's console starts its phone.
    const softphone = (c: Chunk) => /node_modules\/jssip\//.test(c.src ?? '');
    const sizes = {
      entryJs: initial.reduce((s, c) => s + gz(c.file), 0),
      hubspotEntryJs: hubspotInitial.reduce((s, c) => s + gz(c.file), 0),
      entryCss: initial.flatMap((c) => c.css ?? []).reduce((s, f) => s + gz(f), 0),
      lazyChunkJs: Math.max(0, ...chunks.filter((c) => c.isDynamicEntry && !softphone(c)).map((c) => gz(c.file))),
      softphoneChunkJs: chunks.filter(softphone).reduce((s, c) => s + gz(c.file), 0),
      totalJs: chunks.filter((c) => c.file.endsWith('.js')).reduce((s, c) => s + gz(c.file), 0),
    };
    console.log(`web bundle (gzip bytes): ${JSON.stringify(sizes)} budget ${JSON.stringify(budget)}`);
    for (const [k, v] of Object.entries(sizes)) expect(v, k).toBeLessThanOrEqual(budget[k]!);
    // The precompressed copies the server sends exist for every asset.
    for (const c of chunks) for (const f of [c.file, ...(c.css ?? [])]) expect(existsSync(join(DIST_DIR, `${f}.br`)), `${f}.br`).toBe(true);
  });
});
