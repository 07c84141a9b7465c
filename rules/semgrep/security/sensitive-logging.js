const logger = require('./logger');
const router = require('express').Router();

function login(req, res) {
  const { username, password } = req.body;
  // ruleid: js-secret-logged
  console.log('login', username, password);
  // ruleid: js-secret-logged
  logger.info(`auth header ${req.headers.authorization}`);
  // ruleid: js-secret-logged
  logger.debug('headers', req.headers);
  // ok: js-secret-logged
  logger.info(`login for ${username}`);
  // ok: js-secret-logged
  console.log('password length', password.length);
}

router.post('/login', (req, res) => {
  const { email, password } = req.body;
  // ruleid: js-secret-logged
  console.log('login attempt', email, password);
  res.json({ ok: true });
});

router.post('/signup', async (req, res) => {
  // ruleid: whole-request-body-logged-js
  logger.debug('Calling Sign-Up endpoint with body: %o', req.body);
  // ruleid: whole-request-body-logged-js
  console.log(`signup ${JSON.stringify(req.body)}`);
  // ok: whole-request-body-logged-js
  logger.info('sign-up for %s', req.body.email);
  res.status(201).json({ ok: true });
});

module.exports = { login };
