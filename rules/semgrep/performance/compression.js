const express = require('express');
const compression = require('compression');
const helmet = require('helmet');

const app = express();
// ruleid: response-compression-js
app.use(compression());
// ok: response-compression-js
app.use(helmet());

class CompressionMiddleware {
  use(req, res, next) {
    // ruleid: response-compression-js
    return compression()(req, res, next);
  }
}

class HeadersMiddleware {
  use(req, res, next) {
    // ok: response-compression-js
    return helmet()(req, res, next);
  }
}
