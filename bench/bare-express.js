// The bench's reference for the cost of an empty request: a bare Express
// "hello world" (the Express the API runs on), started by bench/run.ts as a
// process of its own with the API's Node flags, on the same cores, and loaded
// by autocannon with the same settings as the API's GET /healthcheck.
// Plain JavaScript so that nothing but Express is loaded. PORT, HOST.
'use strict';
const express = require('express');

const app = express();
app.get('/', (_request, response) => {
  response.send('Hello World!');
});
app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
