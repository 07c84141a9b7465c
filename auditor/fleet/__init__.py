"""`auditor fleet`: audit every repository of an organisation on a Dask cluster, with an organisation scorecard.

- targets.py: the list of targets (a targets file, its TOML/YAML form, or a folder of checkouts);
- resume.py: what identifies a finished audit (commit, rules, config), so an unchanged target is skipped;
- task.py: one target's audit on a worker, exactly as `auditor audit` does it;
- cluster.py: the Dask client (an embedded LocalCluster or an existing scheduler);
- runner.py: the run: submit, collect, write each report atomically, record it in the database;
- store.py: the SQLite database (runs, targets, items, violations) and its export;
- aggregate.py / render.py: fleet.json, fleet.html and fleet.md from the database.
"""
