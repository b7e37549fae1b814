// CRM search as HubSpot documents it, for the fake: the 3,000-character body limit, 5 filter
// groups / 6 filters per group / 18 filters in all, limit ≤ 200, no result past the 10,000th,
// all 13 operators, and `IN` on string properties matching lower-case values only (values are
// compared with the stored value lower-cased, so an upper-case value never matches).
import { SEARCH_LIMITS, SEARCH_OPERATORS } from '../../src/integrations/hubspot/api-facts.ts';
import type { FakeProperty } from './hubspot-properties.ts';

export interface SearchObject { id: string; properties: Record<string, string>; createdAt: number; updatedAt: number; indexedAt: number }

export class SearchError extends Error {
  readonly errors: { message: string; code: string; context?: Record<string, string[]> }[];
  constructor(message: string, errors: { message: string; code: string; context?: Record<string, string[]> }[] = []) {
    super(message);
    this.errors = errors;
  }
}

interface Filter { propertyName?: string; operator?: string; value?: unknown; highValue?: unknown; values?: unknown[] }
interface Body { filterGroups?: { filters?: Filter[] }[]; properties?: string[]; limit?: number; after?: string | number; sorts?: unknown[]; query?: string }

/** Per object type: property → lower-cased value → objects, so EQ/IN stay fast with tens of thousands of objects. */
export class SearchIndex {
  private readonly byProp = new Map<string, Map<string, Set<SearchObject>>>();
  add(o: SearchObject) {
    for (const [k, v] of Object.entries(o.properties)) {
      if (v === undefined || v === null || String(v).length > 64) continue; // long text is matched by scan
      let m = this.byProp.get(k);
      if (!m) { m = new Map(); this.byProp.set(k, m); }
      const key = String(v).toLowerCase();
      let s = m.get(key);
      if (!s) { s = new Set(); m.set(key, s); }
      s.add(o);
    }
  }
  remove(o: SearchObject) {
    for (const [k, v] of Object.entries(o.properties)) this.byProp.get(k)?.get(String(v).toLowerCase())?.delete(o);
  }
  lookup(prop: string, value: string) { return this.byProp.get(prop)?.get(value); }
}

const num = (v: unknown): number => {
  const s = String(v);
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isNaN(t) ? Number.NaN : t;
};
const tokens = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}@.]+/u).filter(Boolean);

