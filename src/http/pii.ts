// Personal data on the live stream and /api/calls: caller numbers and the digits callers typed
// are shown in full only to roles that may see them (SEES_PHONE_NUMBERS); everyone else gets
// them masked. Digits of a `sensitive: true` gather never get this far (they are never recorded).
import { hasAnyRole, SEES_PHONE_NUMBERS, type Identity } from '../auth/roles.ts';

const PHONE_KEYS = new Set(['from', 'to', 'phone', 'callerId', 'caller', 'number', 'numbers', 'e164', 'connected', 'dialed']);
const DIGIT_KEYS = new Set(['digits']);
/** Free-form data that may carry anything a CSV row or lookup put there. */
const DROP_KEYS = new Set(['variables', 'vars']);

export function seesPii(who: Identity | undefined): boolean {
  return who !== undefined && hasAnyRole(who, SEES_PHONE_NUMBERS);
}

/** `+573001234567` → `•••••••••4567`; short values are masked whole. */
export function maskNumber(v: string): string {
  const digits = v.replace(/\D/g, '');
  if (digits.length <= 4) return '•'.repeat(v.length);
  return v.replace(/\d(?=(?:\D*\d){4})/g, '•');
}

/** A deep copy of `payload` with numbers masked and free-form variables removed. */
export function maskPii<T>(payload: T): T {
  return walk(payload, undefined, 0) as T;
}

function walk(v: unknown, key: string | undefined, depth: number): unknown {
  if (depth > 8) return v;
  if (typeof v === 'string') {
    if (key && DIGIT_KEYS.has(key)) return '•'.repeat(v.length);
    if (key && PHONE_KEYS.has(key)) return maskNumber(v);
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => walk(x, key, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!DROP_KEYS.has(k)) out[k] = walk(x, k, depth + 1);
    return out;
  }
  return v;
}
