// Registry + hot reload: a good edit swaps the flow for new calls, a broken edit is rejected
// with the checker's message and the previous version keeps serving; live calls keep theirs.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeFlowSource } from '../../../src/cli/flows.ts';
import { createFlowRegistry, FlowCheckError, type LocatedIssue } from '../../../src/flow-dsl/registry.ts';
import type { CompiledFlowEx } from '../../../src/flow-dsl/compile.ts';
import { dialFlow } from '../../fakes/flow-harness.ts';

const FIX = 'test/fixtures/flows';
// Same depth as the fixtures so their relative imports resolve.
const TMP = `${FIX}/_tmp-reload-${process.pid}`;
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

const logs: { level: string; msg: string; obj: object }[] = [];
const logger = {
  info: (obj: object, msg: string) => logs.push({ level: 'info', msg, obj }),
  warn: (obj: object, msg: string) => logs.push({ level: 'warn', msg, obj }),
  error: (obj: object, msg: string) => logs.push({ level: 'error', msg, obj }),
};

describe('flow registry', () => {
  it('refuses to start on a broken folder, listing every problem', async () => {
    const err = await createFlowRegistry({ dir: `${FIX}/unreachable`, soundsDir: `${FIX}/sounds`, source: createNodeFlowSource(), queueIds: ['sales'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowCheckError);
    expect((err as FlowCheckError).code).toBe('FLOWS_INVALID');
    expect((err as FlowCheckError).message).toContain("demo.flow.ts:11:5: error FLOW_NODE_UNREACHABLE: node 'orphan' cannot be reached from start 'hello'");
  });

  it('serves flows by id and DID; hot reload swaps good edits and rejects broken ones', async () => {
    mkdirSync(TMP, { recursive: true });
    cpSync(`${FIX}/good`, TMP, { recursive: true });
    let notify: ((r: { ok: boolean; issues: LocatedIssue[] }) => void) | undefined;
    const next = () => new Promise<{ ok: boolean; issues: LocatedIssue[] }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reload within 5 s')), 5000);
      notify = (r) => { clearTimeout(t); resolve(r); };
    });
    const reg = await createFlowRegistry({
      dir: TMP, soundsDir: `${FIX}/sounds`, source: createNodeFlowSource(), queueIds: ['sales'],
      hotReload: true, debounceMs: 20, logger, onReload: (r) => notify?.(r),
    });
    try {
      expect(reg.ids()).toEqual(['demo']);
      const v1 = reg.get('demo') as CompiledFlowEx;
      expect(reg.forDid('6015550100')).toBe(v1);
      expect(reg.forDid('601 555 0100')).toBe(v1);
      expect(reg.forDid('999')).toBeUndefined();

      // A call in progress on v1…
      const live = await dialFlow(v1, { at: '2026-03-02T10:00:00-05:00' }, {});
      await live.listen();
      expect(live.heard).toEqual(['es/hello', 'es/hello']);

      // …good edit: the greeting becomes 'bye'.
      const file = `${TMP}/demo.flow.ts`;
      const original = readFileSync(file, 'utf8');
      let reloaded = next();
      writeFileSync(file, original.replace("hello: play('hello', 'menu')", "hello: play('bye', 'menu')"));
      expect((await reloaded).ok).toBe(true);
      const v2 = reg.get('demo') as CompiledFlowEx;
      expect(v2.version).not.toBe(v1.version);
      const fresh = await dialFlow(v2, { at: '2026-03-02T10:00:00-05:00' }, {});
      await fresh.wait(1);
      expect(fresh.heard).toEqual(['es/bye']);
      // The live call is untouched: still on v1's machine, still in its menu.
      await live.press('1');
      expect(live.queue).toBe('sales');

      // Broken edit: a typo in a target. Rejected with the checker's message; v2 keeps serving.
      reloaded = next();
      writeFileSync(file, original.replace("'1': 'sales'", "'1': 'salez'"));
      const r = await reloaded;
      expect(r.ok).toBe(false);
      expect(r.issues.map((i) => i.message)).toContain("node 'menu' (press 1) goes to 'salez', which is not a node of flow 'demo'");
      expect(reg.get('demo')).toBe(v2);
      const rejected = logs.find((l) => l.level === 'error');
      expect(rejected?.msg).toBe('flow edit rejected; the previous version keeps serving');
      expect(JSON.stringify(rejected?.obj)).toContain('FLOW_TARGET_UNKNOWN');

      // Fixing it is picked up again.
      reloaded = next();
      writeFileSync(file, original);
      expect((await reloaded).ok).toBe(true);
      expect(reg.get('demo')?.version).toBe(v1.version);
    } finally {
      reg.close();
    }
  });
});
