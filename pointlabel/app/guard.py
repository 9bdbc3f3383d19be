"""What `pointlabel serve` puts in front of the app (Flask hooks; no Dash imports):

- **Host check** (DNS rebinding): a request whose `Host` is not one of the names served
  (localhost, 127.0.0.1, ::1, the `--host` address and every `--allowed-host`) gets
  421 Misdirected Request, so a page of another site that re-points its own name at
  127.0.0.1 cannot drive the app from the labeller's browser.
- **Body limit**: a declared `Content-Length` above the limit gets 413 before a byte of the
  body is read; a chunked body is read up to the limit and refused (413) when longer; Flask's
  MAX_CONTENT_LENGTH stands behind both.
- **Callback errors**: Dash's `/_dash-update-component` view is wrapped, so bad input (a
  malformed body, a non-integer frame slider, anything a callback refuses with
  PointlabelError, ValueError, TypeError, KeyError, IndexError) gets a 400 JSON
  `{"error": ...}`; any other failure a 500 JSON with no traceback (the traceback goes to the
  server's log).
- **Token** (until accounts, issue 14): with `auth_token`, every request must carry it as
  `Authorization: Bearer <token>`, the `pointlabel_token` cookie, or `?token=` once (which
  sets the cookie); 401 JSON otherwise.
"""
from __future__ import annotations

import hmac
import io
import ipaddress
import json
import logging

from flask import Response, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from calibration.errors import CalibrationError
from pointlabel.errors import PointlabelError

DISPATCH = "/_dash-update-component"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
TOKEN_COOKIE = "pointlabel_token"
BAD_INPUT = (PointlabelError, CalibrationError, ValueError, TypeError, KeyError, IndexError,
             AttributeError, OverflowError, RecursionError)
log = logging.getLogger("pointlabel.serve")


def is_loopback(host: str) -> bool:
    """`host` (a name or address) only reaches this machine."""
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name of a Host header: 'Example.com:8050' -> 'example.com', '[::1]:80' -> '::1'."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def check_bind(host: str, auth_token: str | None) -> None:
    """Refuse to listen beyond this machine without authentication (PointlabelError)."""
    if not is_loopback(host) and not auth_token:
        raise PointlabelError(
            f"refusing to listen on {host}: that address is reachable from other machines and "
            "anyone reaching it could edit every annotation. Give a token (--auth-token TOKEN or "
            "POINTLABEL_AUTH_TOKEN; labellers open the app once with ?token=TOKEN), or keep the "
            "default 127.0.0.1 and reach it through an SSH tunnel")
    if auth_token is not None and len(auth_token) < 16:
        raise PointlabelError("--auth-token must be at least 16 characters")


def served_names(host: str, allowed_hosts=()) -> set[str]:
    names = {n.lower() for n in LOOPBACK_NAMES}
    names |= {host_name(h) for h in (host, *allowed_hosts) if h}
    names -= {"0.0.0.0", "::", ""}  # wildcard addresses are not names a browser sends
    return names


def _json(status: int, message: str, **extra) -> Response:
    response = Response(json.dumps({"error": message, **extra}), status=status, mimetype="application/json")
    if status == 413:  # the unread body is not drained: the connection ends with the answer
        response.headers["Connection"] = "close"
    return response


def install_guards(server, host: str = "127.0.0.1", allowed_hosts=(), max_body_bytes: int = 4 << 20,
                   auth_token: str | None = None) -> None:
    """Install the checks of the module docstring on a Flask `server` (Dash's `app.server`)."""
    names = served_names(host, allowed_hosts)
    server.config["MAX_CONTENT_LENGTH"] = int(max_body_bytes)
    server.config["MAX_FORM_MEMORY_SIZE"] = int(max_body_bytes)

    def check_request():
        name = host_name(request.host or "")
        if name not in names:
            return _json(421, f"this server does not serve host {name!r}; start it with "
                              f"--allowed-host {name or 'NAME'} to allow that name")
        length = request.content_length
        if length is not None and length > max_body_bytes:
            return _json(413, f"request body of {length} bytes is over the limit of "
                              f"{max_body_bytes} bytes (--max-body-mb)")
        if length is None and _chunked(request.environ) and not _buffer_chunked(request.environ, max_body_bytes):
            return _json(413, f"request body is over the limit of {max_body_bytes} bytes (--max-body-mb)")
        if auth_token is not None and not _authorised(auth_token):
            return _json(401, "authentication required: send 'Authorization: Bearer <token>' "
                              "or open the app once with ?token=<token>")
        return None

    # first, before Dash's own hooks
    server.before_request_funcs.setdefault(None, []).insert(0, check_request)
    if auth_token is not None:
        @server.after_request
        def remember_token(response):
            if request.args.get("token") and hmac.compare_digest(request.args["token"], auth_token):
                response.set_cookie(TOKEN_COOKIE, auth_token, httponly=True, samesite="Strict")
            return response

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_e):
        return _json(413, f"request body is over the limit of {max_body_bytes} bytes (--max-body-mb)")

    wrap_dispatch(server)


def _chunked(environ) -> bool:
    return "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower() or "wsgi.input_terminated" in environ


def _buffer_chunked(environ, max_bytes: int) -> bool:
    """Read a body of unknown length (chunked) up to `max_bytes`; False when it is longer.
    Werkzeug's own cap stops reading at the limit and hands on the truncated body, so the
    body is read here and handed on with its length (nothing beyond the limit is read)."""
    stream, parts, total = environ["wsgi.input"], [], 0
    while total <= max_bytes:
        block = stream.read(min(65536, max_bytes + 1 - total))
        if not block:
            break
        parts.append(block)
        total += len(block)
    if total > max_bytes:
        return False
    environ["wsgi.input"] = io.BytesIO(b"".join(parts))
    environ["CONTENT_LENGTH"] = str(total)
    environ.pop("wsgi.input_terminated", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    return True


def _authorised(token: str) -> bool:
    given = request.headers.get("Authorization", "")
    candidates = [given[7:] if given.lower().startswith("bearer ") else "",
                  request.cookies.get(TOKEN_COOKIE, ""), request.args.get("token", "")]
    return any(c and hmac.compare_digest(c, token) for c in candidates)


def wrap_dispatch(server) -> None:
    """Wrap Dash's callback view: bad input -> 400 JSON, other errors -> 500 JSON, never a
    traceback in the answer."""
    view = server.view_functions.get(DISPATCH)
    if view is None or getattr(view, "_pointlabel_guarded", False):
        return
    from dash.exceptions import PreventUpdate

    def guarded(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except PreventUpdate:
            raise
        except HTTPException as e:  # a body that is too large, not JSON, ...: said in JSON
            return _json(e.code or 400, e.description or e.name)
        except BAD_INPUT as e:
            message = str(e).splitlines()[0][:300] if str(e) else type(e).__name__
            log.warning("callback refused bad input (%s): %s", type(e).__name__, message)
            return _json(400, f"bad callback input: {message}", kind=type(e).__name__)
        except Exception:  # noqa: BLE001 - the answer never carries a traceback
            log.exception("callback failed")
            return _json(500, "internal error (the server's log has the details)")

    guarded._pointlabel_guarded = True
    guarded.__name__ = getattr(view, "__name__", "dispatch")
    server.view_functions[DISPATCH] = guarded
