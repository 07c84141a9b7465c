const express = require('express');

const app = express();

function problem(err, req, res, next) {
  res.status(err.status || 500).json({ error: { code: err.code || 'internal', message: err.expose ? err.message : 'internal error' } });
}

// ok: central-error-handler-js
app.use((req, res, next) => next());
// ruleid: central-error-handler-js
app.use((err, req, res, next) => res.status(500).json({ error: { code: 'internal' } }));
// ruleid: central-error-handler-js
app.use(problem);
