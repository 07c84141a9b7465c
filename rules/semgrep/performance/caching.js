const { createClient } = require('redis');
const Redis = require('ioredis');

// ruleid: cache-client-js
const client = createClient({ url: process.env.REDIS_URL });
// ruleid: cache-client-js
const redis = new Redis(process.env.REDIS_URL);
// ok: cache-client-js
const map = new Map();
