const jwt = require('jsonwebtoken');
const session = require('express-session');

function authenticate(token, key) {
  // ruleid: js-jwt-verify-without-algorithms
  return jwt.verify(token, key);
}

function authenticateOk(token, key) {
  // ok: js-jwt-verify-without-algorithms
  return jwt.verify(token, key, { algorithms: ['RS256'] });
}

function authenticateNone(token, key) {
  // ruleid: js-jwt-none-algorithm
  return jwt.verify(token, key, { algorithms: ['none', 'HS256'] });
}

function login(req, res, sid) {
  // ruleid: js-cookie-without-secure-flags
  res.cookie('sid', sid);
  // ruleid: js-cookie-without-secure-flags
  res.cookie('sid', sid, { httpOnly: true });
  // ok: js-cookie-without-secure-flags
  res.cookie('sid', sid, { httpOnly: true, secure: true, sameSite: 'lax' });
  // ok: js-cookie-without-secure-flags
  res.cookie('sid', sid, { secure: process.env.NODE_ENV === 'production', httpOnly: true });
}

// ruleid: js-cookie-without-secure-flags
const sessions = session({ secret: process.env.SESSION_SECRET, cookie: { secure: false } });

module.exports = { authenticate, authenticateOk, authenticateNone, login, sessions };
