import { z } from 'zod';
import { POLICY } from './policy.js';

/**
 * Per-kind payload schemas, applied on admin/add. A validated kind keeps only its known
 * fields; messages name the field, never its value.
 */
const mustBeString = (kind: string, key: string) =>
  `Credential payload for kind "${kind}" must include "${key}" as a string.`;
const mustBeNonEmpty = (kind: string, key: string) =>
  `Credential payload for kind "${kind}" must include a non-empty "${key}" value.`;

function requiredField(kind: string, key: string) {
  return z
    .string({
      required_error: mustBeString(kind, key),
      invalid_type_error: mustBeString(kind, key),
    })
    .trim()
    .min(1, mustBeNonEmpty(kind, key));
}

function matching(kind: string, key: string, pattern: RegExp, what: string) {
  return requiredField(kind, key).regex(
    pattern,
    `Credential payload for kind "${kind}" must include "${key}" as ${what}.`,
  );
}

function optionalField(kind: string, key: string) {
  return z
    .string({ invalid_type_error: mustBeString(kind, key) })
    .trim()
    .nullish()
    .transform((value) => (value ? value : undefined));
}

const SNOWFLAKE = /^\d{17,20}$/;
const SNOWFLAKE_TEXT = 'a Discord snowflake (17 to 20 digits)';
const E164 = /^\+[1-9]\d{6,14}$/;
const E164_TEXT = 'an E.164 phone number such as +15551234567';

export const TelegramPayloadSchema = z.object({
  groupId: matching('telegram', 'groupId', /^-?\d+$/, 'a numeric chat id string'),
  driverToken: requiredField('telegram', 'driverToken'),
  sutToken: requiredField('telegram', 'sutToken'),
});
export type TelegramPayload = z.infer<typeof TelegramPayloadSchema>;

export const DiscordPayloadSchema = z.object({
  guildId: matching('discord', 'guildId', SNOWFLAKE, SNOWFLAKE_TEXT),
  channelId: matching('discord', 'channelId', SNOWFLAKE, SNOWFLAKE_TEXT),
  voiceChannelId: optionalField('discord', 'voiceChannelId').refine(
    (value) => value === undefined || SNOWFLAKE.test(value),
    `Credential payload for kind "discord" must include "voiceChannelId" as ${SNOWFLAKE_TEXT} when it is set.`,
  ),
  driverBotToken: requiredField('discord', 'driverBotToken'),
  sutBotToken: requiredField('discord', 'sutBotToken'),
  sutApplicationId: matching('discord', 'sutApplicationId', SNOWFLAKE, SNOWFLAKE_TEXT),
});
export type DiscordPayload = z.infer<typeof DiscordPayloadSchema>;

export const WhatsappPayloadSchema = z
  .object({
    driverPhoneE164: matching('whatsapp', 'driverPhoneE164', E164, E164_TEXT),
    sutPhoneE164: matching('whatsapp', 'sutPhoneE164', E164, E164_TEXT),
    driverAuthArchiveBase64: requiredField('whatsapp', 'driverAuthArchiveBase64'),
    sutAuthArchiveBase64: requiredField('whatsapp', 'sutAuthArchiveBase64'),
    groupJid: optionalField('whatsapp', 'groupJid'),
  })
  .refine((payload) => payload.driverPhoneE164 !== payload.sutPhoneE164, {
    message:
      'Credential payload for kind "whatsapp" must use different "driverPhoneE164" and "sutPhoneE164" values.',
  });
export type WhatsappPayload = z.infer<typeof WhatsappPayloadSchema>;

export const SlackPayloadSchema = z.object({
  channelId: requiredField('slack', 'channelId'),
  driverBotToken: requiredField('slack', 'driverBotToken'),
  sutBotToken: requiredField('slack', 'sutBotToken'),
  sutAppToken: requiredField('slack', 'sutAppToken'),
});
export type SlackPayload = z.infer<typeof SlackPayloadSchema>;

export const PAYLOAD_SCHEMAS = {
  telegram: TelegramPayloadSchema,
  discord: DiscordPayloadSchema,
  whatsapp: WhatsappPayloadSchema,
  slack: SlackPayloadSchema,
} as const;

export type KnownKind = keyof typeof PAYLOAD_SCHEMAS;
export type KnownPayloads = { [K in KnownKind]: z.infer<(typeof PAYLOAD_SCHEMAS)[K]> };
/** The payload type a client sees for `kind`: typed for known kinds, opaque otherwise. */
export type PayloadOf<K extends string> = K extends KnownKind
  ? KnownPayloads[K]
  : Record<string, unknown>;

export function isKnownKind(kind: string): kind is KnownKind {
  return Object.hasOwn(PAYLOAD_SCHEMAS, kind);
}

export type PayloadValidation =
  { ok: true; payload: Record<string, unknown> } | { ok: false; message: string };

/** Validates and normalizes a payload for its kind; unknown kinds pass through as given. */
export function validatePayload(kind: string, payload: Record<string, unknown>): PayloadValidation {
  if (!isKnownKind(kind)) return { ok: true, payload };
  const result = PAYLOAD_SCHEMAS[kind].safeParse(payload);
  if (result.success) return { ok: true, payload: result.data };
  return {
    ok: false,
    message: result.error.issues[0]?.message ?? `Credential payload for kind "${kind}" is invalid.`,
  };
}

/**
 * True when `payload` nests objects and arrays deeper than `maxDepth` levels (the payload
 * itself is level 1). Iterative on purpose: a hostile body nested 200,000 levels deep must
 * be refused with a 400, not overflow the stack of whatever walks it first.
 */
export function nestedDeeperThan(payload: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[payload, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

export const PAYLOAD_TOO_DEEP_MESSAGE = `Credential payload is nested too deeply (more than ${POLICY.payloadMaxDepth} levels).`;
