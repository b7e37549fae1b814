// One campaign CSV row: header aliases, validation and the reason a row is refused.
// Pure: the caller streams the file and does dedupe / do-not-call lookups.
import { normalizeE164, type PhoneRejection } from './phone.ts';
import { isValidZone } from './campaign.ts';

export type RowRejection =
  | PhoneRejection | 'duplicate' | 'do-not-call' | 'invalid-timezone' | 'malformed-row' | 'empty-row'
  | 'row-too-large' | 'too-many-columns' | 'too-many-variables' | 'cell-too-large' | 'invalid-priority';

/** Limits of one row: every variable becomes a channel variable of the call, so both are bounded. */
export const ROW_LIMITS = {
  /** Variables (columns other than phone, name, contact id, time zone) one row may carry. */
  maxVariables: 64,
  /** Characters of any one cell. */
  maxCellChars: 1024,
};

export interface CampaignRow {
  rowId: string;
  rowNumber: number; // 1-based record number, the row a spreadsheet shows (header = row 1 → first data row = 2)
  phone: string; // E.164
  country?: string;
  name?: string;
  contactId?: string;
  timezone?: string;
  /** 0–9 from the optional `priority` column: higher is dialled first among due rows (default 0). */
  priority?: number;
  variables: Record<string, string>;
}

export interface HeaderMapping {
  phone: number;
  name?: number;
  contactId?: number;
  timezone?: number;
  priority?: number;
  /** Every other column: index and the variable name the flow sees. */
  variables: { index: number; name: string }[];
  headers: string[];
}

const ALIASES: Record<'phone' | 'name' | 'contactId' | 'timezone' | 'priority', string[]> = {
  phone: ['phone', 'telefono', 'tel', 'celular', 'cel', 'movil', 'mobile', 'cell', 'cellphone', 'numero', 'number', 'phone_number', 'phonenumber', 'telephone', 'numero_telefono', 'numero_de_telefono', 'telefono_movil', 'whatsapp'],
  name: ['name', 'nombre', 'full_name', 'nombre_completo', 'fullname', 'cliente'],
  contactId: ['hubspot_contact_id', 'hubspot_id', 'contact_id', 'hs_object_id', 'id_contacto_hubspot'],
  timezone: ['timezone', 'time_zone', 'tz', 'zona_horaria', 'huso_horario'],
  priority: ['priority', 'prioridad'],
};

/** Lower-case, accents removed, separators as `_`: "Teléfono Móvil" → "telefono_movil". */
export function normalizeHeader(h: string): string {
  return h.replace(/^\uFEFF/, '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase().replace(/[\s\-./]+/g, '_').replace(/[^a-z0-9_]/g, '');
}

export class CampaignFileError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function mapHeader(headers: string[]): HeaderMapping {
  const norm = headers.map(normalizeHeader);
  const find = (key: keyof typeof ALIASES) => {
    for (const alias of ALIASES[key]) {
      const i = norm.indexOf(alias);
      if (i >= 0) return i;
    }
    return undefined;
  };
  if (headers.length > 1000) throw new CampaignFileError('CAMPAIGN_TOO_MANY_COLUMNS', `the header has ${headers.length} columns; at most 1000`);
  const phone = find('phone');
  if (phone === undefined)
    throw new CampaignFileError('CAMPAIGN_NO_PHONE_COLUMN', `no phone column in header [${headers.join(', ')}]; expected one of: ${ALIASES.phone.join(', ')}`);
  const name = find('name');
  const contactId = find('contactId');
  const timezone = find('timezone');
  const priority = find('priority');
  const used = new Set([phone, name, contactId, timezone, priority].filter((x): x is number => x !== undefined));
  const variables: HeaderMapping['variables'] = [];
  const seen = new Set<string>();
  norm.forEach((n, index) => {
    if (used.has(index)) return;
    let v = n || `column_${index + 1}`;
    while (seen.has(v)) v = `${v}_${index + 1}`;
    seen.add(v);
    variables.push({ index, name: v });
  });
  const named = variables.filter((v) => headers[v.index]!.trim() !== '').length;
  if (named > ROW_LIMITS.maxVariables)
    throw new CampaignFileError('CAMPAIGN_TOO_MANY_COLUMNS', `the header has ${named} variable columns (besides phone, name, contact id and time zone); at most ${ROW_LIMITS.maxVariables}: each one becomes a channel variable of every call. Remove the columns the campaign flow does not use`);
  return { phone, name, contactId, timezone, ...(priority !== undefined ? { priority } : {}), variables, headers };
}

// Per-row helpers at module level: checkRow runs once per campaign row (no closure per call).
function allBlank(cells: string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i]!.trim() !== '') return false;
  return true;
}
function cellAt(cells: string[], i: number | undefined): string | undefined {
  return i === undefined ? undefined : cells[i]?.trim() || undefined;
}

