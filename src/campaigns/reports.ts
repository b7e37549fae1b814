// CSV reports for spreadsheets: every report centralita writes (rejected rows, per-row results)
// goes through csvRow, so every cell is neutralised and quoted the same way. Excel opens a .csv
// with the list separator of the user's regional settings — `;` where the decimal separator is a
// comma (es-CO, es-ES, pt-BR, fr, de…), `,` elsewhere — and reads it as UTF-8 only with a BOM.
import { neutralizeCell } from '../domain/campaign-row.ts';
import type { CampaignSettings } from '../domain/campaign.ts';

export const BOM = '\uFEFF';

// Quoted whenever it holds any character some locale's spreadsheet splits or breaks on, not only
// this report's delimiter: a `;` left bare in a `,` report becomes a new (live) cell in a `;` locale.
const NEEDS_QUOTES = /[",;\t|\r\n]|^\s|\s$/;

export function csvRow(cells: readonly string[], delimiter: string): string {
  let out = '';
  for (let i = 0; i < cells.length; i++) {
    const c = neutralizeCell(cells[i]!);
    if (i) out += delimiter;
    out += NEEDS_QUOTES.test(c) ? `"${c.replaceAll('"', '""')}"` : c;
  }
  return out + '\r\n';
}

/** The report locale: the setting, else the most likely language of the country (CO → es-CO). */
export function reportLocale(settings: Pick<CampaignSettings, 'reports' | 'defaultCountry'>, defaultCountry: string): string {
  if (settings.reports.locale) return settings.reports.locale;
  const country = settings.defaultCountry ?? defaultCountry;
  try {
    const l = new Intl.Locale(`und-${country}`).maximize();
    return `${l.language}-${l.region ?? country}`;
  } catch {
    return 'en';
  }
}

/** True when the locale writes 1,5 for one and a half (its spreadsheets separate lists with `;`). */
export function decimalComma(locale: string): boolean {
  try {
    return new Intl.NumberFormat(locale).formatToParts(1.5).find((p) => p.type === 'decimal')?.value === ',';
  } catch {
    return false;
  }
}

/** Delimiter of the reports: the setting; else `;` for a decimal-comma locale; else the input's; else `,`. */
export function reportDelimiter(settings: Pick<CampaignSettings, 'reports' | 'defaultCountry'>, defaultCountry: string, inputDelimiter?: string): string {
  if (settings.reports.delimiter) return settings.reports.delimiter;
  if (decimalComma(reportLocale(settings, defaultCountry))) return ';';
  return inputDelimiter ?? ',';
}
