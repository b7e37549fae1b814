// Bad input everywhere gets a reason (issue 14): whatever ops put in flows/ (a typo, a JS
// edit that skipped the typecheck, a module that throws), the loader never throws and never
// hangs: it answers with issues, each with a stable code, a message and a place. A flow with
// no error issue is compiled; a flow that is not compiled has an error issue.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { posix } from 'node:path';
import { loadFlows, type FlowSource } from '../../../src/flow-dsl/registry.ts';

const TYPES = ['play', 'menu', 'gather', 'hours', 'queue', 'dial', 'transfer', 'voicemail', 'setLanguage', 'setVar', 'branch', 'lookup', 'hangup'];
const junk = fc.oneof(fc.jsonValue(), fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 8 }), fc.integer(), fc.constant(() => 'x'), fc.constant(/1/));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: a }, { weight: 1, arbitrary: junk });
const nodeId = fc.constantFrom('start', 'menu', 'bye', 'q', 'x y', '1bad');
const prompt = maybe(fc.oneof(fc.constantFrom('hello-world', 'menu-main'), fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }), fc.record({ sayDigits: fc.constantFrom('v', '') })));
const node = maybe(fc.record({
  type: maybe(fc.constantFrom(...TYPES)), prompts: prompt, prompt, next: maybe(nodeId), options: maybe(fc.dictionary(fc.constantFrom('1', '2', '#', 'x'), maybe(nodeId))),
  onFailure: maybe(nodeId), into: maybe(fc.string({ maxLength: 4 })), maxDigits: maybe(fc.integer({ min: -1, max: 30 })), minDigits: maybe(fc.integer({ min: -1, max: 30 })),
  schedule: maybe(fc.constantFrom('office', 'nope')), open: maybe(nodeId), closed: maybe(nodeId), queue: maybe(fc.constantFrom('sales', 'none')),
  context: maybe(fc.string({ maxLength: 6 })), extension: maybe(fc.string({ maxLength: 4 })), language: maybe(fc.constantFrom('es', 'en', '')), name: maybe(fc.string({ maxLength: 4 })),
  value: junk, timeoutSec: maybe(fc.double()), maxAttempts: maybe(fc.integer({ min: -2, max: 9 })), maxAtempts: junk, lookup: maybe(fc.constantFrom('crm', 'none')),
  found: maybe(nodeId), notFound: maybe(nodeId), cases: junk, default: maybe(nodeId), endpoint: maybe(fc.string({ maxLength: 8 })),
}, { requiredKeys: [] }));
const flow = (id: fc.Arbitrary<unknown>) => maybe(fc.record({ id, start: maybe(nodeId), nodes: maybe(fc.dictionary(nodeId, node, { maxKeys: 5 })), languages: maybe(fc.array(fc.constantFrom('es', 'en'), { maxLength: 2 })), version: junk }, { requiredKeys: [] }));
const flowKey = fc.constantFrom('main', 'campaign', 'other');
const moduleOf = (exports: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary: exports.map((e) => ({ ok: e })) }, { weight: 1, arbitrary: fc.constant({ throws: 'SyntaxError: Unexpected token' }) });
const world = fc.record({
  index: moduleOf(maybe(fc.record({
    default: maybe(fc.record({
      flows: maybe(fc.dictionary(flowKey, maybe(fc.constantFrom('main.flow.ts', 'campaign.flow.ts', 'missing.flow.ts')), { maxKeys: 3 })),
      dids: maybe(fc.dictionary(fc.constantFrom('6015550100', 'x'), maybe(flowKey))), schedules: maybe(fc.constant('schedules.ts')), lookups: maybe(fc.constant('lookups.ts')), queues: maybe(fc.constantFrom('queues.ts', 'gone.ts')), flow: junk,
    }, { requiredKeys: [] })),
  }, { requiredKeys: [] }))),
  main: moduleOf(fc.record({ default: flow(maybe(fc.constant('main'))) }, { requiredKeys: [] })),
  campaign: moduleOf(fc.record({ default: flow(maybe(fc.constantFrom('campaign', 'main'))) }, { requiredKeys: [] })),
  schedules: moduleOf(maybe(fc.record({ schedules: maybe(fc.dictionary(fc.constantFrom('office', 'x'), maybe(fc.record({ id: maybe(fc.constantFrom('office', 'x')), timezone: maybe(fc.constantFrom('America/Bogota', 'Nowhere/Else')), weekly: junk, holidays: junk }, { requiredKeys: [] })))) }, { requiredKeys: [] }))),
  lookups: moduleOf(maybe(fc.record({ lookups: maybe(fc.dictionary(fc.constantFrom('crm', 'x'), maybe(fc.constant(async () => ({}))))) }, { requiredKeys: [] }))),
  queues: moduleOf(maybe(fc.record({ queues: maybe(fc.dictionary(fc.constantFrom('sales', 'x'), maybe(fc.record({ members: maybe(fc.array(maybe(fc.record({ skills: maybe(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 })) }, { requiredKeys: [] })), { maxLength: 2 })), strategy: junk }, { requiredKeys: [] })))) }, { requiredKeys: [] }))),
});
type Mod = { ok: unknown } | { throws: string };

