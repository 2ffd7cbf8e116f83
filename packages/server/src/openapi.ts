import { brokerContract } from '@qa-broker/contract';
import { generateOpenApi } from '@ts-rest/open-api';

/** The OpenAPI document of the v1 routes, with the prefix as its server URL. */
export function brokerOpenApi(endpointPrefix: string): unknown {
  return generateOpenApi(
    brokerContract,
    {
      info: {
        title: 'QA Credential Broker',
        version: '1',
        description:
          'Every route is a POST with a JSON body and `Authorization: Bearer <role secret>`. See spec/broker-v1.md.',
      },
      servers: [{ url: endpointPrefix }],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
    { setOperationId: true },
  );
}
