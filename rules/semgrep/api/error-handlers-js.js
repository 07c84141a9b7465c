const express = require('express');

const app = express();

// ruleid: error-middleware-definition-js
function problem(err, req, res, next) {
  res.status(err.status || 500).json({ error: { code: err.code || 'internal', message: err.expose ? err.message : 'internal error' } });
}

// ok: central-error-handler-js
app.use((req, res, next) => next());
// ruleid: central-error-handler-js, error-middleware-definition-js
app.use((err, req, res, next) => res.status(500).json({ error: { code: 'internal' } }));
// ruleid: central-error-handler-js
app.use(problem);

// ruleid: error-middleware-definition-js
const errorHandler = (err, req, res, next) => {
  console.error(err.message);
  res.status(500).render('error', { error: 'internal error' });
};

// ruleid: error-middleware-definition-js
module.exports.notFound = function (error, req, res, next) {
  res.status(404).json({ error: { code: 'not_found' } });
};

// ok: error-middleware-definition-js
const audit = (req, res, next, extra) => next();

// ok: error-middleware-definition-js
function paginate(items, page, size, total) {
  return items.slice(page * size, (page + 1) * size);
}

module.exports = { errorHandler, audit, paginate };
