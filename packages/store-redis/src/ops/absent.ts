/**
 * What a per-kind script answers when the credential is not under the request's kind.
 * The store then reads the id -> kind lookup to tell CREDENTIAL_NOT_FOUND from
 * KIND_MISMATCH (see README, "Addressing a credential by id").
 */
export interface AbsentInKind {
  ok: false;
  code: 'ABSENT_IN_KIND';
}

export const ABSENT_IN_KIND: AbsentInKind = { ok: false, code: 'ABSENT_IN_KIND' };

export function isAbsentInKind<T extends { ok: boolean }>(
  result: T | AbsentInKind,
): result is AbsentInKind {
  return !result.ok && 'code' in result && result.code === 'ABSENT_IN_KIND';
}
