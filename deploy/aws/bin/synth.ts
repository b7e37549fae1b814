#!/usr/bin/env node
// CI check without an AWS account: synthesizes the stack with example parameters, fails on
// any unacknowledged cdk-nag (AwsSolutions) finding, and prints the template's size and
// resource count. `npm run deploy:synth` from the repository root.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../lib/app.ts';
import { EXAMPLE_CONTEXT, EXAMPLE_MANAGED_CONTEXT } from '../lib/example.ts';

const variants = process.argv.includes('--all') ? [['default', EXAMPLE_CONTEXT], ['managed+lambda', EXAMPLE_MANAGED_CONTEXT]] as const : [['default', EXAMPLE_CONTEXT]] as const;
let failed = false;
for (const [label, context] of variants) {
  const outdir = mkdtempSync(join(tmpdir(), 'centralita-cdk-'));
  const t0 = Date.now();
  try {
    const { app, stack } = buildApp({ context, outdir });
    const assembly = app.synth();
    const file = join(assembly.directory, stack.templateFile);
    const text = readFileSync(file, 'utf8');
    const template = JSON.parse(text) as { Resources: Record<string, { Type: string }> };
    const types = new Map<string, number>();
    for (const r of Object.values(template.Resources)) types.set(r.Type, (types.get(r.Type) ?? 0) + 1);
    console.log(`deploy synth (${label}): ${stack.stackName}.template.json ${text.length} bytes, ${Object.keys(template.Resources).length} resources, ${types.size} types, cdk-nag AwsSolutions: 0 unacknowledged findings, ${Date.now() - t0} ms`);
  } catch (err) {
    failed = true;
    console.error(`deploy synth (${label}) FAILED:\n${(err as Error).message}`);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
