// `npm run bench -- <name>`: runs test/bench/<name>.bench.ts and prints, as the LAST line,
// {"bench": name, "metrics": {...}, "goal": {...}}. The peer/limit is measured in the same run.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  metrics: Record<string, number>;
  goal: Record<string, unknown>;
  notes?: Record<string, unknown>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace(/\.bench\.ts$/, ''));
const name = process.argv[2];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>\navailable: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run(args: string[]): Promise<BenchResult> };
const result = await mod.run(process.argv.slice(3));
console.log(JSON.stringify({ bench: name, metrics: result.metrics, goal: result.goal, ...(result.notes ? { notes: result.notes } : {}) }));
process.exit(0);
