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

const MongoClient = require('mongodb').MongoClient;
const express = require('express');
const app = express();

// ruleid: mongo-client-shared-js
MongoClient.connect(process.env.MONGODB_URI, (err, db) => {
  app.locals.db = db;
});

app.get('/orders', async (req, res) => {
  // ok: mongo-client-shared-js
  const client = new MongoClient(process.env.MONGODB_URI);
  res.json(await client.db().collection('orders').find().limit(50).toArray());
});

const knexFactory = require('knex');
const knexfile = require('./knexfile');
// ruleid: knex-instance-shared-js
const db = knexFactory(knexfile);
// ruleid: knex-instance-shared-js
const reports = require('knex')({ client: 'pg', connection: process.env.REPORTS_URL });
// ok: knex-instance-shared-js
const rows = db('orders').where({ status: 'open' });
// ok: knex-instance-shared-js
const count = knexFactory.raw('select 1');
