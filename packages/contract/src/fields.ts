import { z } from 'zod';
import type { ErrorCode } from './codes.js';
import type { ActorRole } from './policy.js';
import { ACTOR_ROLES } from './policy.js';

/**
 * Field builders that carry upstream's exact messages. A failure that is not plain
 * `INVALID_BODY` names its code in `params.brokerCode`; `parse.ts` reads the first issue.
 */
export function codeParams(code: ErrorCode): { params: { brokerCode: ErrorCode } } {
  return { params: { brokerCode: code } };
}

const notString = (key: string) => `Expected "${key}" to be a string.`;
/**
 * Text every store can keep: no NUL (PostgreSQL text refuses it) and no unpaired UTF-16
 * surrogate (it has no UTF-8 form, so Redis and Postgres would see another string).
 * JSON can carry both, so a hostile body could otherwise reach a store and fail there.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly what this must catch
const WELL_FORMED_TEXT = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;
const notWellFormed = (key: string) =>
  `Expected "${key}" to contain no NUL characters or unpaired surrogates.`;
const tooLong = (key: string, max: number) => `Expected "${key}" to be at most ${max} characters.`;

export function requiredString(key: string, maxLength: number) {
  return z
    .string({ required_error: notString(key), invalid_type_error: notString(key) })
    .trim()
    .min(1, `Expected "${key}" to be non-empty.`)
    .max(maxLength, tooLong(key, maxLength))
    .regex(WELL_FORMED_TEXT, notWellFormed(key));
}

/** Absent, null or whitespace-only is omitted; anything else must be a string. */
export function optionalString(key: string, maxLength: number) {
  return z
    .string({ invalid_type_error: notString(key) })
    .trim()
    .max(maxLength, tooLong(key, maxLength))
    .regex(WELL_FORMED_TEXT, notWellFormed(key))
    .nullish()
    .transform((value) => (value ? value : undefined));
}

export function optionalPositiveInteger(key: string) {
  const message = `Expected "${key}" to be a positive integer.`;
  return z
    .number({ invalid_type_error: message })
    .int(message)
    .min(1, message)
    .nullish()
    .transform((value) => value ?? undefined);
}

export function optionalNonNegativeInteger(key: string) {
  const message = `Expected "${key}" to be a non-negative integer.`;
  return z
    .number({ invalid_type_error: message })
    .int(message)
    .min(0, message)
    .nullish()
    .transform((value) => value ?? undefined);
}

export function optionalBoolean(key: string) {
  return z
    .boolean({ invalid_type_error: `Expected "${key}" to be a boolean.` })
    .nullish()
    .transform((value) => value ?? undefined);
}

/** An optional string that must be one of `values` once trimmed. */
export function optionalOneOf<const T extends readonly string[]>(
  key: string,
  values: T,
  message: string,
) {
  return z
    .string({ invalid_type_error: message })
    .trim()
    .nullish()
    .transform((value) => (value ? value : undefined))
    .refine(
      (value): value is T[number] | undefined => value === undefined || values.includes(value),
      message,
    );
}

/** Present but not exactly one of the roles (empty included) is INVALID_ACTOR_ROLE. */
export const ActorRoleSchema = z
  .string({ required_error: notString('actorRole'), invalid_type_error: notString('actorRole') })
  .trim()
  .refine((value): value is ActorRole => (ACTOR_ROLES as readonly string[]).includes(value), {
    message: 'Expected "actorRole" to be "maintainer" or "ci".',
    ...codeParams('INVALID_ACTOR_ROLE'),
  });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A JSON object kept as given (no copy), so a large payload is not walked twice and
 * keys such as `__proto__` stay plain data.
 */
export function jsonObject(message: string) {
  return z.custom<Record<string, unknown>>(isPlainObject, { message });
}

export function bodyObject<T extends z.ZodRawShape>(shape: T) {
  const message = 'Request body must be a JSON object.';
  return z.object(shape, { required_error: message, invalid_type_error: message });
}

/** An optional integer within [min, max]; absent or null is omitted. */
export function optionalIntegerInRange(key: string, min: number, max: number) {
  const message = `Expected "${key}" to be an integer between ${min} and ${max}.`;
  return z
    .number({ invalid_type_error: message })
    .int(message)
    .min(min, message)
    .max(max, message)
    .nullish()
    .transform((value) => value ?? undefined);
}

/** An optional integer of any sign (range checks come later, with their own code). */
export function optionalInteger(key: string) {
  const message = `Expected "${key}" to be an integer.`;
  return z
    .number({ invalid_type_error: message })
    .int(message)
    .nullish()
    .transform((value) => value ?? undefined);
}

/** An optional nested object (absent or null is omitted), checked key by key in order. */
export function optionalObject<T extends z.ZodRawShape>(key: string, shape: T) {
  const message = `Expected "${key}" to be an object.`;
  return z
    .object(shape, { invalid_type_error: message })
    .nullish()
    .transform((value) => value ?? undefined);
}

/**
 * A field of a patch: absent = unchanged (undefined), null = clear, else an integer ≥ min.
 * The message names the field and its floor.
 */
export function patchInteger(key: string, min: number) {
  const message = `Expected "${key}" to be an integer of at least ${min}, or null to clear it.`;
  return z
    .number({ invalid_type_error: message })
    .int(message)
    .min(min, message)
    .nullable()
    .optional();
}

/**
 * An optional string where "" means something (clear it): absent or null is omitted,
 * "" (or whitespace) is kept as "".
 */
export function optionalClearableString(key: string, maxLength: number) {
  return z
    .string({ invalid_type_error: notString(key) })
    .trim()
    .max(maxLength, tooLong(key, maxLength))
    .regex(WELL_FORMED_TEXT, notWellFormed(key))
    .nullish()
    .transform((value) => value ?? undefined);
}
