// Runs oauth2-mock-server (the npm package, unchanged) on 127.0.0.1 with a port the OS picks,
// and writes one JSON line per token request and per /userinfo call to stdout, so a test can
// count token fetches and see how the client authenticated and which form fields it sent.
//
//   node server.mjs NODE_MODULES_DIR PEM_OUT
//
// The first line it prints, `{"event":"listening","url":"http://127.0.0.1:PORT"}`, says it
// serves; before that it writes the signing key's public half to PEM_OUT (for checking the
// RS256 signatures of the tokens it issues).
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, pemOut] = process.argv.slice(2);
if (!modules || !pemOut) {
  console.error('usage: node server.mjs NODE_MODULES_DIR PEM_OUT');
  process.exit(2);
}
const entry = join(modules, 'oauth2-mock-server', 'dist', 'index.mjs');
const { OAuth2Server } = await import(pathToFileURL(entry).href);

const server = new OAuth2Server();
const jwk = await server.issuer.keys.generate('RS256');
writeFileSync(pemOut, createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }));

const log = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

server.service.on('beforeResponse', (response, req) => {
  // RFC 6749 2.3: HTTP Basic (id and secret form-encoded, then base64) or both in the body.
  const header = req.headers.authorization ?? '';
  const { client_id: bodyId, client_secret: bodySecret, ...fields } = req.body;
  let client = { client_auth: 'none', client_id: bodyId ?? null, client_secret: null };
  if (header.startsWith('Basic ')) {
    const pair = Buffer.from(header.slice(6), 'base64').toString();
    const [id, secret] = [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)];
    const decode = (s) => decodeURIComponent((s ?? '').replace(/\+/g, ' '));
    client = { client_auth: 'basic', client_id: decode(id), client_secret: decode(secret) };
  } else if (bodySecret !== undefined) {
    client = { client_auth: 'body', client_id: bodyId ?? null, client_secret: bodySecret };
  }
  log({
    event: 'token',
    status: response.statusCode,
    ...client,
    fields,
    access_token: response.body.access_token ?? null,
  });
});

server.service.on('beforeUserinfo', (_response, req) => {
  log({ event: 'userinfo', authorization: req.headers.authorization ?? null });
});

await server.start(0, '127.0.0.1');
// The issuer (the tokens' `iss`) is the address the server really answers on.
server.issuer.url = `http://127.0.0.1:${server.address().port}`;
log({ event: 'listening', url: server.issuer.url });
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.stop().finally(() => process.exit(0)));
}
