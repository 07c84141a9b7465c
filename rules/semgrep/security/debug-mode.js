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

app.use((err, req, res, next) => {
  // ok: express-errorhandler-in-production
  console.error(err.stack);
  // ok: express-errorhandler-in-production
  logger.error('request failed', err.stack);
  // ruleid: express-errorhandler-in-production
  res.send(err.stack);
  // ruleid: express-errorhandler-in-production
  reply.code(500).send({ trace: err.stack });
  res.status(500).end();
});

async function koaErrors(ctx, next) {
  try {
    await next();
  } catch (err) {
    // ruleid: express-errorhandler-in-production
    ctx.body = { error: err.message, stack: err.stack };
  }
}
