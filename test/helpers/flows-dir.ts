// The flows folder the tests of the shipped flows load: ./flows, or FLOWS_DIR when set (the
// same variable the app reads), so the suite can be pointed at a folder ops have extended —
// test/e2e/flows/ops-added-flow.test.ts does exactly that with a copy plus a new flow and queue.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createNodeFlowSource } from '../../src/cli/flows.ts';
import { createFlowRegistry, type FlowRegistryHandle } from '../../src/flow-dsl/registry.ts';

export const FLOWS_DIR = process.env.FLOWS_DIR || 'flows';

/**
 * The registry of the flows folder as the e2e tests load it: checked against its own
 * flows/queues.ts (as at start-up, never a fixture list of queue ids) and the shipped sounds.
 */
export function shippedFlowRegistry(o: { now?: () => Date; dir?: string } = {}): Promise<FlowRegistryHandle> {
  return createFlowRegistry({ dir: o.dir ?? FLOWS_DIR, soundsDir: 'sounds', source: createNodeFlowSource(), ...(o.now ? { now: o.now } : {}) });
}

/**
 * Copies a flows folder to a fresh dir under .data/ (git-ignored, inside the checkout so
 * packages such as libphonenumber-js still resolve from node_modules). Relative imports that
 * leave the folder (the flow DSL in src/) are rewritten to absolute paths.
 */
export function copyFlows(from = 'flows'): string {
  const src = resolve(from);
  mkdirSync(resolve('.data'), { recursive: true });
  const dest = join(mkdtempSync(join(resolve('.data'), 'test-flows-')), 'flows');
  mkdirSync(dest, { recursive: true });
  cpSync(src, dest, { recursive: true });
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  for (const file of walk(dest).filter((f) => f.endsWith('.ts'))) {
    const original = join(src, relative(dest, file));
    const text = readFileSync(file, 'utf8').replace(/(from\s+|import\s*\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g, (m, pre: string, q: string, spec: string) => {
      const target = resolve(dirname(original), spec);
      return relative(src, target).startsWith('..') ? `${pre}${q}${target}${q}` : m;
    });
    writeFileSync(file, text);
  }
  return dest;
}
