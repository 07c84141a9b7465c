const CircuitBreaker = require('opossum');
const axios = require('axios');

async function price(id) {
  return axios.get(`https://pricing.example.com/${id}`, { timeout: 3000 });
}

// ruleid: circuit-breaker-js
const breaker = new CircuitBreaker(price, { timeout: 3000, errorThresholdPercentage: 50, resetTimeout: 30000 });

// ok: circuit-breaker-js
const cache = new Map();

module.exports = { breaker, cache };
