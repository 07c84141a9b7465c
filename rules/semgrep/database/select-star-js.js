const { Pool } = require("pg");
const pool = new Pool();

async function allUsers() {
  // ruleid: sql-select-star-js
  const { rows } = await pool.query("SELECT * FROM users");
  return rows;
}

async function ordersOf(userId) {
  // ruleid: sql-select-star-js
  const { rows } = await pool.query(`SELECT o.* FROM orders o WHERE o.user_id = $1`, [userId]);
  return rows;
}

async function userNames() {
  // ok: sql-select-star-js
  const { rows } = await pool.query("SELECT id, name FROM users LIMIT 50");
  return rows;
}

async function countUsers() {
  // ok: sql-select-star-js
  const { rows } = await pool.query("SELECT count(*) FROM users");
  return rows[0];
}

module.exports = { allUsers, ordersOf, userNames, countUsers };
