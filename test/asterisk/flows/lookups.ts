export * from '../../../flows/lookups/index.ts';
