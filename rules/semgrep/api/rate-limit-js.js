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

const Koa = require('koa');
const Router = require('@koa/router');
const ratelimit = require('koa-ratelimit');
const bodyParser = require('koa-bodyparser');

const koaApp = new Koa();
const api = new Router({ prefix: '/api' });
const writes = ratelimit({ driver: 'memory', db: new Map(), duration: 60000, max: 30 });

// ruleid: global-rate-limit-js
koaApp.use(ratelimit({ driver: 'memory', db: new Map(), duration: 60000, max: 300 }));
// ruleid: global-rate-limit-js
api.use(writes);
// ok: global-rate-limit-js
koaApp.use(bodyParser());
// ok: global-rate-limit-js
api.post('/login', writes, async (ctx) => { ctx.body = {}; });
