function handler(req, res) {
  if (!req.body.name) {
    // ruleid: error-answered-with-200-js
    return res.json({ error: 'name is required' });
  }
  // ok: error-answered-with-200-js
  return res.status(400).json({ error: 'bad' });
}
module.exports = handler;
