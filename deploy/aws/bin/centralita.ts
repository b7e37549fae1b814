#!/usr/bin/env node
// `npx cdk deploy` entry (cdk.json): parameters from -c name=value or cdk.json's context.
import { buildApp } from '../lib/app.ts';
import { ParamsError } from '../lib/params.ts';

try {
  buildApp().app.synth();
} catch (err) {
  if (err instanceof ParamsError) { process.stderr.write(`${err.message}\n`); process.exit(1); }
  throw err;
}
