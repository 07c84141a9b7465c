const express = require('express');
// ruleid: api-docs-generator-js
const swaggerJsdoc = require('swagger-jsdoc');
const swaggerUi = require('swagger-ui-express');

const app = express();
const spec = swaggerJsdoc({ definition: { openapi: '3.0.0', info: { title: 'Items', version: '1.0.0' } }, apis: ['./routes/*.js'] });
// ruleid: api-docs-generator-js
app.use('/docs', swaggerUi.serve, swaggerUi.setup(spec));
// ok: api-docs-generator-js
app.use(express.json());
