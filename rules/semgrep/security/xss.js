const express = require('express');
const escapeHtml = require('escape-html');

const app = express();

app.get('/search', (req, res) => {
  // ruleid: express-response-of-request-data
  res.send(`<p>No results for ${req.query.q}</p>`);
});

app.get('/echo', (req, res) => {
  const name = req.params.name;
  // ruleid: express-response-of-request-data
  res.write('<h1>' + name + '</h1>');
  res.end();
});

app.get('/safe', (req, res) => {
  // ok: express-response-of-request-data
  res.send(`<p>No results for ${escapeHtml(req.query.q)}</p>`);
});

app.get('/json', (req, res) => {
  // ok: express-response-of-request-data
  res.send({ query: req.query.q });
});

app.get('/render', (req, res) => {
  // ok: express-response-of-request-data
  res.render('search', { q: req.query.q });
});
