const express = require('express');
const { Queue } = require('bullmq');
const nodemailer = require('nodemailer');

// ruleid: background-job-js
const emails = new Queue('emails', { connection: { host: process.env.REDIS_HOST } });
const transport = nodemailer.createTransport({ host: process.env.SMTP_HOST });
const app = express();

app.post('/signup', async (req, res) => {
  // ruleid: heavy-work-in-request-handler-js
  await transport.sendMail({ to: req.body.email, subject: 'Welcome' });
  res.status(201).end();
});

app.post('/signup-queued', async (req, res) => {
  // ok: heavy-work-in-request-handler-js
  await emails.add('welcome', { to: req.body.email });
  res.status(201).end();
});
