"""What every edit callback does with an actions.Outcome: unpack it into outputs."""
from __future__ import annotations

from dash import no_update


def unpack(outcome, *fields: str) -> tuple:
    """The outcome's fields as callback outputs, no_update where the outcome has nothing.
    Field names: state, selection, message, goto."""
    values = []
    for name in fields:
        v = getattr(outcome, name)
        values.append(no_update if v is None else v)
    return tuple(values)

