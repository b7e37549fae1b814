// `npm run deps:check` — dependency advisories and licences, offline: every package in
// package-lock.json is checked against src/tools/advisories.json (OSV-style ranges) and the
// licence allow-list. `npm audit` is tried as well; where the registry refuses it (this
// machine, CI) that is said in one line and the offline check stands. Exit 1 on a finding.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Range { introduced: string; fixed?: string }
interface Advisory { id: string; cve?: string; package: string; ranges: Range[]; summary: string }
interface Db { advisories: Advisory[]; accepted: { id: string; scope?: 'dev'; reason: string }[]; licences: { allowed: string[]; undeclared: Record<string, string> } }
interface LockPackage { name?: string; version?: string; license?: string; dev?: boolean; optional?: boolean }

const root = process.cwd();
const db = JSON.parse(readFileSync(new URL('./advisories.json', import.meta.url), 'utf8')) as Db;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockPackage> };

const parse = (v: string) => v.split(/[.+-]/).slice(0, 3).map((x) => Number.parseInt(x, 10) || 0) as [number, number, number];
function cmp(a: string, b: string): number {
  const x = parse(a), y = parse(b);
  for (let i = 0; i < 3; i++) if (x[i]! !== y[i]!) return x[i]! - y[i]!;
  return 0;
}
const affected = (v: string, r: Range) => cmp(v, r.introduced) >= 0 && (r.fixed === undefined || cmp(v, r.fixed) < 0);

const findings: string[] = [];
const notes: string[] = [];
let packages = 0;
for (const [path, p] of Object.entries(lock.packages)) {
  if (!path || !p.version) continue;
  packages++;
  // An alias (`request` → npm:@cypress/request) is listed under its real name.
  const name = p.name ?? path.replace(/^.*node_modules\//, '');
  for (const a of db.advisories) {
    if (a.package !== name || !a.ranges.some((r) => affected(p.version!, r))) continue;
    const ok = db.accepted.find((x) => x.id === a.id && (x.scope !== 'dev' || p.dev));
    const line = `${name}@${p.version} (${path}${p.dev ? ', dev' : ''}): ${a.id}${a.cve ? ` ${a.cve}` : ''} — ${a.summary}`;
    if (ok) notes.push(`accepted ${line}: ${ok.reason}`);
    else findings.push(line);
  }
  let licence = p.license;
  if (!licence && existsSync(join(root, path, 'package.json'))) {
    const pj = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')) as { license?: string; licenses?: { type: string }[] };
    licence = pj.license ?? pj.licenses?.map((l) => l.type).join(' OR ');
  }
  if (!licence) {
    if (db.licences.undeclared[name]) notes.push(`licence of ${name}@${p.version} undeclared: ${db.licences.undeclared[name]}`);
    else if (!p.optional) findings.push(`${name}@${p.version}: no licence declared (add it to licences.undeclared in src/tools/advisories.json after review)`);
  } else if (!db.licences.allowed.includes(licence)) {
    findings.push(`${name}@${p.version}: licence ${licence} is not on the allow-list`);
  }
}

// npm audit needs the registry's audit endpoint; say so when it is not there.
const audit = spawnSync('npm', ['audit', '--json', '--package-lock-only', '--omit=dev'], { encoding: 'utf8', timeout: 30_000 });
let auditLine: string;
try {
  const r = JSON.parse(audit.stdout) as { error?: { summary?: string }; message?: string; metadata?: { vulnerabilities?: Record<string, number> } };
  const refused = r.error?.summary || r.message;
  if (refused || !r.metadata) auditLine = `npm audit unavailable (${(refused ?? 'no report').replace(/\s*-?\s*(POST|GET)\s+\S+/g, '')}); the offline check above stands`;
  else {
    const v = r.metadata?.vulnerabilities ?? {};
    auditLine = `npm audit: ${JSON.stringify(v)}`;
    if ((v.high ?? 0) + (v.critical ?? 0) > 0) findings.push(`npm audit reports high/critical advisories: run \`npm audit\` for details`);
  }
} catch {
  auditLine = `npm audit unavailable (${(audit.stderr || audit.error?.message || 'no answer').split('\n')[0]}); the offline check above stands`;
}

for (const n of notes) console.log(`  note: ${n}`);
for (const f of findings) console.log(`  FINDING: ${f}`);
console.log(`  ${auditLine}`);
console.log(`deps:check: ${packages} packages, ${db.advisories.length} known advisories, ${findings.length} finding(s)`);
process.exit(findings.length ? 1 : 0);