function source(w: Record<string, Mod>): FlowSource {
  const files: Record<string, Mod> = {
    '/f/index.ts': w.index!, '/f/main.flow.ts': w.main!, '/f/campaign.flow.ts': w.campaign!,
    '/f/schedules.ts': w.schedules!, '/f/lookups.ts': w.lookups!, '/f/queues.ts': w.queues!,
  };
  return {
    resolve: (...p) => posix.resolve('/', ...p),
    display: (f) => f.slice(1),
    exists: (f) => f in files,
    read: (f) => (f in files ? `// ${f}\nexport default {}\n` : ''),
    async importModule(f) {
      const m = files[f]!;
      if ('throws' in m) throw new Error(m.throws);
      const v = m.ok;
      return (v && typeof v === 'object' ? v : { default: v }) as Record<string, unknown>;
    },
    listPrompts: () => new Set(['es/hello-world', 'es/menu-main']),
    hash: (t) => String(t.length),
  };
}

describe('flow loader under fuzzing', () => {
  it('never throws: issues with a code, message and place; uncompiled flows have an error', async () => {
    await fc.assert(fc.asyncProperty(world, async (w) => {
      const src = source(w as Record<string, Mod>);
      const r = await loadFlows({ source: src, dir: '/f', soundsDir: '/sounds', now: () => new Date('2026-12-01T15:00:00Z') });
      for (const i of r.issues) {
        expect(i.code).toMatch(/^[A-Z_]+$/);
        expect(typeof i.message === 'string' && i.message.length > 0).toBe(true);
        expect(typeof i.file).toBe('string');
        expect(Number.isFinite(i.line) && Number.isFinite(i.column)).toBe(true);
        // The loader's safety net (an exception turned into an issue) must never be what answers.
        expect(i.message).not.toMatch(/cannot be (checked|compiled)/);
      }
      expect(r.ok).toBe(!r.issues.some((i) => i.severity === 'error'));
      const idx = 'ok' in w.index ? ((w.index.ok as { default?: { flows?: unknown } } | undefined)?.default?.flows) : undefined;
      if (idx && typeof idx === 'object') {
        for (const [key, path] of Object.entries(idx)) {
          if (r.flows.has(key)) continue;
          // Not compiled: an error was said about it (its file, or the index when the path is not a string).
          expect(r.issues.some((i) => i.severity === 'error' && (typeof path !== 'string' || i.file === src.display(src.resolve('/f', path)) || i.file === 'f/index.ts')), `${key} → ${String(path)}`).toBe(true);
        }
      }
    }), { numRuns: Number(process.env.FUZZ_RUNS ?? 1500) });
  }, 120_000);
});
