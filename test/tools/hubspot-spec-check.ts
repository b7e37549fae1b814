// `npm run hubspot:spec-check` — a local check (CI has no copy of the spec): validates every
// request the fake HubSpot receives during the HubSpot tests, and every answer it gives,
// against HubSpot's public OpenAPI specs, and checks that the facts centralita keeps in
// src/integrations/hubspot/api-facts.ts still match them.
//
//   HUBSPOT_SPEC_DIR=<checkout or bare git dir of HubSpot-public-api-spec-collection> npm run hubspot:spec-check
//   … -- --recorded <dir>   validate exchanges recorded earlier instead of running the tests
//
// Without the spec it says so and exits 0 (skipped, visibly). Exit 1 on any violation or drift.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createValidator, extractFacts, loadSpecs, type Recorded, type Violation } from './hubspot-spec.ts';
import * as facts from '../../src/integrations/hubspot/api-facts.ts';

const args = process.argv.slice(2);
const opt = (name: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
const specDir = opt('spec') ?? process.env.HUBSPOT_SPEC_DIR;
const specs = loadSpecs(specDir);
if (!specs) {
  console.log(`hubspot spec check: SKIPPED — no HubSpot spec collection at ${specDir ?? '(HUBSPOT_SPEC_DIR unset)'}; bring github:HubSpot/HubSpot-public-api-spec-collection and point HUBSPOT_SPEC_DIR at it`);
  process.exit(0);
}

// 1. The committed facts against the spec.
const drift: string[] = [];
const extracted = extractFacts(specs);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
for (const [key, f] of Object.entries(extracted.operations)) {
  const mine = (facts.OPERATIONS as Record<string, unknown>)[key];
  if (!same(mine, f)) drift.push(`${key}: api-facts.ts has ${JSON.stringify(mine)}, the spec says ${JSON.stringify(f)}`);
}
for (const [name, mine] of [['searchOperators', facts.SEARCH_OPERATORS], ['searchRequestRequired', facts.SEARCH_REQUEST_REQUIRED], ['batchStatuses', facts.BATCH_STATUSES], ['associationCategories', facts.ASSOCIATION_CATEGORIES]] as const) {
  if (!same([...mine], extracted[name])) drift.push(`${name}: api-facts.ts has ${JSON.stringify(mine)}, the spec says ${JSON.stringify(extracted[name])}`);
}
if (specs.commit && specs.commit !== facts.SPEC_COMMIT) console.log(`note: spec commit ${specs.commit}, api-facts.ts was extracted from ${facts.SPEC_COMMIT}`);

// 2. Exchanges recorded by the fake while the HubSpot tests run.
let dir = opt('recorded');
if (!dir) {
  dir = mkdtempSync(join(tmpdir(), 'hubspot-spec-record-'));
  const files = (args.filter((a) => a.startsWith('test/')).length ? args.filter((a) => a.startsWith('test/')) : ['test/unit/hubspot', 'test/integration/hubspot']);
  console.log(`running ${files.join(' ')} with the fake recording every exchange to ${dir}`);
  const r = spawnSync('npx', ['vitest', 'run', ...files], { stdio: 'inherit', env: { ...process.env, HUBSPOT_SPEC_RECORD: dir } });
  if (r.status !== 0) console.log('warning: the tests did not all pass; validating what was recorded anyway');
}
const exchanges: Recorded[] = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).flatMap((f) => readFileSync(join(dir!, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Recorded));

const v = createValidator(specs);
// The validator must be able to fail: a search without the required `after`/`sorts`, with an
// unknown operator, and a batch create whose association has no category, are refused.
const selfTest = [
  v.check({ method: 'POST', path: '/crm/v3/objects/contacts/search', status: 200, body: { filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'LIKE', value: '1' }] }], properties: [], limit: 10 } }),
  v.check({ method: 'POST', path: '/crm/v3/objects/calls/batch/create', status: 201, body: { inputs: [{ properties: { hs_timestamp: 1 }, associations: [{ to: { id: '1' }, types: [{ associationTypeId: 194 }] }] }] } }),
];
if (selfTest.some((x) => x.length === 0)) { console.log('hubspot spec check: the validator accepted requests the spec refuses; it is broken'); process.exit(1); }
console.log(`validator self-test: known-bad requests refused (${selfTest.map((x) => x[0]!.errors.length).join(', ')} errors)`);
const perOp = new Map<string, { requests: number; statuses: Set<number>; requestViolations: number; responseViolations: number }>();
const violations: Violation[] = [];
const unmatched = new Map<string, number>();
for (const x of exchanges) {
  const key = v.match(x.method, x.path);
  if (!key) { const k = `${x.method} ${x.path.replace(/\d{3,}/g, '{id}')}`; unmatched.set(k, (unmatched.get(k) ?? 0) + 1); continue; }
  const s = perOp.get(key) ?? { requests: 0, statuses: new Set<number>(), requestViolations: 0, responseViolations: 0 };
  s.requests++;
  s.statuses.add(x.status);
  for (const bad of v.check(x)) {
    if (bad.what === 'request') s.requestViolations++; else s.responseViolations++;
    violations.push(bad);
  }
  perOp.set(key, s);
}

console.log(`\nspec: ${specs.root}${specs.commit ? ` @ ${specs.commit.slice(0, 12)}` : ''}`);
console.log(`${exchanges.length} exchanges recorded`);
for (const [key, s] of [...perOp].sort()) console.log(`  ${key}: ${s.requests} (HTTP ${[...s.statuses].sort().join('/')}), request violations ${s.requestViolations}, response violations ${s.responseViolations}`);
for (const [k, n] of unmatched) console.log(`  not in the spec collection, not validated: ${k} (${n})`);
const shown = new Set<string>();
for (const bad of violations) {
  const sig = `${bad.key} ${bad.what} ${bad.errors.join('|')}`;
  if (shown.has(sig)) continue;
  shown.add(sig);
  console.log(`VIOLATION ${bad.what} ${bad.key}${bad.status ? ` (HTTP ${bad.status})` : ''}: ${bad.errors.join('; ')}\n    ${bad.sample}`);
}
for (const d of drift) console.log(`DRIFT ${d}`);
const requestViolations = violations.filter((x) => x.what === 'request').length;
const responseViolations = violations.length - requestViolations;
console.log(JSON.stringify({ exchanges: exchanges.length, operations: perOp.size, request_violations: requestViolations, response_violations: responseViolations, facts_drift: drift.length, unvalidated: [...unmatched.values()].reduce((a, b) => a + b, 0) }));
process.exit(violations.length || drift.length || exchanges.length === 0 ? 1 : 0);
