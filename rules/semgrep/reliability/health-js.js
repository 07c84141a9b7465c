const express = require('express');

const app = express();
const router = express.Router();

// ruleid: health-route-js
app.get('/health', (req, res) => res.json({ status: 'ok' }));

// ruleid: health-route-js
router.get('/ready', async (req, res) => {
  await db.query('SELECT 1');
  res.json({ status: 'ready' });
});

// ok: health-route-js
router.get('/jobs/:id/status', (req, res) => res.json({}));

// ok: health-route-js
app.get('/users', (req, res) => res.json([]));

// ok: health-route-js
const value = cache.get('/health');