export function validateSearch(rawText: string, body: Body, props: Map<string, FakeProperty>): void {
  if (rawText.length > SEARCH_LIMITS.maxBodyChars) {
    throw new SearchError(`The request body is ${rawText.length} characters long; search request bodies are limited to ${SEARCH_LIMITS.maxBodyChars} characters.`, [{ message: 'request body too long', code: 'TOO_LONG' }]);
  }
  const groups = body.filterGroups ?? [];
  if (!Array.isArray(groups)) throw new SearchError('filterGroups must be an array');
  if (groups.length > SEARCH_LIMITS.maxGroups) throw new SearchError(`Too many filter groups (${groups.length}). The maximum number of filter groups is ${SEARCH_LIMITS.maxGroups}.`);
  const total = groups.reduce((n, g) => n + (g.filters?.length ?? 0), 0);
  if (total > SEARCH_LIMITS.maxFilters) throw new SearchError(`Too many filters (${total}). The maximum number of filters is ${SEARCH_LIMITS.maxFilters}.`);
  for (const g of groups) {
    if ((g.filters?.length ?? 0) > SEARCH_LIMITS.maxFiltersPerGroup) throw new SearchError(`Too many filters in a filter group (${g.filters!.length}). The maximum is ${SEARCH_LIMITS.maxFiltersPerGroup}.`);
    for (const f of g.filters ?? []) {
      if (!f.propertyName || !props.has(f.propertyName)) throw new SearchError(`There was a problem with the request. Property "${String(f.propertyName)}" does not exist.`, [{ message: `Property "${String(f.propertyName)}" does not exist`, code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: [String(f.propertyName)] } }]);
      if (!(SEARCH_OPERATORS as readonly string[]).includes(f.operator ?? '')) throw new SearchError(`Invalid operator "${String(f.operator)}".`);
      const op = f.operator!;
      if ((op === 'IN' || op === 'NOT_IN') && (!Array.isArray(f.values) || f.values.length === 0)) throw new SearchError(`Operator ${op} requires a non-empty "values" list.`);
      if (op === 'BETWEEN' && (f.value === undefined || f.highValue === undefined)) throw new SearchError('Operator BETWEEN requires "value" and "highValue".');
      if (!['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(op) && f.value === undefined) throw new SearchError(`Operator ${op} requires "value".`);
    }
  }
  for (const p of body.properties ?? []) if (typeof p !== 'string') throw new SearchError('properties must be property names');
  const limit = body.limit === undefined ? 10 : Number(body.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_LIMITS.maxPageSize) throw new SearchError(`limit must be between 1 and ${SEARCH_LIMITS.maxPageSize} (was ${String(body.limit)}).`);
  const after = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  if (!Number.isInteger(after) || after < 0) throw new SearchError('after must be a paging cursor from a previous response.');
  if (after + limit > SEARCH_LIMITS.maxResults) throw new SearchError(`The search API returns at most ${SEARCH_LIMITS.maxResults} results for a query.`);
}

function matchesFilter(o: SearchObject, f: Filter, prop: FakeProperty): boolean {
  const v = o.properties[f.propertyName!];
  const has = v !== undefined && v !== null && v !== '';
  const numeric = prop.type === 'number' || prop.type === 'datetime' || prop.type === 'date';
  const eq = (x: unknown) => (numeric ? num(v) === num(x) : String(v).toLowerCase() === String(x).toLowerCase());
  // IN compares against the lower-cased stored value: HubSpot requires lower-case values for string properties.
  const inList = (x: unknown) => (prop.type === 'string' ? String(v).toLowerCase() === String(x) : numeric ? num(v) === num(x) : String(v) === String(x));
  const cmp = (x: unknown) => (numeric ? num(v) - num(x) : String(v).localeCompare(String(x)));
  switch (f.operator) {
    case 'EQ': return has && eq(f.value);
    case 'NEQ': return !has || !eq(f.value);
    case 'LT': return has && cmp(f.value) < 0;
    case 'LTE': return has && cmp(f.value) <= 0;
    case 'GT': return has && cmp(f.value) > 0;
    case 'GTE': return has && cmp(f.value) >= 0;
    case 'BETWEEN': return has && cmp(f.value) >= 0 && cmp(f.highValue) <= 0;
    case 'IN': return has && f.values!.some(inList);
    case 'NOT_IN': return !has || !f.values!.some(inList);
    case 'HAS_PROPERTY': return has;
    case 'NOT_HAS_PROPERTY': return !has;
    case 'CONTAINS_TOKEN':
    case 'NOT_CONTAINS_TOKEN': {
      const want = String(f.value).toLowerCase();
      const re = new RegExp(`^${want.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
      const found = has && tokens(String(v)).some((t) => re.test(t));
      return f.operator === 'CONTAINS_TOKEN' ? found : !found;
    }
    default: return false;
  }
}

export function runSearch(all: Map<string, SearchObject>, index: SearchIndex, body: Body, props: Map<string, FakeProperty>, now: number) {
  const groups = body.filterGroups ?? [];
  const limit = body.limit === undefined ? 10 : Number(body.limit);
  const after = body.after === undefined || body.after === '' ? 0 : Number(body.after);
  const matches = (o: SearchObject) => groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matchesFilter(o, f, props.get(f.propertyName!)!)));
  // Candidates through an EQ/IN filter of every group when possible (same result as a scan).
  const indexable = (f: Filter) => (f.operator === 'EQ' || f.operator === 'IN') && props.get(f.propertyName!)?.type === 'string';
  let candidates: Iterable<SearchObject> = all.values();
  if (groups.length && groups.every((g) => (g.filters ?? []).some(indexable))) {
    const set = new Set<SearchObject>();
    for (const g of groups) {
      const f = (g.filters ?? []).find(indexable)!;
      // EQ is case-insensitive; IN values are looked up as given (upper case finds nothing, as in HubSpot).
      for (const v of f.operator === 'EQ' ? [String(f.value).toLowerCase()] : f.values!.map(String)) for (const o of index.lookup(f.propertyName!, v) ?? []) set.add(o);
    }
    candidates = set;
  }
  let hits = [...candidates].filter((o) => o.indexedAt <= now && matches(o));
  const sort = (body.sorts ?? [])[0] as string | { propertyName?: string; direction?: string } | undefined;
  const sortProp = typeof sort === 'string' ? sort.replace(/^-/, '') : sort?.propertyName;
  const desc = typeof sort === 'string' ? sort.startsWith('-') : sort?.direction === 'DESCENDING';
  hits = hits.sort((a, b) => {
    if (sortProp) {
      const d = num(a.properties[sortProp]) - num(b.properties[sortProp]) || String(a.properties[sortProp] ?? '').localeCompare(String(b.properties[sortProp] ?? ''));
      if (d) return desc ? -d : d;
    }
    return Number(a.id) - Number(b.id);
  });
  const wanted = body.properties?.length ? body.properties : ['hs_object_id', 'createdate', 'lastmodifieddate'];
  const page = hits.slice(after, after + limit);
  const next = after + limit;
  return {
    total: hits.length,
    results: page.map((o) => ({
      id: o.id,
      // A requested property without a value comes back as null (calls guide); unknown ones are left out.
      properties: Object.fromEntries(wanted.filter((p) => props.has(p)).map((p) => [p, o.properties[p] ?? null])),
      createdAt: new Date(o.createdAt).toISOString(),
      updatedAt: new Date(o.updatedAt).toISOString(),
      archived: false,
    })),
    ...(next < hits.length && next < SEARCH_LIMITS.maxResults ? { paging: { next: { after: String(next), link: '' } } } : {}),
  };
}
