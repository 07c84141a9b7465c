const util = require('util');

const config = { ...require('./env/all'), ...require('./env/' + process.env.NODE_ENV) };
// ruleid: js-whole-config-logged
console.log(util.inspect(config, false, null));
// ruleid: js-whole-config-logged
console.log('env', process.env);
// ok: js-whole-config-logged
console.log('listening on', config.port);
module.exports = config;
