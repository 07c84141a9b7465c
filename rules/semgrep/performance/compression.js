const express = require('express');
const compression = require('compression');
const helmet = require('helmet');

const app = express();
// ruleid: response-compression-js
app.use(compression());
// ok: response-compression-js
app.use(helmet());
