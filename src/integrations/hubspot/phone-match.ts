// How a number is searched in HubSpot and how a returned contact is confirmed. HubSpot keeps
// calculated phone properties for this purpose: hs_searchable_calculated_phone_number and
// hs_searchable_calculated_mobile_number hold the digits WITHOUT country code (so they match
// "+57 300 123 4567", "(300) 123-4567" and "3001234567" alike), hs_calculated_phone_number holds
// E.164. Because the searchable ones drop the country code, a hit is confirmed against E.164
// before it counts (a Colombian 300… and another country's 300… are different people).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { normalizeE164 } from '../../domain/phone.ts';

export const SEARCHABLE_PHONE = 'hs_searchable_calculated_phone_number';
export const SEARCHABLE_MOBILE = 'hs_searchable_calculated_mobile_number';
export const CALCULATED_PHONE = 'hs_calculated_phone_number';
export const CALCULATED_MOBILE = 'hs_calculated_mobile_number';

/**
 * Properties requested with contact searches. Every name costs search-body characters (HubSpot
 * refuses bodies over 3,000), so only what is used is asked for: E.164 values to confirm a hit
 * (raw values too for the raw-spelling fallback, whose hits may have no calculated value), the
 * name for the body, the dates the match rule compares, the owner when the owner rule uses it.
 */
export function contactSearchProperties(o: { matchRule?: 'most-recently-active' | 'oldest' | 'newest'; contactOwner?: boolean; raw?: boolean } = {}): string[] {
  return [
    CALCULATED_PHONE, CALCULATED_MOBILE, ...(o.raw ? ['phone', 'mobilephone'] : []), 'firstname', 'lastname',
    ...((o.matchRule ?? 'most-recently-active') === 'most-recently-active' ? ['notes_last_contacted', 'hs_last_sales_activity_timestamp', 'lastmodifieddate'] : ['createdate']),
    ...(o.contactOwner === false ? [] : ['hubspot_owner_id']),
  ];
}

// Parsing with full metadata is the costliest step per record and the same numbers recur in
// every batch (record, search result, body), so results are memoised in a bounded map.
function memo<R>(limit: number, fn: (key: string) => R): (key: string) => R {
  const cache = new Map<string, R>();
  return (key) => {
    if (cache.has(key)) return cache.get(key)!;
    const r = fn(key);
    if (cache.size >= limit) cache.delete(cache.keys().next().value!);
    cache.set(key, r);
    return r;
  };
}

/** Digits of the national significant number: what the searchable calculated properties hold. */
export const nationalDigits = memo(20_000, (e164: string): string | undefined => {
  const p = parsePhoneNumberFromString(e164);
  return p ? p.nationalNumber : undefined;
});

/** Raw spellings people commonly store in phone/mobilephone, for the fallback search. */
export function rawVariants(e164: string): string[] {
  const p = parsePhoneNumberFromString(e164);
  if (!p) return [e164];
  const nat = p.nationalNumber;
  const out = new Set<string>([e164, e164.slice(1), nat, p.formatInternational(), p.formatNational()]);
  if (p.country === 'US' || p.country === 'CA') out.add(`(${nat.slice(0, 3)}) ${nat.slice(3, 6)}-${nat.slice(6)}`);
  return [...out];
}

const storedMemo = memo(50_000, (key: string) => {
  const i = key.indexOf('|');
  return parseStored(key.slice(i + 1), key.slice(0, i));
});

/** E.164 of a stored value, ignoring extensions ("+1 (415) 555-0100 ext. 12" → "+14155550100"). */
export function storedToE164(raw: string | null | undefined, defaultCountry: string): string | undefined {
  return raw ? storedMemo(`${defaultCountry}|${raw}`) : undefined;
}

function parseStored(raw: string, defaultCountry: string): string | undefined {
  const withoutExt = raw.replace(/\s*(?:ext\.?|extension|x|#)\s*\d+\s*$/i, '');
  const n = normalizeE164(withoutExt, defaultCountry);
  if (n.ok) return n.e164;
  // Stored values sometimes carry words ("casa", "móvil"); keep digits and a leading plus.
  const digits = withoutExt.replace(/[^\d+]/g, '');
  const p = parsePhoneNumberFromString(digits, defaultCountry as CountryCode);
  return p?.isValid() ? p.number : undefined;
}

/** The E.164 numbers a contact record has, from the calculated properties or its raw values. */
export function contactNumbers(props: Record<string, string | null | undefined>, defaultCountry: string): string[] {
  const out = new Set<string>();
  for (const key of [CALCULATED_PHONE, CALCULATED_MOBILE, 'phone', 'mobilephone']) {
    const e = storedToE164(props[key], defaultCountry);
    if (e) out.add(e);
  }
  return [...out];
}

/** A number as people read it ("+57 300 1234567"); what was received when it is not a number. */
export function prettyNumber(e164OrRaw: string): string {
  const p = parsePhoneNumberFromString(e164OrRaw);
  return p ? p.formatInternational() : e164OrRaw;
}
