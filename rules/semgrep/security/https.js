const https = require('https');
const axios = require('axios');
const express = require('express');
const helmet = require('helmet');

const app = express();
// ruleid: js-https-enforced
app.use(helmet());

// ruleid: js-tls-verification-disabled
const agent = new https.Agent({ rejectUnauthorized: false });
// ok: js-tls-verification-disabled
const strictAgent = new https.Agent({ rejectUnauthorized: true, ca: process.env.CA_CERT });

async function quote(order) {
  // ruleid: js-plain-http-service-call
  return axios.post('http://shipping.internal:8080/quote', order);
}

async function local() {
  // ok: js-plain-http-service-call
  return fetch('http://localhost:3000/health');
}

async function secure(order) {
  // ok: js-plain-http-service-call
  return axios.post('https://shipping.internal/quote', order);
}

module.exports = { app, agent, strictAgent };
