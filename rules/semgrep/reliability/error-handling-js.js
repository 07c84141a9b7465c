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

function notify(mailer, user) {
  // ruleid: error-replaced-by-fixed-message-js
  mailer.send({ to: user.email }).catch(() => console.log('could not send the e-mail'));
  // ok: error-replaced-by-fixed-message-js
  mailer.send({ to: user.email }).catch((err) => logger.error({ err }, 'could not send the e-mail'));
}

function issueToken(Token, user) {
  const token = new Token({ userId: user.id });
  // ruleid: unawaited-model-save-js
  token.save();
  return token;
}

async function issueTokenAwaited(Token, user) {
  const token = new Token({ userId: user.id });
  // ok: unawaited-model-save-js
  await token.save();
  return token;
}

function issueTokenChained(Token, user) {
  const token = new Token({ userId: user.id });
  // ok: unawaited-model-save-js
  return token.save().then(() => token);
}

module.exports = { load, fire, notify, issueToken, issueTokenAwaited, issueTokenChained, sendReset, saveProfile,
  sendResetLogged, saveProfileForwarded, signIn };

function sendReset(transporter, req, res, next, mail) {
  transporter.sendMail(mail, (err) => {
    // ruleid: error-callback-only-answers-js
    if (err) {
      req.flash('errors', { msg: err.message });
      return res.redirect('/forgot');
    }
    req.flash('info', { msg: 'An e-mail has been sent.' });
    res.redirect('/');
  });
}

function saveProfile(user, res) {
  user.save(function (error) {
    // ruleid: error-callback-only-answers-js
    if (error) {
      res.status(500).send('could not save');
      return;
    }
    res.redirect('/account');
  });
}

function sendResetLogged(transporter, req, res, mail) {
  transporter.sendMail(mail, (err) => {
    // ok: error-callback-only-answers-js
    if (err) {
      logger.error({ err }, 'reset mail failed');
      req.flash('errors', { msg: 'We could not send the e-mail.' });
      return res.redirect('/forgot');
    }
    res.redirect('/');
  });
}

function saveProfileForwarded(user, res, next) {
  user.save((err) => {
    // ok: error-callback-only-answers-js
    if (err) {
      return next(err);
    }
    res.redirect('/account');
  });
}

function signIn(passport, req, res, next) {
  passport.authenticate('local', (err, user, info) => {
    // ok: error-callback-only-answers-js
    if (err) { return next(err); }
    // ok: error-callback-only-answers-js
    if (!user) {
      req.flash('errors', { msg: info.message });
      return res.redirect('/login');
    }
    res.redirect('/');
  })(req, res, next);
}
