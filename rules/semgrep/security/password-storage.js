const md5 = require('md5');
const crypto = require('crypto');

function register(db, req) {
  // ruleid: fast-hash-helper-on-password
  return db.users.insert({ login: req.body.login, hash: md5(req.body.password) });
}

function registerSafe(db, req, bcrypt) {
  // ok: fast-hash-helper-on-password
  return db.users.insert({ login: req.body.login, hash: bcrypt.hashSync(req.body.password, 12) });
}

function resetAllowed(req) {
  // ruleid: token-from-fast-hash-of-data
  return req.query.token == md5(req.query.email);
}

function newResetToken(user) {
  // ok: token-from-fast-hash-of-data
  const resetToken = crypto.randomBytes(32).toString('hex');
  return resetToken;
}

function loginCheck(user, password) {
  // ruleid: password-compared-in-clear
  if (user.password === password) {
    return true;
  }
  return false;
}

const sameValue = (stored, given) => {
  // ok: password-compared-in-clear
  return stored === given;
};

function comparePassword(stored, given) {
  // ruleid: password-compared-in-clear
  return stored === given;
}

async function loginChecked(user, password, bcrypt) {
  // ok: password-compared-in-clear
  return bcrypt.compare(password, user.password);
}

function findUser(db, email, password) {
  // ruleid: password-compared-in-sql
  return db.query(`SELECT * FROM users WHERE email = ? AND password = ?`, [email, password]);
}
