"""The run directory: its layout, atomic writes, tolerant reads and typed documents.

This package is the one place that names a run directory's files and opens them; every other
module reads and writes session and run files through it.

- `layout`: every file name, and `RunPaths` / `SessionPaths` to find them;
- `files`: atomic writes, JSON and JSON-lines reads that fail with a clear `RunFileError`;
- `models`: the documents read back (session.json, transcript.json and its turns, run.json);
- `documents`: typed reads and writes of those documents.

`layout` and `files` need only the standard library (the pytest plugin imports them);
`models` and `documents` need pydantic.
"""
