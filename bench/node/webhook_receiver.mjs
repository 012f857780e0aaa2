#!/usr/bin/env node
// A webhook receiver for the bench: answers every POST with 200 after `latency` ms and counts them (arrival time,
// logto-delivery-id). GET /stats answers the counts; POST /reset?latency=N forgets them and sets the latency.
//
// Usage: node webhook_receiver.mjs <port> [latencyMs]

import http from 'node:http';

const port = Number(process.argv[2]);
let latency = Number(process.argv[3] ?? 0);
let arrivals = [];
let ids = new Set();

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://receiver');
  if (req.method === 'GET' && url.pathname === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count: arrivals.length, unique: ids.size, first: arrivals[0] ?? null,
                             last: arrivals.at(-1) ?? null }));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/reset') {
    arrivals = [];
    ids = new Set();
    latency = Number(url.searchParams.get('latency') ?? latency);
    res.writeHead(204).end();
    return;
  }
  req.on('data', () => {});
  req.on('end', () => {
    arrivals.push(Date.now());
    ids.add(req.headers['logto-delivery-id']);
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    };
    if (latency > 0) setTimeout(answer, latency);
    else answer();
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
