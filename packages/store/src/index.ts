export * from './errors.js';
export * from './activity.js';
export type * from './store.js';
export type * from './types.js';
