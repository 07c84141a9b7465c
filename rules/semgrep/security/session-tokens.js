const crypto = require('crypto');

async function login(users, email) {
  const user = await users.findOrCreate({ email });
  // ruleid: js-token-is-encoded-user-data
  user.token = Buffer.from(email).toString('base64');
  return user;
}

async function loginRandom(users, email, sessions) {
  const user = await users.findOrCreate({ email });
  // ok: js-token-is-encoded-user-data
  user.token = crypto.randomBytes(32).toString('base64');
  await sessions.save(user.token, user.id);
  return user;
}

function avatarPath(email) {
  // ok: js-token-is-encoded-user-data
  const slug = Buffer.from(email).toString('hex');
  return `/avatars/${slug}.png`;
}
