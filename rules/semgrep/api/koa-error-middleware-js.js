const Koa = require('koa');
const app = new Koa();

app.use(async (ctx, next) => {
  // ruleid: koa-error-middleware-js
  try {
    await next();
  } catch (err) {
    ctx.status = err.status || 500;
    ctx.body = { error: { code: err.code || 'internal', message: err.expose ? err.message : 'internal error' } };
  }
});

module.exports = async function errors(context, next) {
  // ruleid: koa-error-middleware-js
  try {
    await next();
  } catch (error) {
    switch (true) {
      case error.name === 'ValidationError':
        context.response.body = { errors: error.errors };
        context.status = 422;
        break;
      default:
        context.status = 500;
    }
  }
};

// a timing middleware: it awaits the chain but catches nothing
app.use(async (ctx, next) => {
  const start = Date.now();
  await next();
  ctx.set('X-Response-Time', `${Date.now() - start}ms`);
});

app.use(async (ctx, next) => {
  // ok: koa-error-middleware-js
  try {
    await next();
  } catch (err) {
    console.error(err);
    throw err;
  }
});

async function load(ctx, next) {
  // ok: koa-error-middleware-js
  try {
    ctx.state.row = await fetchRow(ctx.params.id);
  } catch (err) {
    ctx.status = 404;
  }
  return next();
}
