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

module.exports = { login };
