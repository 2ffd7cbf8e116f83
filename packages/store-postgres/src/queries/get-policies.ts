import type { KindPolicyRecord } from '@qa-broker/store';
import type { QuotedSchema } from '../schema-name.js';
import type { Queryable } from '../sql-client.js';
import { toPolicy, type PolicyRow } from '../policy-row.js';

/** getPolicies (admin/policy/get), one statement. $1 kind (null = every kind), kinds in code-point order. */
export function getPoliciesQuery(schema: QuotedSchema) {
  const text = `
select * from ${schema}.kind_policies
where $1::text is null or kind = $1::text
order by kind`;

  return async (db: Queryable, input: { kind?: string }): Promise<KindPolicyRecord[]> => {
    const { rows } = await db.query<PolicyRow>(text, [input.kind ?? null]);
    return rows.map(toPolicy);
  };
}
