const { exec, execFile } = require('child_process');
const fs = require('fs');
const path = require('path');
const express = require('express');

const app = express();

app.get('/calc', (req, res) => {
  // ruleid: js-eval-of-data
  res.json({ result: eval(req.query.expr) });
});

app.get('/fn', (req, res) => {
  // ruleid: js-eval-of-data
  const fn = new Function('x', 'return ' + req.query.body);
  res.json({ result: fn(1) });
});

// ok: js-eval-of-data
setTimeout(() => console.log('tick'), 1000);

function sleep(ms) {
  // ok: js-eval-of-data
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function later(code) {
  // ruleid: js-eval-of-data
  setTimeout('run(' + code + ')', 10);
}

app.get('/ping', (req, res) => {
  // ruleid: js-shell-command-from-data
  exec(`ping -c 1 ${req.query.host}`, (err, out) => res.send(out));
});

app.get('/ping2', (req, res) => {
  // ok: js-shell-command-from-data
  execFile('ping', ['-c', '1', req.query.host], (err, out) => res.json({ out }));
});

app.get('/regex', (req, res) => {
  const re = /a+/;
  // ok: js-shell-command-from-data
  res.json({ m: re.exec('aaa' + req.query.s) });
});

app.get('/file', (req, res) => {
  // ruleid: js-path-from-request
  fs.readFile(path.join(__dirname, 'files', req.query.name), (err, data) => res.send(data));
});

app.get('/file2', (req, res) => {
  // ok: js-path-from-request
  res.sendFile(path.basename(req.query.name), { root: path.join(__dirname, 'files') });
});

const Mutation = {
  runReport: {
    type: GraphQLString,
    args: { command: { type: GraphQLString } },
    resolve: async (_root, args, _info) => {
      const command = args.command;
      // ruleid: js-shell-command-from-data
      return exec(command);
    },
  },
};
