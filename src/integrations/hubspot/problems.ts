// Reading HubSpot's 400 answers: which property (and value) it refused, and whether the refusal
// is about the portal's set-up (the same for every record) or about some records' values.
// Batch writes embed the problems as JSON in the message ("Property values were not valid:
// [{"isValid":false,"message":…,"error":"PROPERTY_DOESNT_EXIST","name":…}]"); searches and other
// errors carry `errors[]` with a `code` and `context.propertyName`. Pure.
import { CrmConfigError } from './port.ts';

export interface PropertyProblem { name: string; error: string; message: string }

export function propertyProblems(body: unknown): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  if (!body || typeof body !== 'object') return out;
  const b = body as { message?: unknown; errors?: unknown };
  if (typeof b.message === 'string') {
    const i = b.message.indexOf('[');
    if (i >= 0 && /not valid/i.test(b.message.slice(0, i))) {
      try {
        for (const p of JSON.parse(b.message.slice(i)) as { name?: unknown; error?: unknown; message?: unknown }[]) {
          if (typeof p.name === 'string') out.push({ name: p.name, error: String(p.error ?? ''), message: String(p.message ?? '') });
        }
      } catch { /* not the embedded list */ }
    }
  }
  if (Array.isArray(b.errors)) {
    for (const e of b.errors as { code?: unknown; message?: unknown; context?: { propertyName?: unknown } }[]) {
      const names = Array.isArray(e.context?.propertyName) ? (e.context.propertyName as unknown[]).map(String) : [];
      for (const name of names) out.push({ name, error: String(e.code ?? ''), message: String(e.message ?? '') });
    }
  }
  return out;
}

/** Problems no record can avoid by itself: a property the portal lacks or will not let us write. */
const SETUP_ERRORS = new Set(['PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);

/**
 * A refusal caused by the portal's set-up, when `writtenByAll` (the properties every input of
 * the request carries) includes the refused property: splitting the batch would only repeat it.
 */
export function setupError(status: number, body: unknown, writtenByAll: Set<string>, recordIdProperty: string): CrmConfigError | undefined {
  const p = propertyProblems(body).find((x) => SETUP_ERRORS.has(x.error) && writtenByAll.has(x.name));
  if (!p) return undefined;
  const what = p.name === recordIdProperty
    ? `HubSpot has no calls property "${p.name}" (centralita's record-id marker, needed to log each call once)`
    : `HubSpot refuses the calls property "${p.name}" on every call (${p.error}: ${p.message})`;
  return new CrmConfigError(`${what}. Run \`centralita hubspot setup\` (docs/hubspot.md); logging is paused until it is fixed, no record is lost.`, status, body, p.name);
}

/**
 * The records whose value HubSpot refused, when the answer names the property and its message
 * starts with one of the values sent (e.g. "999 is not a valid owner id", "X was not one of the
 * allowed options"); undefined when the answer does not say which records are at fault.
 */
export function refusedValue(body: unknown, values: (name: string) => string[]): { name: string; value: string; problem: PropertyProblem } | undefined {
  for (const p of propertyProblems(body)) {
    const candidates = [...new Set(values(p.name))].filter((v) => v !== '' && p.message.startsWith(v)).sort((a, b) => b.length - a.length);
    if (candidates[0] !== undefined) return { name: p.name, value: candidates[0], problem: p };
  }
  return undefined;
}
