// Fast path of E.164 normalisation for the shapes campaign files are made of ("3001234567",
// "+57 300 123 4567", "(300) 123-4567"): the same decision libphonenumber-js takes, with its own
// metadata and its own patterns, compiled once per country instead of on every call (its
// matchesEntirely builds a RegExp per test; a 1,000,000-row file spent ~40 % of its CPU there).
//
// It answers only where libphonenumber's path is a straight line: plain separators, a calling
// code shared by no other country, no IDD prefix, no calling code without "+", no national
// prefix or carrier code to strip. Anything else returns undefined and the caller asks
// libphonenumber itself. test/unit/campaigns/phone-fast.test.ts checks both agree (fast-check).
import { Metadata } from 'libphonenumber-js/max';

/** The part of libphonenumber-js's Metadata class used here (public methods, untyped in its .d.ts). */
interface PlanView {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalPrefixForParsing(): string | undefined;
  nationalNumberPattern(): string;
  possibleLengths(): number[] | undefined;
  hasTypes(): boolean;
  type(t: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}
interface MetadataView {
  hasCountry(c: string): boolean;
  hasCallingCode(cc: string): boolean;
  getCountryCodesForCallingCode(cc: string): string[] | undefined;
  selectNumberingPlan(c: string): void;
  numberingPlan: PlanView;
}

// getNumberType's order: fixed line first (any match makes the number valid), then these.
const TYPES = ['FIXED_LINE', 'MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
const MAX_LENGTH_COUNTRY_CODE = 3;
const MIN_LENGTH_FOR_NSN = 2;
const MAX_LENGTH_FOR_NSN = 17;

interface Plan {
  country: string;
  callingCode: string;
  /** Only country on its calling code (else the country depends on the number: not fast). */
  single: boolean;
  idd?: RegExp;
  nationalPrefix?: RegExp;
  general: RegExp;
  /** Types with a pattern: [allowed lengths, pattern]. Empty = no types (general pattern decides). */
  types: [Set<number> | undefined, RegExp][];
  hasTypes: boolean;
}

export interface FastPhone {
  e164: string;
  country: string;
  valid: boolean;
}

export function createFastPhone(): (text: string, defaultCountry: string) => FastPhone | undefined {
  const meta = new (Metadata as unknown as new () => MetadataView)();
  const plans = new Map<string, Plan | null>();
  const byCode = new Map<string, Plan | null>();

  function plan(country: string): Plan | null {
    let p = plans.get(country);
    if (p !== undefined) return p;
    p = null;
    if (meta.hasCountry(country)) {
      meta.selectNumberingPlan(country);
      const np = meta.numberingPlan;
      const cc = np.callingCode();
      const idd = np.IDDPrefix();
      const npp = np.nationalPrefixForParsing();
      const types: Plan['types'] = [];
      if (np.hasTypes()) {
        for (const t of TYPES) {
          const d = np.type(t);
          const pat = d?.pattern();
          if (!d || !pat) continue;
          const lengths = d.possibleLengths();
          types.push([lengths ? new Set(lengths) : undefined, new RegExp(`^(?:${pat})$`)]);
        }
      }
      p = {
        country, callingCode: cc, single: meta.getCountryCodesForCallingCode(cc)?.length === 1,
        ...(idd ? { idd: new RegExp(`^(?:${idd})`) } : {}),
        ...(npp ? { nationalPrefix: new RegExp(`^(?:${npp})`) } : {}),
        general: new RegExp(`^(?:${np.nationalNumberPattern()})$`), types, hasTypes: np.hasTypes(),
      };
    }
    plans.set(country, p);
    return p;
  }

  function planForCode(cc: string): Plan | null {
    let p = byCode.get(cc);
    if (p !== undefined) return p;
    const list = meta.getCountryCodesForCallingCode(cc);
    p = list?.length === 1 ? plan(list[0]!) : null;
    byCode.set(cc, p);
    return p;
  }

  /** isValid() of libphonenumber: the general pattern and, when the plan has types, one type matching. */
  function valid(p: Plan, nsn: string): boolean {
    if (!p.general.test(nsn)) return false;
    if (!p.hasTypes) return true;
    for (const [lengths, re] of p.types) if ((!lengths || lengths.has(nsn.length)) && re.test(nsn)) return true;
    return false;
  }

  const SEPARATORS = /[ \-().+/]/g;
  return (text, defaultCountry) => {
    // Shape: an optional leading +, then digits and the separators people type. Anything else
    // (other spaces, letters, a + inside, extensions) goes to libphonenumber.
    if (text.length > 40) return undefined;
    const plus = text.charCodeAt(0) === 0x2b;
    let separators = 0;
    for (let i = plus ? 1 : 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x30 && c <= 0x39) continue;
      if (c !== 0x20 && c !== 0x2d && c !== 0x28 && c !== 0x29 && c !== 0x2e && c !== 0x2f) return undefined;
      separators++;
    }
    // One string for the digits (not one per digit appended): this runs once per campaign row.
    const digits = separators === 0 ? (plus ? text.slice(1) : text) : text.replace(SEPARATORS, '');
    if (digits.length < 3) return undefined;
    let p: Plan | null;
    let nsn: string;
    if (plus) {
      if (digits[0] === '0') return undefined;
      let cc = '';
      for (let i = 1; i <= MAX_LENGTH_COUNTRY_CODE && i <= digits.length; i++) {
        if (meta.hasCallingCode(digits.slice(0, i))) { cc = digits.slice(0, i); break; }
      }
      if (!cc) return undefined;
      p = planForCode(cc);
      nsn = digits.slice(cc.length);
    } else {
      p = plan(defaultCountry);
      // A number starting with the IDD prefix or the calling code may be international: not fast.
      if (!p || (p.idd && p.idd.test(digits)) || digits.startsWith(p.callingCode)) return undefined;
      nsn = digits;
    }
    if (!p || !p.single) return undefined;
    if (p.nationalPrefix && p.nationalPrefix.test(nsn)) return undefined; // national prefix / carrier code
    if (nsn.length < MIN_LENGTH_FOR_NSN || nsn.length > MAX_LENGTH_FOR_NSN) return undefined;
    return { e164: `+${p.callingCode}${nsn}`, country: p.country, valid: valid(p, nsn) };
  };
}
