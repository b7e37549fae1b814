// The default properties of the calls and contacts objects as a HubSpot portal defines them
// (internal name, type, fieldType, options, read-only), for the fake HubSpot. Compiled from
// HubSpot's calls guide (the properties it documents, outcomes and statuses, voicemail), the
// contacts and search guides (calculated phone properties) and the default-property lists of
// HubSpot's knowledge base; the spec collection has no property lists. Not exhaustive — a portal
// has more — but every property centralita might write or read is here with its real type,
// and properties a real portal does not have (a typo, an unknown custom property) are absent.
export type PropertyType = 'string' | 'number' | 'datetime' | 'date' | 'enumeration' | 'bool';

export interface FakeProperty {
  name: string;
  label: string;
  type: PropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: { label: string; value: string; hidden: boolean; displayOrder: number; description?: string }[];
  readOnly?: boolean;
  calculated?: boolean;
  hasUniqueValue?: boolean;
  hidden?: boolean;
  /** Custom (portal-created) property rather than a HubSpot default. */
  custom?: boolean;
  createdAt?: string;
  /** Enumeration whose options live elsewhere (owners). */
  externalOptions?: boolean;
}

const opt = (pairs: [string, string][]) => pairs.map(([value, label], i) => ({ label, value, hidden: false, displayOrder: i }));

/** HubSpot's default call outcomes (hs_call_disposition), from the calls guide. */
export const DEFAULT_OUTCOMES: [string, string][] = [
  ['9d9162e7-6cf3-4944-bf63-4dff82258764', 'Busy'],
  ['f240bbac-87c9-4f6e-bf70-924b57d47db7', 'Connected'],
  ['a4c4c377-d246-4b32-a13b-75a56a4cd0ff', 'Left live message'],
  ['b2cf5968-551e-4856-9783-52b3da59a7d0', 'Left voicemail'],
  ['73a0d17f-1163-4015-bdd5-ec830791da20', 'No answer'],
  ['17b47fee-58de-441e-a44c-c6300d46f273', 'Wrong number'],
];

/** hs_call_status options: the calls guide's list plus MISSED, which inbound calling uses (voicemail, missed calls). */
export const DEFAULT_CALL_STATUSES: [string, string][] = [
  ['BUSY', 'Busy'], ['CALLING_CRM_USER', 'Calling CRM user'], ['CANCELED', 'Canceled'], ['COMPLETED', 'Completed'], ['CONNECTING', 'Connecting'],
  ['FAILED', 'Failed'], ['IN_PROGRESS', 'In progress'], ['MISSED', 'Missed'], ['NO_ANSWER', 'No answer'], ['QUEUED', 'Queued'], ['RINGING', 'Ringing'],
];

type Def = [name: string, type: PropertyType, fieldType: string, extra?: Partial<FakeProperty>];

