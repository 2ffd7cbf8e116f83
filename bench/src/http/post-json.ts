import type { Pool } from 'undici';

export interface JsonAnswer {
  statusCode: number;
  body: unknown;
}

/** One keep-alive POST with a JSON body; always consumes the answer so the socket is reused. */
export async function postJson(
  pool: Pool,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<JsonAnswer> {
  const answer = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await answer.body.text();
  let parsed: unknown;
  try {
    parsed = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { statusCode: answer.statusCode, body: parsed };
}
