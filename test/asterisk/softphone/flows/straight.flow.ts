// The scenarios' straight-to-queue flow, unchanged: sales here is the softphone agent's queue.
export { default } from '../../flows/straight.flow.ts';
