// Async functions flows call with a `lookup` node. They may do I/O, but only through the
// services main.ts passes in (CRM, owners, do-not-call list), so tests give them fakes.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { defineLookups } from '../../src/flow-dsl/index.ts';

/** E.164 when the number can be understood, else as received. */
function e164(number: string, country: string | undefined): string {
  return parsePhoneNumberFromString(number, (country ?? 'CO') as CountryCode)?.number ?? number;
}

export const lookups = defineLookups({
  /**
   * The caller's CRM contact and, if the contact's owner has an extension, that extension.
   * Several contacts with the same number: not found (never guess the wrong owner).
   */
  async crmOwner({ view }, services) {
    if (!services.crm) return null;
    const number = e164(view.from, services.defaultCountry);
    const contacts = (await services.crm.findContactsByPhone([number])).get(number) ?? [];
    if (contacts.length !== 1) return null;
    const contact = contacts[0]!;
    const found: Record<string, string> = { hubspotContactId: contact.id };
    if (contact.name) found.name = contact.name;
    const ext = await services.owners?.extensionFor(contact.id);
    if (ext) found.ownerExtension = ext;
    return found;
  },
  /**
   * Adds the called number (outbound: the dialler's CENTRALITA_PHONE, else the dialled
   * number) or the caller (inbound) to the do-not-call list. A number that is not a phone
   * number is an error (the caller hears the failure message), never a wrong entry.
   */
  async addToDoNotCall({ view }, services) {
    if (!services.dnc) throw new Error('no do-not-call list is configured');
    const raw = view.direction === 'outbound' ? (view.vars.CENTRALITA_PHONE || view.to) : view.from;
    const parsed = parsePhoneNumberFromString(raw, (services.defaultCountry ?? 'CO') as CountryCode);
    if (!parsed?.isPossible()) throw new Error(`cannot opt out: '${raw}' is not a phone number`);
    const number = parsed.number;
    await services.dnc.add(number);
    return { dnc: 'added', dncNumber: number };
  },
});
