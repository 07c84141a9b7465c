import { createConnection, getConnectionOptions } from 'typeorm';
import * as express from 'express';

export const databaseLoader = async () => {
    const options = await getConnectionOptions();
    // ruleid: orm-connection-shared-js
    const connection = await createConnection(Object.assign(options, { synchronize: false }));
    return connection;
};

const app = express();
app.get('/report', async (req, res) => {
    // ok: orm-connection-shared-js
    const perRequest = await createConnection();
    res.json(await perRequest.query('SELECT 1'));
});
