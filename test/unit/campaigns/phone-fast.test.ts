// The fast path of normalizeE164 must decide exactly as libphonenumber-js does: same E.164, same
// country, same rejection and detail, for every input — including the ones it hands back.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { getCountries, getCountryCallingCode, getExampleNumber, type CountryCode } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { normalizeE164, normalizeE164Reference } from '../../../src/domain/phone.ts';
import { createFastPhone } from '../../../src/domain/phone-fast.ts';

// Campaign countries first; then countries with a shared calling code (+1, +7, +44, +47, +590…),
// national prefixes with carrier codes (CO, BR, AR), IDD prefixes of several forms, and no types.
const COUNTRIES = ['CO', 'MX', 'ES', 'AR', 'BR', 'CL', 'PE', 'EC', 'VE', 'US', 'CA', 'PR', 'DO', 'GB', 'GG', 'DE', 'FR', 'IT', 'RU', 'KZ', 'IN', 'CN', 'AU', 'NZ', 'JP', 'NO', 'SJ', 'GP', 'BL', 'FI', 'AX', 'UY', 'PA', 'CR', 'GT', 'BO', 'PY'];
const ALL = getCountries();
const SEPARATORS = ['', '', '', ' ', '-', '(', ')', '.', '/', '\u00a0', '\t', '  ', ' - ', '+', 'x', '#', ','];

const country = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...COUNTRIES) }, { weight: 1, arbitrary: fc.constantFrom(...ALL) });
const digits = (min: number, max: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(''));

/** A national significant number close to real ones: an example number with its tail changed, or random digits. */
const nsn = (c: string) => fc.oneof(
  fc.tuple(fc.constant(getExampleNumber(c as CountryCode, examples)?.nationalNumber ?? '3001234567'), digits(0, 6), fc.integer({ min: 0, max: 4 }), fc.integer({ min: -2, max: 2 }))
    .map(([ex, tail, keep, extra]) => {
      const cut = Math.max(1, ex.length - keep - tail.length);
      const s = ex.slice(0, cut) + tail;
      return extra >= 0 ? s + '5'.repeat(extra) : s.slice(0, Math.max(1, s.length + extra));
    }),
  digits(1, 16),
);

/** How people write it: local, with national prefix, +cc, 00cc, cc without +, another country's code. */
const written = country.chain((c) => fc.tuple(
  fc.constant(c),
  nsn(c),
  fc.constantFrom('', '', '+cc', '+cc', '00cc', 'cc', '0', '00', '+', '+0', '011', '8', '9', '+other', '0 cc'),
  fc.constantFrom(...ALL),
  fc.array(fc.tuple(fc.nat(20), fc.constantFrom(...SEPARATORS)), { maxLength: 5 }),
  fc.constantFrom('', '', ' ', '(', '.0', ' ext. 12', '-'),
).map(([c, n, prefix, other, seps, edge]) => {
  const cc = getCountryCallingCode(c as CountryCode);
  const head = prefix.replace('other', getCountryCallingCode(other)).replace('cc', cc);
  let s = head + n;
  for (const [at, sep] of seps) { const i = Math.min(at, s.length); s = s.slice(0, i) + sep + s.slice(i); }
  return { c, s: edge === '(' ? `(${s}` : edge === '.0' || edge === ' ext. 12' || edge === '-' ? s + edge : s };
}));

describe('normalizeE164 fast path', () => {
  it('takes the fast path for the shapes campaign files hold (so the comparison below is not vacuous)', () => {
    const fast = createFastPhone();
    for (const s of ['3001234567', '+57 300 123 4567', '(300) 123-4567', '601 555 1234', '+34 612 345 678', '+52 55 1234 5678'])
      expect(fast(s, 'CO'), s).toBeDefined();
    expect(fast('3001234567', 'CO')).toEqual({ e164: '+573001234567', country: 'CO', valid: true });
    expect(fast('3001234', 'CO')?.valid).toBe(false);
    // Handed to libphonenumber: shared calling codes, national prefix, IDD, cc without +, odd spaces.
    for (const [s, c] of [['+1 212 555 0100', 'CO'], ['212 555 0100', 'US'], ['03001234567', 'CO'], ['009 57 3001234567', 'CO'], ['573001234567', 'CO'], ['300\u00a0123 4567', 'CO'], ['+44 20 7946 0958', 'CO']] as const)
      expect(fast(s, c), s).toBeUndefined();
  });

  it('agrees with libphonenumber-js on every generated number (E.164, country, reason, detail)', () => {
    let fastTaken = 0;
    const fast = createFastPhone();
    fc.assert(fc.property(written, ({ c, s }) => {
      if (fast(s.trim(), c)) fastTaken++;
      expect(normalizeE164(s, c)).toEqual(normalizeE164Reference(s, c));
    }), { numRuns: 30_000 });
    expect(fastTaken).toBeGreaterThan(3000);
  });

  it('agrees on every country’s example numbers in local, +cc and separated forms', () => {
    for (const c of ALL) {
      const ex = getExampleNumber(c, examples);
      if (!ex) continue;
      const n = ex.nationalNumber;
      const cc = getCountryCallingCode(c);
      for (const s of [n, `+${cc}${n}`, `+${cc} ${n.slice(0, 3)} ${n.slice(3)}`, `(${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6)}`, `0${n}`, `00${cc}${n}`, `${cc}${n}`, n.slice(0, -1), `${n}1`]) {
        for (const dc of [c, 'CO', 'US']) expect(normalizeE164(s, dc), `${s} in ${dc}`).toEqual(normalizeE164Reference(s, dc));
      }
    }
  });
});
