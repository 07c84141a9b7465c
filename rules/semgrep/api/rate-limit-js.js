const express = require('express');
const rateLimit = require('express-rate-limit');

const app = express();
const apiLimiter = rateLimit({ windowMs: 60 * 1000, max: 100 });
const loginLimiter = rateLimit({ windowMs: 15 * 60 * 1000, max: 5 });

// ruleid: global-rate-limit-js
app.use('/api', apiLimiter);
// ruleid: global-rate-limit-js
app.use(rateLimit({ windowMs: 60 * 1000, max: 300 }));
// ok: global-rate-limit-js
app.post('/login', loginLimiter, (req, res) => res.json({}));
