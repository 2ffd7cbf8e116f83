export * from './chunks.js';
export * from './codes.js';
export { ActorRoleSchema } from './fields.js';
export * from './parse.js';
export * from './payloads.js';
export * from './policy.js';
export * from './router.js';
export * from './schemas.js';
export * from './stats.js';
