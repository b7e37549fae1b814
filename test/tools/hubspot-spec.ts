// HubSpot's published OpenAPI specs (github:HubSpot/HubSpot-public-api-spec-collection, brought
// locally with the `fetch` tool; never committed) as a library for the local spec check:
// find the spec files of the operations centralita uses, extract the few facts the code and
// the fake rely on (src/integrations/hubspot/api-facts.ts keeps a committed copy), and validate
// recorded requests and responses against the operations' schemas with ajv.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS with a default export; under Node's ESM loader it arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

/** Spec file (relative to the collection root) of each API centralita calls. */
export const SPEC_FILES = {
  calls: 'PublicApiSpecs/CRM/Calls/Rollouts/424/v3/calls.json',
  contacts: 'PublicApiSpecs/CRM/Contacts/Rollouts/424/v3/contacts.json',
  associations: 'PublicApiSpecs/CRM/Associations/Rollouts/130902/v4/associations.json',
  properties: 'PublicApiSpecs/CRM/Properties/Rollouts/145899/v3/properties.json',
  accountInfo: 'PublicApiSpecs/Account/Account Info/Rollouts/144923/v3/accountInfo.json',
} as const;
type SpecName = keyof typeof SPEC_FILES;

/** The operations centralita sends (method, path template as in the spec, spec file). */
export const OPERATIONS: { key: string; spec: SpecName; method: string; path: string }[] = [
  { key: 'POST /crm/v3/objects/contacts/search', spec: 'contacts', method: 'post', path: '/crm/v3/objects/contacts/search' },
  { key: 'POST /crm/v3/objects/contacts/batch/create', spec: 'contacts', method: 'post', path: '/crm/v3/objects/contacts/batch/create' },
  { key: 'POST /crm/v3/objects/calls/search', spec: 'calls', method: 'post', path: '/crm/v3/objects/calls/search' },
  { key: 'POST /crm/v3/objects/calls/batch/create', spec: 'calls', method: 'post', path: '/crm/v3/objects/calls/batch/create' },
  { key: 'POST /crm/v3/objects/calls/batch/update', spec: 'calls', method: 'post', path: '/crm/v3/objects/calls/batch/update' },
  { key: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', spec: 'associations', method: 'post', path: '/crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create' },
  { key: 'GET /crm/v3/properties/{objectType}', spec: 'properties', method: 'get', path: '/crm/v3/properties/{objectType}' },
  { key: 'GET /crm/v3/properties/{objectType}/{propertyName}', spec: 'properties', method: 'get', path: '/crm/v3/properties/{objectType}/{propertyName}' },
  { key: 'POST /crm/v3/properties/{objectType}', spec: 'properties', method: 'post', path: '/crm/v3/properties/{objectType}' },
  { key: 'GET /crm/v3/properties/{objectType}/groups', spec: 'properties', method: 'get', path: '/crm/v3/properties/{objectType}/groups' },
  { key: 'GET /account-info/v3/details', spec: 'accountInfo', method: 'get', path: '/account-info/v3/details' },
];

type Json = Record<string, unknown>;
export interface SpecSet { root: string; commit?: string; docs: Record<SpecName, Json> }

/** Loads the spec files from a checkout or a bare git directory; undefined when `dir` holds no spec. */
export function loadSpecs(dir: string | undefined): SpecSet | undefined {
  if (!dir || !existsSync(dir)) return undefined;
  const bare = existsSync(join(dir, 'HEAD')) && existsSync(join(dir, 'objects')) && !existsSync(join(dir, 'PublicApiSpecs'));
  const read = (rel: string): string | undefined => {
    if (!bare) return existsSync(join(dir, rel)) && statSync(join(dir, rel)).isFile() ? readFileSync(join(dir, rel), 'utf8') : undefined;
    try { return execFileSync('git', ['--git-dir', dir, 'show', `HEAD:${rel}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] }); } catch { return undefined; }
  };
  const docs = {} as Record<SpecName, Json>;
  for (const [name, rel] of Object.entries(SPEC_FILES) as [SpecName, string][]) {
    const text = read(rel);
    if (!text) return undefined;
    docs[name] = JSON.parse(text) as Json;
  }
  let commit: string | undefined;
  try { commit = execFileSync('git', bare ? ['--git-dir', dir, 'rev-parse', 'HEAD'] : ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { commit = undefined; }
  return { root: dir, ...(commit ? { commit } : {}), docs };
}

function operation(specs: SpecSet, op: (typeof OPERATIONS)[number]): Json {
  const paths = specs.docs[op.spec].paths as Record<string, Record<string, Json>>;
  const o = paths[op.path]?.[op.method];
  if (!o) throw new Error(`spec ${SPEC_FILES[op.spec]} has no ${op.key}`);
  return o;
}

const relevantScope = (s: string) => s === 'oauth' || /(^|\.)(contacts|calls)(\.|$)/.test(s);

/** The facts centralita relies on, as extracted from the specs (compared with api-facts.ts). */
export function extractFacts(specs: SpecSet) {
  const operations: Record<string, { scopes: string[]; rateLimitExemptions: string[]; statuses: string[] }> = {};
  for (const op of OPERATIONS) {
    const o = operation(specs, op);
    // `security` lists alternatives (any one suffices); generic endpoints list every object's
    // scopes, so only the ones about contacts and calls are kept.
    const alternatives = ((o.security as Record<string, string[]>[] | undefined) ?? []).flatMap((s) => Object.values(s).flat());
    operations[op.key] = {
      scopes: [...new Set(alternatives.filter(relevantScope))].sort(),
      rateLimitExemptions: [...((o['x-hubspot-rate-limit-exemptions'] as string[] | undefined) ?? [])].sort(),
      statuses: Object.keys(o.responses as Json).filter((s) => s !== 'default').sort(),
    };
  }
  const callSchemas = (specs.docs.calls.components as { schemas: Record<string, Json> }).schemas;
  const filter = callSchemas.Filter as { properties: { operator: { enum: string[] } } };
  const search = callSchemas.PublicObjectSearchRequest as { required: string[] };
  const batch = callSchemas.BatchResponseSimplePublicObject as { properties: { status: { enum: string[] } } };
  const assocSpec = callSchemas.AssociationSpec as { properties: { associationCategory: { enum: string[] } } };
  return {
    operations,
    searchOperators: [...filter.properties.operator.enum].sort(),
    searchRequestRequired: [...search.required].sort(),
    batchStatuses: [...batch.properties.status.enum].sort(),
    associationCategories: [...assocSpec.properties.associationCategory.enum].sort(),
  };
}

/** Template path → regex, for matching recorded concrete paths to operations. */
function pathRegex(template: string): RegExp {
  return new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}|\{[^}]+\}/g, '[^/]+')}$`);
}

export interface Recorded { method: string; path: string; body?: unknown; status: number; response?: unknown }
export interface Violation { key: string; what: 'request' | 'response'; status?: number; errors: string[]; sample: string }

/**
 * Validates recorded exchanges: request bodies against the operation's requestBody schema, and
 * responses against the schema of their status (or `default`). One relaxation, documented by
 * HubSpot's calls guide and observed from the API: a requested property without a value comes
 * back as `null`, which the generated schemas (string values) do not allow.
 */
export function createValidator(specs: SpecSet) {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const name of Object.keys(specs.docs) as SpecName[]) ajv.addSchema(specs.docs[name], `spec:${name}`);
  const cache = new Map<string, ValidateFunction>();
  const compile = (spec: SpecName, ref: string): ValidateFunction => {
    const id = `spec:${spec}${ref}`;
    let v = cache.get(id);
    if (!v) { v = ajv.compile({ $ref: id }); cache.set(id, v); }
    return v;
  };
  // Literal paths win over templated ones (`…/calls/groups` is not `…/calls/{propertyName}`).
  const params = (p: string) => (p.match(/\{/g) ?? []).length;
  const ops = OPERATIONS.map((op) => ({ ...op, re: pathRegex(op.path), o: operation(specs, op) })).sort((a, b) => params(a.path) - params(b.path));
  const schemaRef = (content: Json | undefined): string | undefined => {
    const media = content ? (Object.values(content)[0] as { schema?: { $ref?: string } } | undefined) : undefined;
    return media?.schema?.$ref;
  };
  const stripNullProperties = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(stripNullProperties);
    if (!x || typeof x !== 'object') return x;
    const out: Json = {};
    for (const [k, v] of Object.entries(x)) {
      out[k] = k === 'properties' && v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, pv]) => pv !== null)) : stripNullProperties(v);
    }
    return out;
  };
  const fmt = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message}${e.params && 'allowedValues' in e.params ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}${e.params && 'missingProperty' in e.params ? '' : ''}`);

  return {
    /** Operation key of a recorded request, or undefined when centralita's table has none for it. */
    match(method: string, path: string) {
      return ops.find((o) => o.method === method.toLowerCase() && o.re.test(path))?.key;
    },
    check(r: Recorded): Violation[] {
      const op = ops.find((o) => o.method === r.method.toLowerCase() && o.re.test(r.path));
      if (!op) return [];
      const out: Violation[] = [];
      const reqRef = schemaRef((op.o.requestBody as { content?: Json } | undefined)?.content);
      if (reqRef) {
        const v = compile(op.spec, reqRef);
        if (!v(r.body)) out.push({ key: op.key, what: 'request', errors: fmt(v), sample: JSON.stringify(r.body).slice(0, 300) });
      }
      const responses = op.o.responses as Record<string, Json>;
      let resp = responses[String(r.status)] ?? responses.default;
      if (resp && '$ref' in resp) {
        const name = String(resp.$ref).split('/').pop()!;
        resp = ((specs.docs[op.spec].components as { responses: Record<string, Json> }).responses)[name]!;
      }
      const resRef = schemaRef(resp?.content as Json | undefined);
      if (resRef && r.response !== undefined) {
        const v = compile(op.spec, resRef);
        if (!v(stripNullProperties(r.response))) out.push({ key: op.key, what: 'response', status: r.status, errors: fmt(v), sample: JSON.stringify(r.response).slice(0, 300) });
      }
      return out;
    },
  };
}
