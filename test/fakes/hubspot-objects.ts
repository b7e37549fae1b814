// Objects, property-value validation and batch writes of the fake HubSpot. Batch create and
// update validate every input first and refuse the whole batch (400 VALIDATION_ERROR) when one
// is invalid, with HubSpot's message shape ("Property values were not valid: [{…}]"); a 207
// (some inputs refused, the rest applied) happens on demand, as the spec allows.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { MAX_TEXT_PROPERTY_CHARS } from '../../src/integrations/hubspot/api-facts.ts';
import type { FakeProperty } from './hubspot-properties.ts';
import { SearchIndex, type SearchObject } from './hubspot-search.ts';

export type FakeObject = SearchObject;

export class HttpError extends Error {
  readonly status: number;
  readonly body: Record<string, unknown>;
  constructor(status: number, category: string, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.body = { status: 'error', message, correlationId: crypto.randomUUID(), category, ...extra };
  }
}

/** One invalid value, in the shape HubSpot embeds in "Property values were not valid: […]". */
export interface PropertyProblem { isValid: false; message: string; error: string; name: string }

export const validationError = (problems: PropertyProblem[]) =>
  new HttpError(400, 'VALIDATION_ERROR', `Property values were not valid: ${JSON.stringify(problems.map((p) => ({ ...p, localizedErrorMessage: p.message })))}`);

export class ObjectStore {
  readonly all = new Map<string, FakeObject>();
  readonly index = new SearchIndex();
  readonly props: Map<string, FakeProperty>;
  constructor(props: FakeProperty[]) { this.props = new Map(props.map((p) => [p.name, p])); }
  put(o: FakeObject) { this.all.set(o.id, o); this.index.add(o); }
  update(o: FakeObject, changes: Record<string, string>, now: number) {
    this.index.remove(o);
    Object.assign(o.properties, changes);
    o.updatedAt = now;
    this.index.add(o);
  }
}

/** Problems with one input's property values (unknown, read-only, wrong type, not an option, too long). */
export function checkValues(store: ObjectStore, values: Record<string, unknown>, ctx: { owners?: { has(v: string): boolean } }): PropertyProblem[] {
  const out: PropertyProblem[] = [];
  const bad = (name: string, error: string, message: string) => out.push({ isValid: false, name, error, message });
  for (const [name, raw] of Object.entries(values)) {
    const p = store.props.get(name);
    if (!p) { bad(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`); continue; }
    if (p.readOnly || p.calculated) { bad(name, 'READ_ONLY_VALUE', `"${name}" is a read only property; its value cannot be set.`); continue; }
    if (raw === null || raw === '') continue; // empty clears a value
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') { bad(name, 'INVALID_TYPE', `${name} must be a string`); continue; }
    const v = String(raw);
    switch (p.type) {
      case 'number': if (!/^-?\d+(\.\d+)?$/.test(v)) bad(name, 'INVALID_INTEGER', `${v} is not a valid number`); break;
      case 'datetime':
      case 'date': if (!/^\d+$/.test(v) && Number.isNaN(Date.parse(v))) bad(name, 'INVALID_DATE', `${v} is not a valid date`); break;
      case 'bool': if (v !== 'true' && v !== 'false') bad(name, 'INVALID_BOOLEAN', `${v} is not a valid boolean (true or false)`); break;
      case 'enumeration':
        if (name === 'hubspot_owner_id') { if (ctx.owners ? !ctx.owners.has(v) : !/^\d+$/.test(v)) bad(name, 'INVALID_OWNER_ID', `${v} is not a valid owner id`); }
        else if (p.options.length && !p.options.some((o) => o.value === v)) bad(name, 'INVALID_OPTION', `${v} was not one of the allowed options: [${p.options.map((o) => o.value).join(', ')}]`);
        break;
      default:
        if (v.length > MAX_TEXT_PROPERTY_CHARS) bad(name, 'INVALID_LENGTH', `${name} is ${v.length} characters long; text values are limited to ${MAX_TEXT_PROPERTY_CHARS}`);
        // The calls guide: recordings are played back from HTTPS URLs only.
        if (name === 'hs_call_recording_url' && !/^https:\/\//.test(v)) bad(name, 'INVALID_URL', 'hs_call_recording_url must be a secure (https) URL');
    }
  }
  return out;
}

/** Calculated phone properties as HubSpot derives them from phone/mobilephone (portal country for numbers without +CC). */
export function calculatePhones(p: Record<string, string>, country: string): void {
  for (const [raw, calc, searchable] of [['phone', 'hs_calculated_phone_number', 'hs_searchable_calculated_phone_number'], ['mobilephone', 'hs_calculated_mobile_number', 'hs_searchable_calculated_mobile_number']] as const) {
    delete p[calc];
    delete p[searchable];
    const v = p[raw];
    if (!v) continue;
    const parsed = parsePhoneNumberFromString(v, country as CountryCode);
    if (!parsed || !parsed.isPossible()) continue; // HubSpot leaves them empty when it cannot parse
    p[calc] = parsed.number;
    p[searchable] = parsed.nationalNumber;
    if (raw === 'phone') p.hs_calculated_phone_number_country_code = parsed.country ?? '';
  }
}

/** The standard error of one refused batch input (spec: StandardError). */
export function standardError(message: string, category: string, context: Record<string, string[]>, status = '400') {
  return { status, category, message, context, errors: [{ message, context }], links: {} };
}
