// `flows check` runs the TypeScript compiler on the flows folder (what only `tsc` caught
// before: a misspelled option, a property that does not exist), and a flow that does not
// parse is reported at its real line — at start-up and hot reload too, not at 1:1.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkFlows, createNodeFlowSource } from '../../../src/cli/flows.ts';
import { typecheckFlows } from '../../../src/cli/flows-typescript.ts';
import { createFlowRegistry, FlowCheckError } from '../../../src/flow-dsl/registry.ts';

const exec = promisify(execFile);
const DSL = resolve('src/flow-dsl/index.ts');
mkdirSync('.data', { recursive: true });
const root = mkdtempSync(join(resolve('.data'), 'test-tsc-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A flows folder with one flow `demo`; `body` is the text of its nodes. */
function folder(name: string, body: string, extra: Record<string, string> = {}): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'index.ts'), `import { defineRegistry } from '${DSL}';\nexport default defineRegistry({ flows: { demo: './demo.flow.ts' } });\n`);
  writeFileSync(join(dir, 'demo.flow.ts'), `import { defineFlow, hangup, menu, play, setVar } from '${DSL}';
${extra.imports ?? ''}
export default defineFlow({
  id: 'demo',
  language: 'es',
  start: 'menu',
  nodes: {
${body}
  },
});
`);
  for (const [f, text] of Object.entries(extra)) if (f !== 'imports') writeFileSync(join(dir, f), text);
  return dir;
}
const rel = (dir: string, f: string) => createNodeFlowSource().display(join(dir, f));
const run = async (dir: string) => {
  const lines: string[] = [];
  const r = await checkFlows({ dir, sounds: 'sounds' }, (l) => lines.push(l));
  return { code: r.exitCode, lines };
};

describe('flows check: the TypeScript compiler', () => {
  it('reports what only the types know, at file:line:col', async () => {
    const dir = folder('types', `    menu: menu({ prompt: 'main-menu', options: { '1': 'tag' }, onFailure: 'bye' }),
    tag: setVar('segment', (v) => (v.form.startsWith('+57') ? 'co' : 'intl'), 'bye'),
    bye: hangup('goodbye'),`);
    const r = await run(dir);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([
      `${rel(dir, 'demo.flow.ts')}:9:38: error FLOW_TYPE_ERROR: TS2339: Property 'form' does not exist on type 'FlowView'.`,
      'flows check: 1 error',
    ]);
  });

  it('catches a misspelled option itself, and says it once when the loader also does', async () => {
    const dir = folder('typo', `    menu: menu({ prompt: 'main-menu', options: { '1': 'bye' }, maxAtempts: 2, onFailure: 'bye' }),
    bye: hangup('goodbye'),`);
    const typed = await typecheckFlows(dir, (f) => f);
    expect(typed.issues.map((i) => `${i.line}:${i.column} ${i.message.slice(0, 7)}`)).toEqual(['8:64 TS2561:']);
    expect(typed.issues[0]!.message).toContain("'maxAtempts' does not exist");
    const r = await run(dir);
    expect(r.lines).toEqual([
      `${rel(dir, 'demo.flow.ts')}:8:64: error FLOW_OPTION_UNKNOWN: node 'menu': unknown option 'maxAtempts' (did you mean 'maxAttempts'?)`,
      'flows check: 1 error',
    ]);
  });

  it('passes a correct folder', async () => {
    const dir = folder('ok', `    menu: menu({ prompt: 'main-menu', options: { '1': 'bye', '*': 'menu' }, onFailure: 'bye' }),
    bye: hangup('goodbye'),`);
    expect((await run(dir)).lines).toEqual([expect.stringMatching(/^flows check: OK — demo@[0-9a-f]{16}; DIDs: none$/)]);
  });
});

describe('a flow that does not load', () => {
  it('points a syntax error at its real line, at start-up as in flows check', async () => {
    const dir = folder('syntax', `    menu: menu({ prompt: 'main-menu', options: { '1': 'bye' }, onFailure: 'bye' })
    bye: hangup('goodbye'),`);
    const err = await createFlowRegistry({ dir, soundsDir: 'sounds', source: createNodeFlowSource() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlowCheckError);
    expect((err as FlowCheckError).message).toContain(`${rel(dir, 'demo.flow.ts')}:9:5: error FLOW_LOAD_FAILED: cannot load: syntax error: ',' expected.`);
  });

  // In a real `node` process: what Node itself reports is what the loader must read.
  it('names the imported file and line that broke, and the import of a missing export', async () => {
    const run = async (dir: string) => {
      const r = await exec(process.execPath, ['src/cli.ts', 'flows', 'check', '--no-types', '--dir', dir]).catch((e: { stdout: string }) => e);
      return { lines: r.stdout.trim().split('\n') };
    };
    const body = `    menu: play(GREETING, 'bye'),\n    bye: hangup('goodbye'),`;
    const broken = folder('helper-syntax', body, { imports: "import { GREETING } from './prompts.ts';", 'prompts.ts': "export const OTHER = 'x';\nexport const GREETING = {\n  a: 1\n  b: 2,\n};\n" });
    expect((await run(broken)).lines[0]).toBe(`${rel(broken, 'prompts.ts')}:4:3: error FLOW_LOAD_FAILED: cannot load: syntax error: ',' expected. (imported by ${rel(broken, 'demo.flow.ts')})`);
    const thrown = folder('helper-throws', body, { imports: "import { GREETING } from './prompts.ts';", 'prompts.ts': "export const GREETING = 'welcome';\n\nthrow new Error('half-saved');\n" });
    expect((await run(thrown)).lines[0]).toBe(`${rel(thrown, 'prompts.ts')}:3:7: error FLOW_LOAD_FAILED: cannot load: half-saved (imported by ${rel(thrown, 'demo.flow.ts')})`);
    const missing = folder('helper-export', body, { imports: "import { GREETING } from './prompts.ts';", 'prompts.ts': "export const GREETINGS = 'welcome';\n" });
    expect((await run(missing)).lines).toContain(`${rel(missing, 'demo.flow.ts')}:2:10: error FLOW_LOAD_FAILED: cannot load: The requested module './prompts.ts' does not provide an export named 'GREETING'`);
  });
});
