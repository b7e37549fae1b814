import { describe, it, expect } from 'vitest';
import { normalizeE164 } from '../../../src/domain/phone.ts';
import { checkRow, mapHeader, neutralizeCell, normalizeHeader, zonesForRow } from '../../../src/domain/campaign-row.ts';

describe('normalizeE164', () => {
  it.each([
    ['300 123 4567', '+573001234567'],
    ['(601) 555-1234', '+576015551234'],
    ['+57 300-123-4567', '+573001234567'],
    ['0057 315 555 0000', '+573155550000'],
    ['3001234567.0', '+573001234567'],
    ['+1 (212) 555-0100', '+12125550100'],
  ])('normalises %s', (raw, e164) => {
    expect(normalizeE164(raw, 'CO')).toMatchObject({ ok: true, e164 });
  });
  it.each([
    ['', 'empty'],
    ['3.00123E+9', 'spreadsheet-damage'],
    ['3,00123E+09', 'spreadsheet-damage'],
    ['1-800-FLOWERS', 'invalid-characters'],
    ['12345', 'invalid-number'],
    ['+99 123', 'invalid-number'],
  ])('rejects %s as %s', (raw, reason) => {
    const r = normalizeE164(raw, 'CO');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe(reason);
  });
  it('uses the default country for local numbers', () => {
    expect(normalizeE164('612 345 678', 'ES')).toMatchObject({ ok: true, e164: '+34612345678', country: 'ES' });
  });
});

describe('campaign rows', () => {
  it('maps Spanish header aliases with accents and keeps the rest as variables', () => {
    const m = mapHeader(['\uFEFFTeléfono', 'Nombre', 'HubSpot Contact ID', 'Zona Horaria', 'Ciudad', 'Deuda total']);
    expect(m).toMatchObject({ phone: 0, name: 1, contactId: 2, timezone: 3 });
    expect(m.variables.map((v) => v.name)).toEqual(['ciudad', 'deuda_total']);
    expect(normalizeHeader('Celular ')).toBe('celular');
  });
  it('refuses a file without a phone column with a stable code', () => {
    expect(() => mapHeader(['name', 'city'])).toThrow(expect.objectContaining({ code: 'CAMPAIGN_NO_PHONE_COLUMN' }));
  });
  it('validates a row and refuses a bad time zone', () => {
    const m = mapHeader(['mobile', 'name', 'timezone', 'plan']);
    const ok = checkRow(['300 123 4567', ' Ana ', 'America/Bogota', 'gold'], 2, 'f-2', m, 'CO');
    expect(ok).toEqual({ ok: true, row: { rowId: 'f-2', rowNumber: 2, phone: '+573001234567', country: 'CO', name: 'Ana', timezone: 'America/Bogota', variables: { plan: 'gold' } } });
    expect(checkRow(['3001234567', 'x', 'Mars/Olympus', ''], 3, 'f-3', m, 'CO')).toMatchObject({ ok: false, reason: 'invalid-timezone' });
    expect(checkRow(['', '', '', ''], 4, 'f-4', m, 'CO')).toMatchObject({ ok: false, reason: 'empty-row' });
    expect(checkRow([''], 5, 'f-5', m, 'CO')).toMatchObject({ ok: false, reason: 'empty-row', detail: 'blank line' });
  });
  it('column and cell limits are reasons: extra cells, huge cells, too many variables', () => {
    const m = mapHeader(['phone', 'name']);
    // Trailing empty cells (Excel's ;;;) are harmless; data beyond the header is not silently dropped.
    expect(checkRow(['3001234567', 'Ana', '', ''], 2, 'f-2', m, 'CO')).toMatchObject({ ok: true });
    expect(checkRow(['3001234567', 'Pérez', ' José'], 2, 'f-2', m, 'CO')).toMatchObject({ ok: false, reason: 'too-many-columns' });
    expect(checkRow(['3001234567', 'Ana'], 2, 'f-2', m, 'CO', 30_000)).toMatchObject({ ok: false, reason: 'too-many-columns' });
    expect(checkRow(['3001234567', 'x'.repeat(70_000)], 2, 'f-2', m, 'CO')).toMatchObject({ ok: false, reason: 'cell-too-large', detail: expect.stringContaining('"name" has 70000 characters') });
    const wide = mapHeader(['phone', ...Array.from({ length: 70 }, () => '')]);
    expect(checkRow(['3001234567', ...Array.from({ length: 70 }, () => 'v')], 2, 'f-2', wide, 'CO')).toMatchObject({ ok: false, reason: 'too-many-variables' });
    expect(() => mapHeader(['phone', ...Array.from({ length: 65 }, (_, i) => `c${i}`)])).toThrow(expect.objectContaining({ code: 'CAMPAIGN_TOO_MANY_COLUMNS' }));
    expect(() => mapHeader(['phone', ...Array.from({ length: 30_000 }, (_, i) => `c${i}`)])).toThrow(expect.objectContaining({ code: 'CAMPAIGN_TOO_MANY_COLUMNS' }));
  });
  it('finds zones from the row, else the country (all zones of a multi-zone country)', () => {
    expect(zonesForRow({ country: 'CO' }, 'UTC')).toEqual(['America/Bogota']);
    expect(zonesForRow({ country: 'US' }, 'UTC')).toContain('America/Los_Angeles');
    expect(zonesForRow({ timezone: 'Europe/Madrid', country: 'CO' }, 'UTC')).toEqual(['Europe/Madrid']);
    expect(zonesForRow({}, 'America/Lima')).toEqual(['America/Lima']);
  });
  it('neutralises formula cells, also after leading blanks and in full-width form', () => {
    expect(['=1+1', '+57300', '-2', '@SUM(A1)', 'ok', ' =cmd|x', '\t=1', '\u00a0+1', '\uff1dSUM(A1)', '\tx', 'a=b'].map(neutralizeCell))
      .toEqual(["'=1+1", "'+57300", "'-2", "'@SUM(A1)", 'ok', "' =cmd|x", "'\t=1", "'\u00a0+1", "'\uff1dSUM(A1)", "'\tx", 'a=b']);
  });
});
