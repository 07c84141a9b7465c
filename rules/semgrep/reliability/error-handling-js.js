const pino = require('pino');

// ruleid: logging-configured-js
const logger = pino({ level: process.env.LOG_LEVEL || 'info' });

async function load(db, id) {
  // ruleid: empty-catch-js
  try {
    return await db.query('SELECT 1 WHERE id = $1', [id]);
  } catch (err) {
  }
  // ok: empty-catch-js
  try {
    return await db.query('SELECT 2');
  } catch (err) {
    logger.error({ err }, 'query failed');
    throw err;
  }
}

function fire(promise) {
  // ruleid: empty-catch-js
  promise.catch(() => {});
}

function notify(mailer, user) {
  // ruleid: error-replaced-by-fixed-message-js
  mailer.send({ to: user.email }).catch(() => console.log('could not send the e-mail'));
  // ok: error-replaced-by-fixed-message-js
  mailer.send({ to: user.email }).catch((err) => logger.error({ err }, 'could not send the e-mail'));
}

function issueToken(Token, user) {
  const token = new Token({ userId: user.id });
  // ruleid: unawaited-model-save-js
  token.save();
  return token;
}

async function issueTokenAwaited(Token, user) {
  const token = new Token({ userId: user.id });
  // ok: unawaited-model-save-js
  await token.save();
  return token;
}

function issueTokenChained(Token, user) {
  const token = new Token({ userId: user.id });
  // ok: unawaited-model-save-js
  return token.save().then(() => token);
}

module.exports = { load, fire, notify, issueToken, issueTokenAwaited, issueTokenChained };
