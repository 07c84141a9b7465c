import { getMetadataArgsStorage } from 'routing-controllers';
import { routingControllersToSpec } from 'routing-controllers-openapi';
import * as swaggerUi from 'swagger-ui-express';

export function mountDocs(app: any) {
    // ruleid: api-docs-generator-js
    const spec = routingControllersToSpec(getMetadataArgsStorage(), {}, {});
    // ruleid: api-docs-generator-js
    app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec));
    // ok: api-docs-generator-js
    app.use('/health', (req: any, res: any) => res.json({ ok: true }));
}
