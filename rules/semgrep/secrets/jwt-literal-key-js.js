const jwt = require('jsonwebtoken');
const { expressjwt } = require('express-jwt');

function issue(user) {
  // ruleid: jwt-literal-key-js
  return jwt.sign({ sub: user.id }, 'k3y-for-pr0d-9f8e7d', { expiresIn: '1h' });
}

function check(token) {
  // ruleid: jwt-literal-key-js
  return jwt.verify(token, "k3y-for-pr0d-9f8e7d");
}

// ruleid: jwt-literal-key-js
const guard = expressjwt({ secret: 'k3y-for-pr0d-9f8e7d', algorithms: ['HS256'] });

function issueFromEnv(user) {
  // ok: jwt-literal-key-js
  return jwt.sign({ sub: user.id }, process.env.JWT_SECRET, { expiresIn: '1h' });
}

// ok: jwt-literal-key-js
const envGuard = expressjwt({ secret: process.env.JWT_SECRET, algorithms: ['HS256'] });

module.exports = { issue, check, guard, issueFromEnv, envGuard };
