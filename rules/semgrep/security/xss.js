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

app.get('/users/:id', async (req, res) => {
  const user = await users.findById(req.params.id);
  // ok: express-response-of-request-data
  res.send(user);
});

app.put('/users/:id', async (req, res) => {
  const updated = await users.updateFromForm(req.params.id, req.body);
  // ok: express-response-of-request-data
  res.send(updated);
});

app.get('/greet', (req, res) => {
  const name = req.query.name.trim();
  // ruleid: express-response-of-request-data
  res.send('Hello ' + name);
});

app.get('/profile', async (req, res) => {
  const user = await users.findById(req.cookies.uid);
  const page = template.replace('_name_', user.name);
  // ruleid: express-response-of-request-data
  res.send(page);
});

app.get('/render', (req, res) => {
  // ok: express-response-of-request-data
  res.render('search', { q: req.query.q });
});

// ---- template engines with escaping switched off globally
const swig = require('swig');
const nunjucks = require('nunjucks');
const Handlebars = require('handlebars');
const { engine } = require('express-handlebars');

// ruleid: js-template-autoescape-disabled
swig.setDefaults({ cache: false, autoescape: false });
// ok: js-template-autoescape-disabled
swig.setDefaults({ cache: false });
// ruleid: js-template-autoescape-disabled
nunjucks.configure('views', { autoescape: false, express: app });
// ok: js-template-autoescape-disabled
nunjucks.configure('views', { autoescape: true, express: app });
// ruleid: js-template-autoescape-disabled
const renderCard = Handlebars.compile(cardSource, { noEscape: true });
// ok: js-template-autoescape-disabled
const renderRow = Handlebars.compile(rowSource);
// ruleid: js-template-autoescape-disabled
app.engine('hbs', engine({ extname: '.hbs', compilerOptions: { noEscape: true } }));
