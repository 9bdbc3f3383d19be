"""Privacy and data governance: redaction of faces and licence plates in camera images
(`redact`, `regions`), erasure on request (`erase`), retention periods (`retention`) and the
log of who opened, exported, redacted or erased what (`access_log`).

Library code only (no Dash, no argparse); the CLI is pointlabel.commands.privacy.
"""
