const { Pool } = require('pg');
const mysql = require('mysql');

// ruleid: db-pool-configured-js
const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// ruleid: single-connection-no-pool-js
const conn = mysql.createConnection({ host: process.env.DB_HOST });
// ok: single-connection-no-pool-js
const cache = new Map();
// ruleid: db-pool-configured-js
const pool2 = mysql.createPool({ host: process.env.DB_HOST, connectionLimit: 10 });
