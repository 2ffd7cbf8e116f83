import { randomUUID } from 'node:crypto';

/** A short unique kind, so tests sharing one store never see each other's pools. */
export function uniqueKind(label = 'kind'): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

export function telegramPayload(n = 1) {
  return {
    groupId: `-100${n}`,
    driverToken: `fake-driver-token-${n}`,
    sutToken: `fake-sut-token-${n}`,
  };
}
