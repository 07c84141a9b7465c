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

module.exports = { load, fire };
