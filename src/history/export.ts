// Report exports a manager opens in a spreadsheet: CSV (UTF-8 with BOM so Excel reads the
// accents; `;` and decimal comma in Spanish locales, where Excel expects them) and XLSX
// (exceljs; numbers stay numbers). Cells that a spreadsheet would run as a formula are
// neutralised in CSV; in XLSX every text cell is written as text, never a formula.
import ExcelJS from 'exceljs';

export interface Column<T> { key: string; header: string; value: (row: T) => string | number | null | undefined }
export interface Sheet<T = unknown> { name: string; columns: Column<T>[]; rows: T[] }

export const isSemicolonLocale = (locale: string | undefined) => !!locale && /^(es|fr|de|it|pt|nl)\b/i.test(locale);

function csvCell(v: string | number | null | undefined, semi: boolean): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return semi ? String(v).replace('.', ',') : String(v);
  let s = v;
  // A leading = + - @ (also after spaces), tab or CR makes Excel/LibreOffice evaluate the cell.
  if (/^[\s]*[=+\-@]/.test(s) || /^[\t\r]/.test(s)) s = `'${s}`;
  // Quoted whenever it holds either separator: the file may be opened with the other locale.
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T>(sheet: Sheet<T>, locale?: string): string {
  const semi = isSemicolonLocale(locale);
  const sep = semi ? ';' : ',';
  const lines = [sheet.columns.map((c) => csvCell(c.header, semi)).join(sep)];
  for (const r of sheet.rows) lines.push(sheet.columns.map((c) => csvCell(c.value(r), semi)).join(sep));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

export async function toXlsx(sheets: Sheet<never>[] | Sheet[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'centralita';
  for (const sh of sheets as Sheet[]) {
    const ws = wb.addWorksheet(sh.name.slice(0, 31));
    ws.columns = sh.columns.map((c) => ({ header: c.header, key: c.key, width: Math.max(10, c.header.length + 2) }));
    ws.getRow(1).font = { bold: true };
    for (const r of sh.rows) {
      // exceljs writes a JS string as a shared string (t="s"): never a formula, whatever it starts with.
      ws.addRow(Object.fromEntries(sh.columns.map((c) => [c.key, c.value(r) ?? null])));
    }
    ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
