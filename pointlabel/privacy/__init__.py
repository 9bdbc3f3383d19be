"""Privacy and data governance.

- `redact`: detection (OpenCV's bundled Haar cascades) and the irreversible blur; `Redactor`,
  the hook of `export --redact` and of the app's redacted view (`redacted_view`);
- `regions`: regions from projected 3D boxes (heads, plate zones) and drawn ones
  (`Redaction2D`, `drawn_region` for a drawing tool);
- `redact_dataset`: redacted copies of a dataset's images, or the regions recorded;
- `erase`: erasure on request, with an audit entry and nothing recoverable left;
- `retention`: a period or date per dataset, and what is past it;
- `access_log`: who opened, exported, redacted or erased what;
- `db`: the plain SQL connection (SQLite file or PostgreSQL) the last two use.

Library code only (no Dash, no argparse); the CLI is pointlabel.commands.privacy.
"""
