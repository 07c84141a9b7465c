const logger = require('./logger');

function onLogin(user) {
  // ruleid: security-event-logged-with-actor-js
  logger.info('user logged in', { userId: user.id });
  // ok: security-event-logged-with-actor-js
  logger.info('server started', { port: 3000 });
}
