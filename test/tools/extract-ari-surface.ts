// Extracts the ARI surface (operations with their parameters, models with their properties)
// from a server's Swagger declarations, as the data the simulator's declarations are checked
// against (test/unit/sim/api-surface.test.ts). Descriptions and notes are left out.
//   node test/tools/extract-ari-surface.ts <api-docs dir | http://host:8088/ari> [out.json]
// With a URL, ARI_USER / ARI_PASSWORD (default lab/lab) authenticate.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Json = Record<string, unknown>;
const source = process.argv[2];
const out = process.argv[3] ?? 'test/fixtures/ari-surface/asterisk-22.10.1.json';
if (!source) {
  console.error('usage: node test/tools/extract-ari-surface.ts <api-docs dir | ARI base URL> [out.json]');
  process.exit(2);
}

async function load(name: string): Promise<Json> {
  if (!/^https?:/.test(source!)) return JSON.parse(readFileSync(join(source!, `${name}.json`), 'utf8')) as Json;
  const auth = 'Basic ' + Buffer.from(`${process.env.ARI_USER ?? 'lab'}:${process.env.ARI_PASSWORD ?? 'lab'}`).toString('base64');
  const res = await fetch(`${source}/api-docs/${name}.json`, { headers: { authorization: auth } });
  if (!res.ok) throw new Error(`${name}: HTTP ${res.status}`);
  return (await res.json()) as Json;
}

const pick = (o: Json, keys: string[]) => Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));

const listing = await load('resources');
const resources = (listing.apis as { path: string }[]).map((a) => /\/api-docs\/(\w+)\./.exec(a.path)![1]!);
const operations: Json[] = [];
const models: Record<string, Json> = {};
for (const r of resources) {
  const d = await load(r);
  for (const api of d.apis as { path: string; operations: Json[] }[]) {
    for (const op of api.operations) {
      operations.push({
        resource: r, path: api.path, method: op.httpMethod, nickname: op.nickname, responseClass: op.responseClass,
        ...(op.upgrade ? { upgrade: op.upgrade } : {}),
        params: ((op.parameters ?? []) as Json[]).map((p) => pick(p, ['name', 'paramType', 'dataType', 'required', 'allowMultiple', 'allowableValues', 'defaultValue'])),
        errors: ((op.errorResponses ?? []) as Json[]).map((e) => e.code).sort(),
      });
    }
  }
  for (const [id, m] of Object.entries(d.models as Record<string, Json>)) {
    const props = Object.fromEntries(Object.entries(m.properties as Record<string, Json>).map(([k, p]) => [k, pick(p, ['type', 'required', 'allowableValues'])]));
    models[id] = { resource: r, properties: props, ...pick(m, ['discriminator', 'subTypes']) };
  }
}
const surface = { apiVersion: listing.apiVersion, swaggerVersion: listing.swaggerVersion, resources, operations, models };
writeFileSync(out, JSON.stringify(surface, null, 1) + '\n');
console.log(`${out}: ${resources.length} resources, ${operations.length} operations, ${Object.keys(models).length} models`);