export type RowCheck = { ok: true; row: CampaignRow } | { ok: false; reason: RowRejection; detail?: string };

/** Validates one data row (number, zone). Duplicates and do-not-call are decided by the caller. */
export function checkRow(cells: string[], rowNumber: number, rowId: string, m: HeaderMapping, defaultCountry: string, columns = cells.length): RowCheck {
  if (allBlank(cells) && columns <= cells.length) return { ok: false, reason: 'empty-row', detail: cells.length <= 1 ? 'blank line' : 'every cell is empty' };
  if (columns > m.headers.length) {
    const extra = columns > cells.length || cells.slice(m.headers.length).some((c) => c.trim() !== '');
    if (extra) return { ok: false, reason: 'too-many-columns', detail: `${columns} cells, but the header has ${m.headers.length} columns (an unquoted delimiter inside a value?)` };
  }
  for (let i = 0; i < cells.length; i++) {
    const len = cells[i]!.length;
    if (len > ROW_LIMITS.maxCellChars) return { ok: false, reason: 'cell-too-large', detail: `column ${JSON.stringify(m.headers[i] ?? `#${i + 1}`)} has ${len} characters; at most ${ROW_LIMITS.maxCellChars}` };
  }
  const raw = cells[m.phone] ?? '';
  const p = normalizeE164(raw, defaultCountry);
  if (!p.ok) return { ok: false, reason: p.reason, detail: p.detail };
  const timezone = cellAt(cells, m.timezone);
  if (timezone !== undefined && !isValidZone(timezone)) return { ok: false, reason: 'invalid-timezone', detail: `"${timezone}" is not an IANA time zone (e.g. America/Bogota)` };
  const prio = cellAt(cells, m.priority);
  if (prio !== undefined && !/^[0-9]$/.test(prio)) return { ok: false, reason: 'invalid-priority', detail: `priority "${prio}" is not a whole number from 0 (lowest) to 9 (highest)` };
  const variables: Record<string, string> = {};
  let nvars = 0;
  for (const v of m.variables) {
    const c = cells[v.index];
    if (c !== undefined && c !== '') { variables[v.name] = c; nvars++; }
  }
  if (nvars > ROW_LIMITS.maxVariables) return { ok: false, reason: 'too-many-variables', detail: `${nvars} variables; at most ${ROW_LIMITS.maxVariables}` };
  const row: CampaignRow = { rowId, rowNumber, phone: p.e164, variables };
  if (p.country) row.country = p.country;
  const name = cellAt(cells, m.name);
  if (name) row.name = name;
  const contactId = cellAt(cells, m.contactId);
  if (contactId) row.contactId = contactId;
  if (timezone) row.timezone = timezone;
  if (prio !== undefined && prio !== '0') row.priority = Number(prio);
  return { ok: true, row };
}

const zoneCache = new Map<string, string[]>();
/** The IANA zones of a country from the runtime's ICU data (Intl.Locale#getTimeZones), cached. Empty when unknown. */
export function zonesForCountry(country: string): string[] {
  let z = zoneCache.get(country);
  if (!z) {
    try {
      // Not in TypeScript's ES2024 lib yet; V8 ships it (older engines had a `timeZones` getter).
      const loc = new Intl.Locale(`und-${country}`) as Intl.Locale & { getTimeZones?: () => string[]; timeZones?: string[] };
      z = (loc.getTimeZones?.() ?? loc.timeZones ?? []).filter(isValidZone);
    } catch {
      z = [];
    }
    zoneCache.set(country, z);
  }
  return z;
}

/** Zones whose local time decides the calling window for a row. */
export function zonesForRow(row: Pick<CampaignRow, 'timezone' | 'country'>, fallbackZone: string): string[] {
  if (row.timezone) return [row.timezone];
  const z = row.country ? zonesForCountry(row.country) : [];
  return z.length ? z : [fallbackZone];
}

// Spreadsheet formula injection (OWASP "CSV injection"): a cell a spreadsheet would evaluate —
// starting with = + - @, tab or CR, also after leading spaces (Excel and LibreOffice skip them),
// or with their full-width forms — is prefixed with ' so it is shown as text. The writer must
// also quote every cell holding any delimiter (reports.ts): a cell is only safe if it stays one cell.
const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/;
export function neutralizeCell(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}
