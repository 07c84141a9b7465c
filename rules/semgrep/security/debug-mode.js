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
  // ruleid: express-errorhandler-in-production, express-error-message-answered-for-500
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

// ---- GraphQL server debug mode, the environment sent to clients
const { ApolloServer } = require('apollo-server-express');

// ruleid: graphql-server-debug-mode
const debugServer = new ApolloServer({ schema, debug: true });

// ok: graphql-server-debug-mode
const quietServer = new ApolloServer({ schema, debug: process.env.NODE_ENV !== 'production' });

app.get('/about', (req, res) => {
  const info = { version: process.version, platform: process.platform, env: process.env };
  // ruleid: js-environment-sent-to-client
  res.json(info);
});

app.get('/about-safe', (req, res) => {
  const info = { version: process.version, region: process.env.REGION };
  // ok: js-environment-sent-to-client
  res.json(info);
});

// ---- err.message answered for an unexpected error (status falls back to 500)
app.use((err, req, res, next) => {
  res.status(err.status || 500);
  // ruleid: express-error-message-answered-for-500
  res.json({ errors: { message: err.message } });
});

app.use(function finalHandler(error, req, res, next) {
  // ruleid: express-error-message-answered-for-500
  return res.status(error.statusCode || 500).send({ message: error.message });
});

app.use((err, req, res, next) => {
  if (err.expose || err.status < 500) {
    // ok: express-error-message-answered-for-500
    return res.status(err.status).json({ message: err.message });
  }
  // ok: express-error-message-answered-for-500
  res.status(500).json({ message: 'Internal server error' });
});

app.use((err, req, res, next) => {
  // ok: express-error-message-answered-for-500
  res.status(err.status).json({ message: err.message });
});

app.use((err, req, res, next) => {
  res.status(500);
  if (process.env.NODE_ENV === 'development') {
    // ok: express-error-message-answered-for-500
    res.json({ message: err.message });
  }
});

app.get('/items', (req, res) => {
  // ok: express-error-message-answered-for-500
  res.status(500).json({ message: req.query.message });
});

app.use((err, req, res, next) => {
  if (err.name === 'UnauthorizedError') {
    return res.status(401).json({ message: 'missing credentials' });
  } else if (err) {
    // ruleid: express-error-message-answered-for-500
    res.status(500).json(err.message);
  }
});

app.use((err, req, res, next) => {
  if (err instanceof AppError) {
    // ok: express-error-message-answered-for-500
    return res.status(err.status || 500).json({ message: err.message });
  }
  next(err);
});

// express-generator's development error handler: Express's env defaults to 'development'
if (app.get('env') === 'development') {
  app.use(function (err, req, res, next) {
    res.status(err.status || 500);
    // ruleid: express-error-details-under-default-env
    res.render('error', { message: err.message, error: err });
  });
}

// the production handler beside it sends no details
app.use(function (err, req, res, next) {
  res.status(err.status || 500);
  // ok: express-error-details-under-default-env
  res.render('error', { message: err.message, error: {} });
});

if (process.env.NODE_ENV === 'development') {
  // ok: express-error-details-under-default-env
  app.use(errorhandler());
}
