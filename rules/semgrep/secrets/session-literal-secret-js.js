const express = require('express');
const session = require('express-session');
const cookieSession = require('cookie-session');
const cookieParser = require('cookie-parser');

const app = express();

// ruleid: session-literal-secret-js
app.use(session({ secret: 'keyboard cat on the roof', resave: false, saveUninitialized: false }));

// ruleid: session-literal-secret-js
app.use(cookieSession({ name: 'sid', keys: ['first-signing-key', 'second-signing-key'] }));

// ruleid: session-literal-secret-js
app.use(cookieParser('cookie signing words'));

// ok: session-literal-secret-js
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }));

// ok: session-literal-secret-js
app.use(cookieSession({ name: 'sid', keys: [process.env.COOKIE_KEY] }));

// ok: session-literal-secret-js
app.use(cookieParser(process.env.COOKIE_SECRET));

// ok: session-literal-secret-js
app.use(cookieParser());