const CALL_DEFS: Def[] = [
  ['hs_timestamp', 'datetime', 'date'],
  ['hs_call_title', 'string', 'text'],
  ['hs_call_body', 'string', 'html'],
  ['hs_call_callee_object_id', 'number', 'number'],
  ['hs_call_callee_object_type_id', 'string', 'text'],
  ['hs_call_direction', 'enumeration', 'select', { options: opt([['INBOUND', 'Inbound'], ['OUTBOUND', 'Outbound']]) }],
  ['hs_call_disposition', 'enumeration', 'select'],
  ['hs_call_duration', 'number', 'number'],
  ['hs_call_from_number', 'string', 'text'],
  ['hs_call_to_number', 'string', 'text'],
  ['hs_call_recording_url', 'string', 'text'],
  ['hs_call_status', 'enumeration', 'select'],
  ['hs_call_has_voicemail', 'bool', 'booleancheckbox', { options: opt([['true', 'Yes'], ['false', 'No']]) }],
  ['hs_call_source', 'string', 'text'],
  ['hs_call_app_id', 'number', 'number'],
  ['hs_call_external_id', 'string', 'text'],
  ['hs_call_external_account_id', 'string', 'text'],
  ['hs_call_recording_duration', 'number', 'number'],
  ['hs_call_video_recording_url', 'string', 'text'],
  ['hs_call_transcription_id', 'string', 'text'],
  ['hs_call_has_transcript', 'bool', 'booleancheckbox', { readOnly: true, calculated: true, options: opt([['true', 'Yes'], ['false', 'No']]) }],
  ['hs_call_summary', 'string', 'textarea'],
  ['hs_call_zoom_meeting_uuid', 'string', 'text'],
  ['hs_call_authed_url_provider', 'string', 'text', { readOnly: true }],
  ['hs_activity_type', 'enumeration', 'select', { options: [] }],
  ['hs_attachment_ids', 'enumeration', 'checkbox', { options: [] }],
  ['hs_at_mentioned_owner_ids', 'enumeration', 'checkbox', { options: [], externalOptions: true }],
  ['hs_body_preview', 'string', 'textarea', { readOnly: true, calculated: true }],
  ['hs_body_preview_html', 'string', 'html', { readOnly: true, calculated: true }],
  ['hs_body_preview_is_truncated', 'bool', 'booleancheckbox', { readOnly: true, calculated: true, options: opt([['true', 'Yes'], ['false', 'No']]) }],
  ['hs_engagement_source', 'string', 'text', { readOnly: true }],
  ['hs_engagement_source_id', 'string', 'text', { readOnly: true }],
  ['hs_created_by', 'number', 'number', { readOnly: true }],
  ['hs_created_by_user_id', 'number', 'number', { readOnly: true }],
  ['hs_modified_by', 'number', 'number', { readOnly: true }],
  ['hs_updated_by_user_id', 'number', 'number', { readOnly: true }],
  ['hs_createdate', 'datetime', 'date', { readOnly: true }],
  ['hs_lastmodifieddate', 'datetime', 'date', { readOnly: true }],
  ['hs_object_id', 'number', 'number', { readOnly: true }],
  ['hs_object_source', 'string', 'text', { readOnly: true }],
  ['hs_object_source_id', 'string', 'text', { readOnly: true }],
  ['hs_object_source_label', 'string', 'text', { readOnly: true }],
  ['hs_unique_creation_key', 'string', 'text', { readOnly: true, hasUniqueValue: true }],
  ['hs_unique_id', 'string', 'text'],
  ['hs_follow_up_action', 'string', 'text'],
  ['hs_gdpr_deleted', 'bool', 'booleancheckbox', { readOnly: true, options: opt([['true', 'Yes'], ['false', 'No']]) }],
  ['hs_queue_membership_ids', 'enumeration', 'checkbox', { options: [] }],
  ['hs_product_name', 'string', 'text'],
  ['hubspot_owner_id', 'enumeration', 'select', { externalOptions: true, options: [] }],
  ['hubspot_team_id', 'enumeration', 'select', { externalOptions: true, options: [] }],
  ['hubspot_owner_assigneddate', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['hs_all_owner_ids', 'enumeration', 'checkbox', { readOnly: true, options: [] }],
  ['hs_all_team_ids', 'enumeration', 'checkbox', { readOnly: true, options: [] }],
  ['hs_all_accessible_team_ids', 'enumeration', 'checkbox', { readOnly: true, options: [] }],
  ['hs_user_ids_of_all_owners', 'enumeration', 'checkbox', { readOnly: true, options: [] }],
];

const CONTACT_DEFS: Def[] = [
  ['email', 'string', 'text'], ['firstname', 'string', 'text'], ['lastname', 'string', 'text'], ['salutation', 'string', 'text'],
  ['phone', 'string', 'phonenumber'], ['mobilephone', 'string', 'phonenumber'], ['fax', 'string', 'phonenumber'], ['hs_whatsapp_phone_number', 'string', 'phonenumber'],
  ['company', 'string', 'text'], ['jobtitle', 'string', 'text'], ['website', 'string', 'text'], ['industry', 'string', 'text'],
  ['address', 'string', 'text'], ['city', 'string', 'text'], ['state', 'string', 'text'], ['zip', 'string', 'text'], ['country', 'string', 'text'],
  ['date_of_birth', 'string', 'text'], ['message', 'string', 'textarea'], ['annualrevenue', 'string', 'text'], ['numemployees', 'enumeration', 'select', { options: [] }],
  ['lifecyclestage', 'enumeration', 'radio', { options: opt([['subscriber', 'Subscriber'], ['lead', 'Lead'], ['marketingqualifiedlead', 'Marketing Qualified Lead'], ['salesqualifiedlead', 'Sales Qualified Lead'], ['opportunity', 'Opportunity'], ['customer', 'Customer'], ['evangelist', 'Evangelist'], ['other', 'Other']]) }],
  ['hs_lead_status', 'enumeration', 'radio', { options: opt([['NEW', 'New'], ['OPEN', 'Open'], ['IN_PROGRESS', 'In Progress'], ['OPEN_DEAL', 'Open Deal'], ['UNQUALIFIED', 'Unqualified'], ['ATTEMPTED_TO_CONTACT', 'Attempted to Contact'], ['CONNECTED', 'Connected'], ['BAD_TIMING', 'Bad Timing']]) }],
  ['hs_language', 'enumeration', 'select', { options: opt([['es', 'Spanish'], ['en', 'English']]) }],
  ['hs_timezone', 'enumeration', 'select', { options: [] }],
  ['hubspot_owner_id', 'enumeration', 'select', { externalOptions: true, options: [] }],
  ['hubspot_team_id', 'enumeration', 'select', { externalOptions: true, options: [] }],
  ['hubspot_owner_assigneddate', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['associatedcompanyid', 'number', 'number'],
  ['notes_last_contacted', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['notes_last_updated', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['notes_next_activity_date', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['num_contacted_notes', 'number', 'number', { readOnly: true, calculated: true }],
  ['num_notes', 'number', 'number', { readOnly: true, calculated: true }],
  ['hs_last_sales_activity_timestamp', 'datetime', 'date', { readOnly: true, calculated: true }],
  ['hs_email_domain', 'string', 'text', { readOnly: true, calculated: true }],
  ['hs_analytics_source', 'enumeration', 'select', { readOnly: true, options: [] }],
  ['hs_calculated_phone_number', 'string', 'text', { readOnly: true, calculated: true }],
  ['hs_calculated_mobile_number', 'string', 'text', { readOnly: true, calculated: true }],
  ['hs_calculated_phone_number_country_code', 'string', 'text', { readOnly: true, calculated: true }],
  ['hs_searchable_calculated_phone_number', 'string', 'text', { readOnly: true, calculated: true }],
  ['hs_searchable_calculated_mobile_number', 'string', 'text', { readOnly: true, calculated: true }],
  ['createdate', 'datetime', 'date', { readOnly: true }],
  ['lastmodifieddate', 'datetime', 'date', { readOnly: true }],
  ['hs_object_id', 'number', 'number', { readOnly: true }],
  ['hs_all_owner_ids', 'enumeration', 'checkbox', { readOnly: true, options: [] }],
];

function build(defs: Def[], group: string): FakeProperty[] {
  return defs.map(([name, type, fieldType, extra]) => ({
    name, type, fieldType, groupName: group, description: '', options: [],
    label: name.replace(/^hs_/, '').replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase()),
    ...extra,
  }));
}

export function defaultCallProperties(outcomes: [string, string][], statuses: [string, string][]): FakeProperty[] {
  return build(CALL_DEFS, 'callinformation').map((p) =>
    p.name === 'hs_call_disposition' ? { ...p, label: 'Call outcome', options: opt(outcomes) }
    : p.name === 'hs_call_status' ? { ...p, label: 'Call status', options: opt(statuses) }
    : p);
}

export function defaultContactProperties(): FakeProperty[] {
  return build(CONTACT_DEFS, 'contactinformation');
}
