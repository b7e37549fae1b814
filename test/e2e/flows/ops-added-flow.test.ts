// Ops add a flow the documented way (a new flows/<id>.flow.ts, its key in flows/index.ts, a DID
// and a new queue in flows/queues.ts): the project's own tests of the shipped flows must
// still pass. Proof: copy flows/, extend the copy, load it the way the e2e tests do, and run
// the unit tests of the shipped flows against it (FLOWS_DIR, the variable the app reads).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFlows } from '../../../src/cli/flows.ts';
import { copyFlows, shippedFlowRegistry } from '../../helpers/flows-dir.ts';

const dsl = resolve('src/flow-dsl/index.ts');
const copy = copyFlows('flows');
afterAll(() => rmSync(dirname(copy), { recursive: true, force: true }));

function edit(file: string, anchor: string, insert: string): void {
  const text = readFileSync(join(copy, file), 'utf8');
  expect(text, `${file} has '${anchor}'`).toContain(anchor);
  writeFileSync(join(copy, file), text.replace(anchor, `${anchor}\n${insert}`));
}

describe('a flow and a queue added by ops', () => {
  it('leave the tests of the shipped flows green', async () => {
    writeFileSync(join(copy, 'vip.flow.ts'), `import { defineFlow, hangup, menu, play, queue } from '${dsl}';

export default defineFlow({
  id: 'vip',
  language: 'es',
  languages: ['es', 'en'],
  start: 'welcome',
  nodes: {
    welcome: play('welcome', 'menu'),
    menu: menu({ prompt: 'main-menu', options: { '1': 'desk' }, onFailure: 'bye' }),
    desk: queue({ queue: 'vip', timeout: 'bye' }),
    bye: hangup('goodbye'),
  },
});
`);
    // First in the registry, so nothing may rely on the shipped flows' order either.
    edit('index.ts', 'flows: {', "    vip: './vip.flow.ts',");
    edit('index.ts', 'dids: {', "    '6015550300': 'vip',");
    edit('queues.ts', 'export const queues = defineQueues({', "  vip: { strategy: 'ringall', members: [{ id: 'vera', endpoint: 'PJSIP/1009' }], announce: { frequencySec: 30 } },");

    // The extended copy is a valid flows folder with the new flow in it…
    const lines: string[] = [];
    const checked = await checkFlows({ dir: copy }, (l) => lines.push(l));
    expect(checked.exitCode, lines.join('\n')).toBe(0);
    expect([...checked.result.flows.keys()]).toEqual(['vip', 'main', 'campaign']);

    // …the e2e tests' registry (test/e2e/flows, test/e2e/campaigns) loads it…
    const registry = await shippedFlowRegistry({ dir: copy });
    try {
      expect(registry.ids()).toEqual(['vip', 'main', 'campaign']);
      expect(registry.forDid('6015550100')?.id).toBe('main');
    } finally {
      registry.close();
    }

    // …and the tests of the shipped flows and of `flows check` / `flows graph` pass against it.
    const files = ['test/unit/flow-dsl/cli.test.ts', 'test/flows/'];
    const child = spawn('npx', ['vitest', 'run', '--project', 'unit', ...files], { env: { ...process.env, FLOWS_DIR: copy }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, out).toBe(0);
  }, 110_000);
});
