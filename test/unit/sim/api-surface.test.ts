// The simulator declares the ARI surface of the real Asterisk 22.10.1: every operation with its
// parameters and documented error statuses, every model with its properties, compared with
// what the lab's /ari/api-docs served (extracted by test/tools/extract-ari-surface.ts).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiDeclaration, resourceListing, RESOURCE_NAMES } from '../../../src/sim/api-docs.ts';

type Json = Record<string, unknown>;
const real = JSON.parse(readFileSync(new URL('../../fixtures/ari-surface/asterisk-22.10.1.json', import.meta.url), 'utf8')) as {
  apiVersion: string; resources: string[]; operations: Json[]; models: Record<string, Json>;
};

function ours() {
  const operations: Json[] = [];
  const models: Record<string, Json> = {};
  for (const r of RESOURCE_NAMES) {
    const d = apiDeclaration(r, 'http://x/ari') as { apis: { path: string; operations: Json[] }[]; models: Record<string, Json> };
    for (const api of d.apis) {
      for (const op of api.operations) {
        operations.push({
          resource: r, path: api.path, method: op.httpMethod, nickname: op.nickname, responseClass: op.responseClass, ...(op.upgrade ? { upgrade: op.upgrade } : {}),
          params: op.parameters, errors: ((op.errorResponses ?? []) as { code: number }[]).map((e) => e.code).sort((a, b) => a - b),
        });
      }
    }
    for (const [id, m] of Object.entries(d.models)) {
      const { id: _id, ...rest } = m;
      models[id] = { resource: r, ...rest };
    }
  }
  return { operations, models };
}

/** Swagger's defaults: an absent `required` / `allowMultiple` is false. */
function withDefaults() {
  const operations = real.operations.map((op) => ({
    ...op, params: (op.params as Json[]).map((p) => ({ ...p, required: p.required ?? false, allowMultiple: p.allowMultiple ?? false })),
    // A few codes are strings in Asterisk's files (channels move): numbers either way.
    errors: (op.errors as (number | string)[]).map(Number).sort((a, b) => a - b),
  }));
  const models = Object.fromEntries(Object.entries(real.models).map(([id, m]) => [id, {
    ...m, properties: Object.fromEntries(Object.entries(m.properties as Record<string, Json>).map(([k, p]) => [k, { ...p, required: p.required ?? false }])),
  }]));
  return { operations, models };
}

describe('ARI surface against Asterisk 22.10.1', () => {
  const o = ours();
  const want = withDefaults();
  it('lists the same resources', () => {
    expect(RESOURCE_NAMES).toEqual(real.resources);
    expect((resourceListing('http://x/ari') as { apiVersion: string }).apiVersion).toBe(real.apiVersion);
  });
  it('declares every operation with the same parameters and error statuses', () => {
    expect(o.operations.length).toBe(109);
    expect(o.operations).toEqual(want.operations);
  });
  it('declares every model and event with the same properties', () => {
    expect(Object.keys(o.models).length).toBe(85);
    expect(Object.keys(o.models).filter((k) => o.models[k]!.resource === 'events').length).toBe(57);
    expect(o.models).toEqual(want.models);
  });
});
