const crypto = require('crypto');

function hashPassword(password) {
  // ruleid: js-fast-hash-for-password
  return crypto.createHash('md5').update(password).digest('hex');
}

function etag(body) {
  // ok: js-fast-hash-for-password
  return crypto.createHash('sha1').update(body).digest('hex');
}

function resetToken() {
  // ruleid: js-insecure-random-for-secret
  const token = Math.random().toString(36).slice(2);
  return token;
}

function resetTokenOk() {
  // ok: js-insecure-random-for-secret
  const token = crypto.randomBytes(32).toString('hex');
  return token;
}

function backoff(attempt) {
  // ok: js-insecure-random-for-secret
  const delay = 100 * 2 ** attempt + Math.random() * 50;
  return delay;
}

function encrypt(key, iv, data) {
  // ruleid: js-weak-cipher
  const weak = crypto.createCipheriv('des-ede3-cbc', key, iv);
  // ruleid: js-weak-cipher
  const ecb = crypto.createCipheriv('aes-128-ecb', key, null);
  // ok: js-weak-cipher
  const gcm = crypto.createCipheriv('aes-256-gcm', key, iv);
  return [weak, ecb, gcm];
}

module.exports = { hashPassword, etag, resetToken, resetTokenOk, backoff, encrypt };

function issueResetToken(faker) {
  // ruleid: js-insecure-random-for-secret
  let token = faker.random.number(99999).toString().padStart(5, '0');
  return token;
}

function sampleName(faker) {
  // ok: js-insecure-random-for-secret
  const displayName = faker.random.word();
  return displayName;
}
