// The shipped main flow, unchanged.
export { default } from '../../../flows/main.flow.ts';
