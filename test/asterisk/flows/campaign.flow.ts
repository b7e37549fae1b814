// The shipped campaign flow, unchanged.
export { default } from '../../../flows/campaign.flow.ts';
