const mysql = require('mysql');

// ruleid: config-from-environment-js
const port = process.env.PORT || 3000;
// ruleid: config-from-environment-js
const api = process.env.API_URL || "http://localhost:4000";
// ruleid: hardcoded-environment-url-js
const mongo = "mongodb://admin:pw@mongo.internal:27017/app";
// ruleid: hardcoded-database-host-js
const db = mysql.createConnection({ host: 'localhost', user: 'root' });
// ruleid: config-from-environment-js
const db2 = mysql.createConnection({ host: process.env.DB_HOST });

// ruleid: config-file-chosen-at-start-js
const config = require('config');
const origin = config.get('server.baseUrl');

const dotenv = require('dotenv');
// ruleid: config-from-environment-js
dotenv.config({ path: '.env' });
// ruleid: config-from-environment-js
const { value: envVars } = envVarsSchema.validate(process.env);

function start(app, server) {
  // ruleid: hardcoded-listen-port-js
  app.listen(3000);
  // ruleid: config-from-environment-js
  server.listen(process.env.PORT || 8080, () => console.log('up'));
}
