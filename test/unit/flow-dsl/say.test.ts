// The digit and number files Asterisk 22 plays (main/say.c), which `flows check` requires.
import { describe, expect, it } from 'vitest';
import { DIGIT_PROMPTS, numberPrompts, sayDigitsFiles, sayNumberFiles } from '../../../src/flow-dsl/say.ts';

describe('Asterisk read-outs', () => {
  it('reads digits file by file, skipping what it has no file for', () => {
    expect(sayDigitsFiles('12*#a-')).toEqual(['digits/1', 'digits/2', 'digits/star', 'digits/pound', 'digits/minus']);
    expect(DIGIT_PROMPTS).toHaveLength(12);
  });

  it.each([
    [0, ['digits/0'], ['digits/0']],
    [21, ['digits/21'], ['digits/20', 'digits/1']],
    [45, ['digits/40', 'digits/and', 'digits/5'], ['digits/40', 'digits/5']],
    [100, ['digits/100'], ['digits/1', 'digits/hundred']],
    [150, ['digits/100-and', 'digits/50'], ['digits/1', 'digits/hundred', 'digits/50']],
    [1500, ['digits/thousand', 'digits/500'], ['digits/1', 'digits/thousand', 'digits/5', 'digits/hundred']],
    [2021, ['digits/2', 'digits/thousand', 'digits/21'], ['digits/2', 'digits/thousand', 'digits/20', 'digits/1']],
    [1_000_000, ['digits/1M', 'digits/million'], ['digits/1', 'digits/million']],
    [2_500_000, ['digits/2', 'digits/millions', 'digits/500', 'digits/thousand'], ['digits/2', 'digits/million', 'digits/5', 'digits/hundred', 'digits/thousand']],
    [-7, ['digits/minus', 'digits/7'], ['digits/minus', 'digits/7']],
  ])('number %d in Spanish and English', (n, es, en) => {
    expect(sayNumberFiles(n, 'es')).toEqual(es);
    expect(sayNumberFiles(n, 'en')).toEqual(en);
  });

  it('knows the whole set of number files per language', () => {
    expect(numberPrompts('es')).toHaveLength(53);
    expect(numberPrompts('en')).toHaveLength(33);
    expect(numberPrompts('es')).not.toContain('digits/hundred');
    expect(numberPrompts('en')).not.toContain('digits/21');
    for (const n of [7, 99, 123, 4567, 89_012, 3_456_789]) for (const lang of ['es', 'en']) {
      for (const f of sayNumberFiles(n, lang)) expect(numberPrompts(lang)).toContain(f);
    }
  });
});
