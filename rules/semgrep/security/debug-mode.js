const express = require('express');
const errorhandler = require('errorhandler');

const app = express();

// ruleid: express-errorhandler-in-production
app.use(errorhandler());

if (process.env.NODE_ENV === 'development') {
  // ok: express-errorhandler-in-production
  app.use(errorhandler());
}

app.use((err, req, res, next) => {
  // ruleid: express-errorhandler-in-production
  res.status(500).json({ error: err.message, stack: err.stack });
});

app.use((err, req, res, next) => {
  // ok: express-errorhandler-in-production
  res.status(500).json({ error: 'internal error' });
});
