// Which sound files Asterisk plays for the `digits:` and `number:` media a flow or the ACD
// uses (sayDigits/sayNumber, read-backs, queue positions and wait minutes). Asterisk builds
// them from `digits/<n>` files of the channel's language (main/say.c, Asterisk 22):
// ast_get_digit_str for digits, get_number_str_en / ast_say_number_full_es for numbers.
// Knowing the exact set lets `flows check` refuse a language that lacks one, instead of a
// caller hearing half a number. Pure.

/** Files for `digits:<str>`, in order (characters other than 0-9 * # - are skipped, as Asterisk does). */
export function sayDigitsFiles(str: string): string[] {
  const out: string[] = [];
  for (const ch of str) {
    if (ch >= '0' && ch <= '9') out.push(`digits/${ch}`);
    else if (ch === '*') out.push('digits/star');
    else if (ch === '#') out.push('digits/pound');
    else if (ch === '-') out.push('digits/minus');
  }
  return out;
}

function numberEn(num: number): string[] {
  if (num === 0) return ['digits/0'];
  const out: string[] = [];
  let n = num;
  if (n < 0) { out.push('digits/minus'); n = -n; }
  const big = (unit: number, word: string) => { out.push(...numberEn(Math.floor(n / unit)), word); n %= unit; };
  if (n >= 1_000_000_000) big(1_000_000_000, 'digits/billion');
  if (n >= 1_000_000) big(1_000_000, 'digits/million');
  if (n >= 1000) big(1000, 'digits/thousand');
  if (n >= 100) { out.push(`digits/${Math.floor(n / 100)}`, 'digits/hundred'); n %= 100; }
  if (n >= 20) { out.push(`digits/${Math.floor(n / 10) * 10}`); n %= 10; }
  if (n > 0) out.push(`digits/${n}`);
  return out;
}

function numberEs(num: number, gender?: 'M' | 'F'): string[] {
  if (num === 0) return ['digits/0'];
  const out: string[] = [];
  let n = num;
  if (n < 0) { out.push('digits/minus'); n = -n; }
  while (n > 0) {
    if (n === 1) { out.push(gender ? `digits/1${gender}` : 'digits/1'); n = 0; }
    else if (n < 31) { out.push(`digits/${n}`); n = 0; }
    else if (n < 100) { out.push(`digits/${Math.floor(n / 10) * 10}`); n %= 10; if (n) out.push('digits/and'); }
    else if (n === 100) { out.push('digits/100'); n = 0; }
    else if (n < 200) { out.push('digits/100-and'); n -= 100; }
    else if (n < 1000) { out.push(`digits/${Math.floor(n / 100) * 100}`); n %= 100; }
    else if (n < 2000) { out.push('digits/thousand'); n %= 1000; }
    else if (n < 1_000_000) { out.push(...numberEs(Math.floor(n / 1000), gender), 'digits/thousand'); n %= 1000; }
    else {
      const millions = Math.floor(n / 1_000_000);
      out.push(...(millions === 1 ? numberEs(1, 'M') : numberEs(millions, gender)), millions === 1 ? 'digits/million' : 'digits/millions');
      n %= 1_000_000;
    }
  }
  return out;
}

/**
 * Files for `number:<n>` in a language. Spanish follows Asterisk's Spanish rules; every
 * other language is checked with the English ones (Asterisk's default).
 */
export function sayNumberFiles(n: number, language: string): string[] {
  const v = Math.trunc(n);
  return language.toLowerCase().startsWith('es') ? numberEs(v) : numberEn(v);
}

const cache = new Map<string, string[]>();

/**
 * Every file `number:` may need in a language: the union over one number of each shape
 * (every value below 2000, then thousands, millions, billions and negatives).
 */
export function numberPrompts(language: string): string[] {
  const key = language.toLowerCase().startsWith('es') ? 'es' : 'en';
  let list = cache.get(key);
  if (!list) {
    const files = new Set<string>();
    for (const n of [-1, ...Array.from({ length: 2000 }, (_, i) => i), 2000, 21_000, 1_000_000, 2_000_000, 1_000_000_000]) for (const f of sayNumberFiles(n, key)) files.add(f);
    list = [...files].sort();
    cache.set(key, list);
  }
  return list;
}

/** Every file `digits:` may need (the flows read out 0-9, * and #). */
export const DIGIT_PROMPTS: readonly string[] = [...'0123456789'].map((d) => `digits/${d}`).concat(['digits/star', 'digits/pound']);
