"""Inventory fixes from the real-world review: routes on passed-in apps, several Django projects, Flask-WTF
per-form CSRF, list endpoints, classification, and the unattached-route-call warning."""
from __future__ import annotations

import textwrap
from pathlib import Path

from auditor.endpoints import django, express, extract_endpoints, fastapi, flask
from auditor.endpoints.pyast import PyProject
from auditor.inventory import build_inventory
from auditor.model import Endpoint
from auditor.repo import Repository


def make_repo(tmp_path: Path, files: dict[str, str]) -> Repository:
    for rel, text in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return Repository.scan(tmp_path)


def by_route(endpoints: list[Endpoint]) -> dict[tuple[str, str], Endpoint]:
    return {(e.method, e.path): e for e in endpoints}


EXPRESS_SERVER = """
    const express = require('express');
    const session = require('express-session');
    const registerPages = require('./app/pages');
    const app = express();
    app.use(session({ secret: process.env.SECRET }));
    const db = connect();
    registerPages(app, db);
    require('./app/api')(app);
    app.listen(8080);
    """
EXPRESS_PAGES = """
    const ShopHandler = require('./shop');
    const pages = (app, db) => {
        const shop = new ShopHandler(db);
        const mustLogin = shop.requireLogin;
        app.get('/', shop.home);
        app.post('/orders', mustLogin, shop.placeOrder);
        app.get('/orders/:orderId', mustLogin, shop.showOrder);
        app.get('/getCustomers', mustLogin, shop.customers);
    };
    module.exports = pages;
    """
EXPRESS_SHOP = """
    function ShopHandler(db) {
        this.requireLogin = (req, res, next) => req.session.uid ? next() : res.redirect('/login');
        this.home = (req, res) => res.render('home');
        this.placeOrder = (req, res) => {
            db.collection('orders').insertOne({ item: req.body.item });
            res.redirect('/');
        };
        this.showOrder = (req, res) => {
            db.collection('orders').findOne({ _id: req.params.orderId }, (e, o) => res.render('order', o));
        };
        this.customers = (req, res) => {
            db.collection('customers').find({}).toArray((e, rows) => res.render('customers', { rows }));
        };
    }
    module.exports = ShopHandler;
    """
EXPRESS_API = """
    const express = require('express');
    const v1 = express.Router();
    v1.get('/status', (req, res) => res.json({ ok: true }));
    module.exports = function (app) {
        app.use('/api/v1', v1);
        app.delete('/api/cache', (req, res) => res.sendStatus(204));
    };
    """


def test_express_routes_on_an_app_passed_to_an_exported_function(tmp_path):
    repo = make_repo(tmp_path, {"package.json": '{"dependencies": {"express": "4.19.2"}}',
                                "server.js": EXPRESS_SERVER, "app/pages.js": EXPRESS_PAGES,
                                "app/shop.js": EXPRESS_SHOP, "app/api.js": EXPRESS_API})
    eps = by_route(express.extract(repo)[0])
    assert set(eps) == {("GET", "/"), ("POST", "/orders"), ("GET", "/orders/{orderId}"), ("GET", "/getCustomers"),
                        ("GET", "/api/v1/status"), ("DELETE", "/api/cache")}
    order = eps[("POST", "/orders")]
    assert order.authenticated is True                     # mustLogin = shop.requireLogin
    assert order.csrf_applies is True and order.csrf_protected is False   # session registered before routes
    assert order.input_validated is False                  # body of this.placeOrder read from shop.js
    assert any("passed 'app' at server.js:8" in n for n in order.notes)
    assert eps[("GET", "/orders/{orderId}")].authorized is False
    assert eps[("GET", "/getCustomers")].paginated is False  # a list read without a limit
    assert eps[("GET", "/")].authenticated is False
