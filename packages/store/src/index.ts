export * from './errors.js';
export type * from './store.js';
export type * from './types.js';
