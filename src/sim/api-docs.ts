// The simulator's Swagger 1.2 declarations (/ari/api-docs), generated from its own
// description of Asterisk 22's ARI surface (api-surface.ts, api-models.ts). `ari-client`
// builds its API from these at connect, so every operation and every event model it may
// meet must be declared (an undeclared event type crashes its message handler).
import { OPERATIONS, RESOURCE_DESCRIPTIONS, type OpSpec } from './api-surface.ts';
import { MODELS } from './api-models.ts';

export interface ParamDecl {
  name: string;
  paramType: 'query' | 'path' | 'body';
  required: boolean;
  allowMultiple: boolean;
  dataType: string;
  allowableValues?: { valueType: 'LIST'; values: string[] } | { valueType: 'RANGE'; min: number };
  defaultValue?: string | number | boolean;
}

export const RESOURCE_NAMES = Object.keys(OPERATIONS);

export function params(spec: string): ParamDecl[] {
  if (!spec) return [];
  return spec.split(',').map((p) => {
    const m = /^(\w+):([qpb]):([\w[\]]+)(!?)(\*?)(?:\{([^}]*)\})?(?:=(.*))?$/.exec(p);
    if (!m) throw new Error(`bad parameter spec ${p}`);
    const [, name, where, dataType, req, multi, values, dflt] = m as unknown as [string, string, string, string, string, string, string | undefined, string | undefined];
    const d: ParamDecl = { name, paramType: where === 'p' ? 'path' : where === 'b' ? 'body' : 'query', required: req === '!', allowMultiple: multi === '*', dataType };
    if (values !== undefined) d.allowableValues = values.startsWith('>=') ? { valueType: 'RANGE', min: Number(values.slice(2)) } : { valueType: 'LIST', values: values.split('|') };
    if (dflt !== undefined) d.defaultValue = dataType === 'boolean' ? dflt === 'true' : dataType === 'int' || dataType === 'long' ? Number(dflt) : dflt;
    return d;
  });
}

export function props(spec: string): Record<string, { type: string; required: boolean; allowableValues?: { valueType: 'LIST'; values: string[] } }> {
  const out: Record<string, { type: string; required: boolean; allowableValues?: { valueType: 'LIST'; values: string[] } }> = {};
  if (!spec) return out;
  for (const p of spec.split(',')) {
    const m = /^(\w+):([\w[\]]+)(!?)(?:\{([^}]*)\})?$/.exec(p);
    if (!m) throw new Error(`bad property spec ${p}`);
    out[m[1]!] = { type: m[2]!, required: m[3] === '!', ...(m[4] ? { allowableValues: { valueType: 'LIST' as const, values: m[4].split('|') } } : {}) };
  }
  return out;
}

export function resourceListing(basePath: string): Record<string, unknown> {
  return {
    apiVersion: '10.0.0',
    swaggerVersion: '1.1',
    basePath,
    apis: RESOURCE_NAMES.map((r) => ({ path: `/api-docs/${r}.{format}`, description: RESOURCE_DESCRIPTIONS[r] })),
  };
}

function operationJson([httpMethod, path, nickname, responseClass, spec, errors, upgrade]: OpSpec): Record<string, unknown> {
  const op: Record<string, unknown> = { httpMethod, nickname, responseClass, parameters: params(spec) };
  if (upgrade) {
    op.upgrade = upgrade;
    op.websocketProtocol = 'ari';
  }
  if (errors) op.errorResponses = errors.split(',').map((code) => ({ code: Number(code), reason: `See ${httpMethod} ${path}` }));
  return op;
}

export function apiDeclaration(resource: string, basePath: string): Record<string, unknown> | undefined {
  const ops = OPERATIONS[resource];
  if (!ops) return undefined;
  const models: Record<string, unknown> = {};
  for (const [id, m] of Object.entries(MODELS)) {
    if (m.resource !== resource) continue;
    models[id] = { id, ...(m.discriminator ? { discriminator: m.discriminator } : {}), properties: props(m.props), ...(m.subTypes ? { subTypes: m.subTypes } : {}) };
  }
  const apis: { path: string; operations: Record<string, unknown>[] }[] = [];
  for (const op of ops) {
    const last = apis[apis.length - 1];
    if (last?.path === op[1]) last.operations.push(operationJson(op));
    else apis.push({ path: op[1], operations: [operationJson(op)] });
  }
  return { apiVersion: '2.0.0', swaggerVersion: '1.2', basePath, resourcePath: `/api-docs/${resource}.{format}`, apis, models };
}

/** Every declared operation (method, path pattern, nickname), for routing checks. */
export function declaredOperations(): { resource: string; method: string; path: string; nickname: string }[] {
  return Object.entries(OPERATIONS).flatMap(([resource, ops]) => ops.map(([method, path, nickname]) => ({ resource, method, path, nickname })));
}
