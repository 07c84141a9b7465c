const express = require('express');
const { pool } = require('./db');
const knex = require('./knex');
const sequelize = require('./sequelize');

const router = express.Router();

router.get('/users', async (req, res) => {
  // ruleid: js-sql-built-from-strings
  const result = await pool.query(`SELECT * FROM users WHERE name = '${req.query.name}'`);
  res.json(result.rows);
});

router.get('/orders', async (req, res) => {
  const sql = 'SELECT * FROM orders WHERE status = \'' + req.query.status + '\'';
  // ruleid: js-sql-built-from-strings
  const rows = await pool.query(sql);
  res.json(rows);
});

async function byOwner(owner) {
  // ruleid: js-sql-built-from-strings
  return knex.raw(`SELECT * FROM pets WHERE owner = '${owner}'`);
}

async function report(year) {
  // ruleid: js-sql-built-from-strings
  return sequelize.query('SELECT sum(total) FROM orders WHERE year = ' + year);
}

function direct(req, db) {
  // ruleid: js-sql-built-from-strings
  db.all(req.query.sql, (err, rows) => {});
}

router.get('/users/:id', async (req, res) => {
  // ok: js-sql-built-from-strings
  const result = await pool.query('SELECT * FROM users WHERE id = $1', [req.params.id]);
  res.json(result.rows[0]);
});

async function safeOwner(owner) {
  // ok: js-sql-built-from-strings
  return knex.raw('SELECT * FROM pets WHERE owner = ?', [owner]);
}

async function safeReport(year) {
  // ok: js-sql-built-from-strings
  return sequelize.query('SELECT sum(total) FROM orders WHERE year = :year', { replacements: { year } });
}

async function notSql(http, base, id) {
  // ok: js-sql-built-from-strings
  return http.get(`${base}/users/${id}`);
}

module.exports = router;
