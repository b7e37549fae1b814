// E.164 normalisation for numbers as people type them (local form, spaces, dashes,
// parentheses) and as spreadsheets damage them (3.00123E+9). Pure: no I/O, no clock.
// The `max` metadata validates number ranges, not only lengths, at ~5 µs per number.
import { getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { createFastPhone } from './phone-fast.ts';

export type PhoneRejection = 'empty' | 'spreadsheet-damage' | 'invalid-characters' | 'invalid-number';

export type NormalizedPhone = { ok: true; e164: string; country?: string } | { ok: false; reason: PhoneRejection; detail?: string };

// Excel turns long numbers into floats: "3.00123E+9", "3,00123E+09" (Spanish locale), "5.73E+11".
const SCIENTIFIC = /^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$/;
// Allowed visual separators around digits; letters (vanity numbers) and other junk are refused.
const ALLOWED = /^[+\d\s\-().\u00a0/]+$/;

// Compiled metadata patterns (pure and immutable once built): built on first use.
let fast: ReturnType<typeof createFastPhone> | undefined;

/** Normalises `raw` to E.164 using `defaultCountry` (ISO alpha-2) for numbers written locally. */
export function normalizeE164(raw: string, defaultCountry: string): NormalizedPhone {
  return normalizeWith(raw, defaultCountry, (fast ??= createFastPhone()));
}

/** The same without the fast path: libphonenumber-js decides every number (the reference the fast path is tested against). */
export function normalizeE164Reference(raw: string, defaultCountry: string): NormalizedPhone {
  return normalizeWith(raw, defaultCountry, undefined);
}

function normalizeWith(raw: string, defaultCountry: string, quick: ReturnType<typeof createFastPhone> | undefined): NormalizedPhone {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'empty' };
  if (SCIENTIFIC.test(text)) return { ok: false, reason: 'spreadsheet-damage', detail: `"${text}" looks like a number converted to scientific notation by a spreadsheet; its digits are lost` };
  // A trailing ".0" is another spreadsheet artefact (number stored as float); digits are intact.
  const cleaned = /^\+?\d+\.0$/.test(text) ? text.slice(0, -2) : text;
  if (!ALLOWED.test(cleaned)) return { ok: false, reason: 'invalid-characters', detail: `"${text}" contains characters that are not part of a phone number` };
  // "00" international prefix is common in Europe and Latin America.
  const intl = cleaned.replace(/^\s*00(?=[1-9])/, '+');
  const country = defaultCountry.toUpperCase();
  const f = quick?.(intl, country);
  if (f) return f.valid ? { ok: true, e164: f.e164, country: f.country } : invalidNumber(text, intl, defaultCountry);
  const parsed = parsePhoneNumberFromString(intl, country as CountryCode);
  if (!parsed || !parsed.isValid()) return invalidNumber(text, intl, defaultCountry);
  return parsed.country ? { ok: true, e164: parsed.number, country: parsed.country } : { ok: true, e164: parsed.number };
}

function invalidNumber(text: string, intl: string, defaultCountry: string): NormalizedPhone {
  return { ok: false, reason: 'invalid-number', detail: `"${text}" is not a valid number${intl.startsWith('+') ? '' : ` for country ${defaultCountry}`}` };
}

/** Country of an E.164 number (undefined for non-geographic numbers). */
export function countryOfE164(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

/** The national significant number of an E.164 number (what a PBX's local outbound route expects). */
export function nationalDigits(e164: string): string | undefined {
  return parsePhoneNumberFromString(e164)?.nationalNumber;
}

/** The international calling code of a country (`CO` → `57`). */
export function callingCodeOf(country: string): string {
  return getCountryCallingCode(country.toUpperCase() as CountryCode);
}
