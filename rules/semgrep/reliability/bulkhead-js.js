const { Pool } = require('pg');
const pLimit = require('p-limit');
const https = require('https');

// ruleid: bounded-pool-js
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// ruleid: bounded-pool-js
const limit = pLimit(5);
// ruleid: bounded-pool-js
const agent = new https.Agent({ keepAlive: true, maxSockets: 50 });
// ok: bounded-pool-js
const other = new Pool({ connectionString: process.env.DATABASE_URL });

module.exports = { pool, limit, agent, other };

const { MongoClient } = require('mongodb');
// ruleid: mongo-driver-bounded-pool-js
const mongo = new MongoClient(process.env.MONGODB_URI);
// ok: mongo-driver-bounded-pool-js
const unbounded = new MongoClient(process.env.MONGODB_URI, { maxPoolSize: 0 });
