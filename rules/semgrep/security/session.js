const jwt = require('jsonwebtoken');
const session = require('express-session');
const fs = require('fs');

function authenticate(token, publicKey) {
  // ruleid: js-jwt-verify-without-algorithms
  return jwt.verify(token, publicKey);
}

function authenticateWithCertificate(token) {
  // ruleid: js-jwt-verify-without-algorithms
  return jwt.verify(token, fs.readFileSync('keys/issuer.crt'), (err, claims) => claims);
}

function authenticateWithLookup(token, keys) {
  // ruleid: js-jwt-verify-without-algorithms
  return jwt.verify(token, (header, done) => done(null, keys[header.kid]));
}

function authenticateSharedSecret(token) {
  // ok: js-jwt-verify-without-algorithms
  return jwt.verify(token, process.env.JWT_SECRET);
}

function authenticateSharedSecretConstant(token) {
  // ok: js-jwt-verify-without-algorithms
  return jwt.verify(token, SECRET);
}

function authenticateWithSecret(token) {
  // ok: js-jwt-verify-without-algorithms
  return jwt.verify(token, process.env.JWT_SECRET);
}

function authenticateWithConfigSecret(token, config) {
  // ok: js-jwt-verify-without-algorithms
  const decoded = jwt.verify(token, config.jwtSecret);
  return decoded.sub;
}

function authenticateWithPublicKey(token, keys) {
  // ruleid: js-jwt-verify-without-algorithms
  return jwt.verify(token, keys.publicSecretPem);
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
  // ruleid: js-cookie-flags-set
  res.cookie('sid', sid, { httpOnly: true, secure: true, sameSite: 'lax' });
  // ok: js-cookie-without-secure-flags
  // ruleid: js-cookie-flags-set
  res.cookie('sid', sid, { secure: process.env.NODE_ENV === 'production', httpOnly: true });
  // ok: js-cookie-flags-set
  // ruleid: js-cookie-without-secure-flags
  res.cookie('theme', 'dark', { httpOnly: false, secure: true });
}

// ruleid: js-cookie-without-secure-flags
const sessions = session({ secret: process.env.SESSION_SECRET, cookie: { secure: false } });

// ruleid: express-session-cookie-not-secure
const defaultSessions = session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: true });

// ruleid: express-session-cookie-not-secure
const lenientSessions = session({ secret: process.env.SESSION_SECRET, cookie: { maxAge: 3600000 } });

// ok: express-session-cookie-not-secure
// ruleid: js-cookie-flags-set
const strictSessions = session({ secret: process.env.SESSION_SECRET, cookie: { secure: true, httpOnly: true } });

// ok: express-session-cookie-not-secure
// ruleid: js-cookie-flags-set
const proxiedSessions = session({ secret: process.env.SESSION_SECRET, cookie: { secure: 'auto' } });

const sessionOptions = { secret: process.env.SESSION_SECRET, cookie: {} };
if (process.env.NODE_ENV === 'production') {
  sessionOptions.cookie.secure = true;
}
// ok: express-session-cookie-not-secure
const configuredSessions = session(sessionOptions);

module.exports = { authenticate, authenticateOk, authenticateNone, login, sessions };


function currentUser(req) {
  // ruleid: js-jwt-decode-without-verification
  return jwt.decode(req.headers.authorization.slice(7));
}

function checkedUser(req) {
  jwt.verify(req.token, process.env.JWT_KEY, { algorithms: ['HS256'] });
  // ok: js-jwt-decode-without-verification
  return jwt.decode(req.token, { complete: true });
}
