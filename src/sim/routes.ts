// The REST plumbing shared by the ARI routes and the control API: parameters as ARI reads
// them (query string, JSON body), typed accessors, and path patterns.
import { AriError } from './model.ts';

export type Params = Record<string, unknown>;

export class Req {
  readonly params: Params;
  readonly path: Record<string, string>;
  /** The JSON object body as sent (batch variables, event filters), undefined without one. */
  readonly body: unknown;
  constructor(params: Params, path: Record<string, string>, body?: unknown) {
    this.params = params;
    this.path = path;
    this.body = body;
  }
  str(name: string): string | undefined {
    const v = this.params[name];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v.map(String).join(',');
    if (typeof v === 'object') throw new AriError(400, `${name}: expected a string`);
    return String(v);
  }
  int(name: string): number | undefined {
    const v = this.params[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'number' ? v : Number(String(v));
    if (!Number.isFinite(n) || !Number.isInteger(n)) throw new AriError(400, `${name}: expected an integer, got ${JSON.stringify(v)}`);
    return n;
  }
  bool(name: string): boolean | undefined {
    const v = this.params[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(s)) return true;
    if (['false', 'no', '0', 'off'].includes(s)) return false;
    throw new AriError(400, `${name}: expected a boolean, got ${JSON.stringify(v)}`);
  }
  list(name: string): string[] {
    const v = this.params[name];
    if (v === undefined || v === null) return [];
    const arr = Array.isArray(v) ? v : [v];
    return arr.flatMap((x) => String(x).split(',')).filter((s) => s.length > 0);
  }
  vars(): Record<string, string> | undefined {
    const v = this.params.variables;
    if (v === undefined) return undefined;
    const inner = typeof v === 'object' && v !== null && 'variables' in v ? (v as { variables: unknown }).variables : v;
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new AriError(400, 'variables: expected an object of strings');
    return Object.fromEntries(Object.entries(inner as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  }
}

export type Result = { status: number; body?: unknown; headers?: Record<string, string>; raw?: Buffer; contentType?: string } | Params | Params[] | undefined | void;
export type Handler = (r: Req) => Result | Promise<Result>;
export interface Route {
  method: string;
  pattern: string;
  re: RegExp;
  names: string[];
  handler: Handler;
}

export function compile(pattern: string): { re: RegExp; names: string[] } {
  const names: string[] = [];
  const re = pattern.replace(/\{(\w+)\}/g, (_m, n: string) => {
    names.push(n);
    return '([^/]+)';
  });
  return { re: new RegExp(`^${re}$`), names };
}


export function router(): { routes: Route[]; add(method: string, pattern: string, handler: Handler): void } {
  const routes: Route[] = [];
  return { routes, add: (method, pattern, handler) => routes.push({ method, pattern, ...compile(pattern), handler }) };
}
