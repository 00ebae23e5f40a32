"""What people and pipelines read: HTML, results files, JUnit and baseline comparisons.

Everything here is rendered from run directories alone (`loading`), so a report can be rebuilt at
any time with `crosstalk report RUN_DIR`, without re-running a call or reaching a network.

Modules: `loading` (run directory -> records), `results` (results.json, CSV tables), `junit`,
`html` (with `charts`, `timeline`, `audio` and templates/), `compare` (with `stats`), `outputs`
(all of a run's files at once) and `command` (the `report` and `compare` subcommands).
"""
