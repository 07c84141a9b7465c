const express = require('express');
const axios = require('axios');
const got = require('got');
const https = require('https');
const fetch = require('node-fetch');

const router = express.Router();
const ALLOWED_HOSTS = new Set(['api.partner.example']);

router.get('/preview', async (req, res) => {
  // ruleid: js-ssrf-request-to-outbound-url
  const response = await fetch(req.query.url);
  res.send(await response.text());
});

router.post('/webhook-test', async (req, res) => {
  const target = req.body.callbackUrl;
  // ruleid: js-ssrf-request-to-outbound-url
  await axios.post(target, { ping: true }, { timeout: 5000 });
  res.sendStatus(204);
});

router.get('/avatar/:host', async (req, res) => {
  const url = `https://${req.params.host}/avatar.png`;
  // ruleid: js-ssrf-request-to-outbound-url
  const body = await got(url).buffer();
  res.type('png').send(body);
});

router.get('/status', (req, res) => {
  // ruleid: js-ssrf-request-to-outbound-url
  https.get(req.query.endpoint, (upstream) => upstream.pipe(res));
});

router.get('/checked', async (req, res) => {
  const url = req.query.url;
  if (!ALLOWED_HOSTS.has(new URL(url).hostname)) {
    return res.status(400).end();
  }
  // ok: js-ssrf-request-to-outbound-url
  const response = await axios.get(url, { timeout: 5000 });
  res.json(response.data);
});

router.get('/fixed', async (req, res) => {
  // ok: js-ssrf-request-to-outbound-url
  const response = await axios.get('https://api.partner.example/status', { params: { q: req.query.q } });
  res.json(response.data);
});

module.exports = router;

// ---- needle, and GraphQL resolver arguments as request data
const needle = require('needle');

app.get('/quote', (req, res) => {
  const url = req.query.base + req.query.symbol;
  // ruleid: js-ssrf-request-to-outbound-url
  return needle.get(url, (err, reply) => res.send(reply.body));
});

const Query = {
  asset: {
    type: GraphQLString,
    args: { name: { type: GraphQLString } },
    resolve: async (_root, args, _context) => {
      const name = args.name;
      // ruleid: js-ssrf-request-to-outbound-url
      const reply = await axios.get(`http://assets.internal/files/${name}`);
      return reply.data;
    },
  },
  status: {
    type: GraphQLString,
    resolve: async (_root, args, context) => {
      // ok: js-ssrf-request-to-outbound-url
      const reply = await axios.get(context.config.statusUrl);
      return reply.data;
    },
  },
};

// ---- the target written in the code: request data only picks a path or query there
app.get('/translate', async (req, res) => {
  // ok: js-ssrf-request-to-outbound-url
  const reply = await axios.post(`https://api.translator.example/translate?from=${req.query.from}&to=${req.query.to}`,
    [{ text: req.body.text }], { headers: { 'X-Trace': req.headers['x-trace'] } });
  res.json(reply.data);
});

app.get('/products/:slug', async (req, res) => {
  // ok: js-ssrf-request-to-outbound-url
  const reply = await fetch('https://catalogue.example.com/products/' + req.params.slug);
  res.json(await reply.json());
});

app.get('/assets-search', async (req, res) => {
  // ok: js-ssrf-request-to-outbound-url
  const reply = await axios.get(`http://assets.internal/search?q=${req.query.q}`);
  res.json(reply.data);
});

app.get('/tenant', async (req, res) => {
  // ruleid: js-ssrf-request-to-outbound-url
  const reply = await fetch(`https://${req.query.tenant}.example.com/status`);
  res.json(await reply.json());
});

app.get('/legacy/:page', async (req, res) => {
  // ruleid: js-ssrf-request-to-outbound-url
  const reply = await axios.get('http://10.0.3.7:8080/pages/' + req.params.page);
  res.send(reply.data);
});
