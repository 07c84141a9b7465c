const axios = require('axios');

// ruleid: js-outbound-call-with-timeout
const pricing = axios.create({ baseURL: process.env.PRICING_URL, timeout: 3000 });
// ruleid: axios-instance-without-timeout
const legacy = axios.create({ baseURL: process.env.LEGACY_URL });

async function quote(itemId) {
  // ruleid: axios-call-without-timeout
  const a = await axios.get(`${process.env.PRICING_URL}/prices/${itemId}`);
  // ruleid: axios-call-without-timeout
  const b = await axios.post('https://events.example.com', { itemId });
  // ruleid: axios-call-without-timeout
  const c = await axios.get('https://x.example.com', { params: { itemId } });
  // ok: axios-call-without-timeout
  // ruleid: js-outbound-call-with-timeout
  const d = await axios.get('https://x.example.com', { timeout: 2000 });
  // ok: axios-call-without-timeout
  // ruleid: js-outbound-call-with-timeout
  const e = await axios.post('https://x.example.com', { itemId }, { timeout: 2000 });
  // ok: axios-call-without-timeout
  const f = await pricing.get(`/prices/${itemId}`);
  return [a, b, c, d, e, f, legacy];
}

async function ship(order) {
  // ruleid: fetch-without-timeout
  const res = await fetch('https://shipping.example.com/quote', { method: 'POST', body: JSON.stringify(order) });
  // ok: fetch-without-timeout
  // ruleid: js-outbound-call-with-timeout
  const ok = await fetch('https://shipping.example.com/quote', { signal: AbortSignal.timeout(5000) });
  return [res, ok];
}

// ruleid: js-outbound-call-with-timeout
axios.defaults.timeout = 5000;

module.exports = { quote, ship, pricing };
