// `centralita flows check | graph <id> | list`, and the Node implementation of the flow
// loader's FlowSource port (files, dynamic import keyed by content hash, fs.watch).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, watch } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { formatIssue, loadFlows, type FlowSource, type LoadResult } from '../flow-dsl/registry.ts';
import { flowToMermaid } from '../flow-dsl/graph.ts';
import { loadConfig } from '../config.ts';
import { locateLoadError, typecheckFlows } from './flows-typescript.ts';

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** FlowSource over the local file system. Modules are imported as `file?rev=<hash>` so an edit loads fresh. */
export function createNodeFlowSource(cwd: string = process.cwd()): FlowSource {
  return {
    resolve: (...parts) => resolve(cwd, ...parts),
    display: (f) => relative(cwd, f) || f,
    exists: (f) => existsSync(f),
    read: (f) => readFileSync(f, 'utf8'),
    async importModule(f, text) {
      try {
        return (await import(`${pathToFileURL(f).href}?rev=${sha(text)}`)) as Record<string, unknown>;
      } catch (err) {
        const location = await locateLoadError(err, f, (x) => readFileSync(x, 'utf8')).catch(() => undefined);
        throw location && err instanceof Error ? Object.assign(err, { location }) : err;
      }
    },
    listPrompts(soundsDir) {
      const out = new Set<string>();
      const root = resolve(cwd, soundsDir);
      if (!existsSync(root)) return out;
      // Asterisk's layout: <lang>/<id>.wav, with folders inside a language (digits/7.wav).
      const walk = (dir: string, prefix: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          if (e.isDirectory()) walk(resolve(dir, e.name), `${prefix}${e.name}/`);
          else if (e.name.endsWith('.wav')) out.add(`${prefix}${e.name.slice(0, -4)}`);
        }
      };
      for (const lang of readdirSync(root, { withFileTypes: true })) if (lang.isDirectory()) walk(resolve(root, lang.name), `${lang.name}/`);
      return out;
    },
    hash: sha,
    watch(dir, onChange) {
      const w = watch(dir, { recursive: true }, () => onChange());
      return () => w.close();
    },
  };
}

function dirs(opts: { dir?: string; sounds?: string }) {
  const c = loadConfig(process.env);
  return { dir: opts.dir ?? c.flows.dir, soundsDir: opts.sounds ?? c.soundsDir };
}

export async function checkFlows(opts: { dir?: string; sounds?: string; types?: boolean }, out: (line: string) => void): Promise<{ exitCode: number; result: LoadResult }> {
  const source = createNodeFlowSource();
  const d = dirs(opts);
  const result = await loadFlows({ ...d, source });
  const issues = [...result.issues];
  if (opts.types !== false) {
    // The compiler sees what the editor sees; a line the loader already reported is not repeated.
    const typed = await typecheckFlows(d.dir, source.display);
    if (typed.skipped) out(`flows check: ${typed.skipped}`);
    const seen = new Set(issues.map((i) => `${i.file}:${i.line}`));
    issues.push(...typed.issues.filter((i) => !seen.has(`${i.file}:${i.line}`)));
    result.issues = issues;
    result.ok &&= !typed.issues.length;
  }
  // In file order, then top to bottom, as an editor lists them.
  const files = [...new Set(issues.map((i) => i.file))];
  issues.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file) || a.line - b.line || a.column - b.column);
  for (const i of issues) out(formatIssue(i));
  const errors = issues.filter((i) => i.severity === 'error').length;
  if (errors) out(`flows check: ${errors} error${errors === 1 ? '' : 's'}`);
  else out(`flows check: OK — ${[...result.flows.values()].map((f) => `${f.id}@${f.version}`).join(', ')}; DIDs: ${Object.entries(result.dids).map(([d, f]) => `${d}→${f}`).join(', ') || 'none'}`);
  return { exitCode: errors ? 1 : 0, result };
}

export function registerFlowsCommands(program: Command): void {
  const flows = program.command('flows').description('check, draw and list the IVR flows in flows/');
  flows
    .command('check')
    .description('validate every flow (types, options, targets, reachability, queues, schedules, lookups, prompts); exit 1 on errors')
    .option('--dir <dir>', 'flows folder (default FLOWS_DIR or ./flows)')
    .option('--sounds <dir>', 'sounds folder (default SOUNDS_DIR or ./sounds)')
    .option('--no-types', 'skip the TypeScript type check (the loader\'s strict option check still runs)')
    .action(async (opts: { dir?: string; sounds?: string; types?: boolean }) => {
      const { exitCode } = await checkFlows(opts, (l) => console.log(l));
      process.exitCode = exitCode;
    });
  flows
    .command('graph <id>')
    .description('print a Mermaid diagram of the compiled flow (paste into a PR or docs)')
    .option('--dir <dir>', 'flows folder')
    .option('--sounds <dir>', 'sounds folder')
    .action(async (id: string, opts: { dir?: string; sounds?: string }) => {
      const result = await loadFlows({ ...dirs(opts), source: createNodeFlowSource() });
      const flow = result.flows.get(id);
      if (!flow) {
        for (const i of result.issues.filter((x) => x.flowId === id || x.code === 'FLOW_LOAD_FAILED')) console.error(formatIssue(i));
        console.error(result.flows.size || result.issues.length ? `flow '${id}' is not loadable (known: ${[...result.flows.keys()].join(', ') || 'none'})` : `no flows found in ${dirs(opts).dir}`);
        process.exitCode = 1;
        return;
      }
      console.log(flowToMermaid(flow).trimEnd());
    });
  flows
    .command('list')
    .description('flow ids, versions and the DIDs that reach them')
    .option('--dir <dir>', 'flows folder')
    .option('--sounds <dir>', 'sounds folder')
    .action(async (opts: { dir?: string; sounds?: string }) => {
      const result = await loadFlows({ ...dirs(opts), source: createNodeFlowSource() });
      for (const f of result.flows.values()) {
        const dids = Object.entries(result.dids).filter(([, id]) => id === f.id).map(([d]) => d);
        console.log(`${f.id}\t${f.version}\t${f.file}\t${dids.join(',')}`);
      }
      if (!result.ok) process.exitCode = 1;
    });
}
