export * from '../../../flows/schedules.ts';
