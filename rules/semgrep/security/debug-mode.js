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
