"""A report protected by a passphrase: the finished page, encrypted, inside a small opener page.

:func:`protect_html` takes the finished report (one HTML document) and returns another single,
offline HTML file that holds it only as ciphertext:

* key: PBKDF2-HMAC-SHA256 of the passphrase with a random 16-byte salt and
  :data:`PBKDF2_ITERATIONS` iterations (600,000: OWASP's 2023 guidance for PBKDF2-SHA256);
* cipher: AES-256-GCM with a random 12-byte nonce; the format line (version, KDF, iterations) is
  bound to the ciphertext as associated data, so it cannot be altered unnoticed.

The opener asks for the passphrase, derives the key and decrypts with the browser's WebCrypto,
then replaces itself with the report (``document.write``). A wrong passphrase fails the GCM tag
check: nothing is shown but a message. The opener's Content-Security-Policy forbids every request
and allows exactly the scripts it knows: its own decryptor and the report's inline scripts
(Plotly's bundle and each chart), by their SHA-256 hashes; the report's own policy is rewritten
to the same hashes. No ``'unsafe-inline'`` and no ``'unsafe-eval'`` for scripts.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re

__all__ = ["PBKDF2_ITERATIONS", "protect_html", "script_hashes"]

#: PBKDF2-HMAC-SHA256 iterations (OWASP Password Storage Cheat Sheet, 2023: 600,000).
PBKDF2_ITERATIONS = 600_000
_FORMAT = "tipoff-report/1 aes-256-gcm pbkdf2-sha256"

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">', re.I)

_DECRYPTOR = """
(function () {
  var box = document.getElementById('tipoff-payload');
  var form = document.getElementById('tipoff-open');
  var input = document.getElementById('tipoff-passphrase');
  var status = document.getElementById('tipoff-status');
  function bytes(b64) {
    var s = atob(b64), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var pass = input.value;
    input.value = '';
    status.textContent = 'Opening\\u2026';
    status.className = '';
    var enc = new TextEncoder();
    var iterations = parseInt(box.dataset.iterations, 10);
    crypto.subtle.importKey('raw', enc.encode(pass), 'PBKDF2', false, ['deriveKey'])
      .then(function (base) {
        return crypto.subtle.deriveKey(
          {name: 'PBKDF2', hash: 'SHA-256', salt: bytes(box.dataset.salt), iterations: iterations},
          base, {name: 'AES-GCM', length: 256}, false, ['decrypt']);
      })
      .then(function (key) {
        return crypto.subtle.decrypt(
          {name: 'AES-GCM', iv: bytes(box.dataset.nonce),
           additionalData: enc.encode(box.dataset.format)},
          key, bytes(box.textContent.trim()));
      })
      .then(function (plain) {
        var page = new TextDecoder().decode(plain);
        document.open();
        document.write(page);
        document.close();
      }, function () {
        status.textContent = 'Wrong passphrase (or a damaged file): nothing was decrypted.';
        status.className = 'bad';
        input.focus();
      });
  });
})();
"""

_STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
input{font:inherit;padding:.4rem;width:70%}button{font:inherit;padding:.4rem .8rem}
.bad{color:#a00;font-weight:bold}.small{font-size:.85rem;color:#555}
"""

_SHELL = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Protected tipoff report</title>
<style>{style}</style>
</head>
<body>
<h1>Protected report</h1>
<p>This tipoff report is encrypted. Type its passphrase to open it; it is decrypted here, in this
browser, and nothing is sent anywhere.</p>
<form id="tipoff-open" autocomplete="off">
<label for="tipoff-passphrase">Passphrase</label><br>
<input type="password" id="tipoff-passphrase" autofocus>
<button type="submit">Open</button>
</form>
<p id="tipoff-status" role="status" aria-live="polite"></p>
<p class="small">AES-256-GCM, key from PBKDF2-SHA256 ({iterations} iterations). Opening takes a
second or two. Needs a browser with JavaScript on.</p>
<script type="application/octet-stream" id="tipoff-payload" data-format="{format}"
 data-iterations="{iterations}" data-salt="{salt}" data-nonce="{nonce}">
{payload}
</script>
<script>{decryptor}</script>
</body>
</html>
"""


def _sha256(text: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    )


def script_hashes(page: str, /) -> list[str]:
    """CSP hash sources (``'sha256-...'``) of every inline script of ``page`` that runs."""
    hashes = []
    for m in _SCRIPT.finditer(page):
        attrs = m.group("attrs").lower()
        if "src=" in attrs or ("type=" in attrs and "javascript" not in attrs):
            continue
        hashes.append(_sha256(m.group("body")))
    return list(dict.fromkeys(hashes))


def _policy(hashes: list[str]) -> str:
    return (
        f"default-src 'none'; script-src {' '.join(hashes)}; style-src 'unsafe-inline'; "
        "img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; "
        "form-action 'none'"
    )


def protect_html(page: str, passphrase: str, /, *, iterations: int = PBKDF2_ITERATIONS) -> str:
    """``page`` encrypted with ``passphrase`` inside an offline opener page (see the module).

    Parameters
    ----------
    page
        The finished report, one HTML document.
    passphrase
        What the reader types to open it (never stored in the file).
    iterations
        PBKDF2-SHA256 iterations; at least 600,000.

    Returns
    -------
    str
        The opener page: one HTML file with no plaintext of ``page``.
    """
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    if not passphrase:
        raise ValueError("an empty passphrase protects nothing")
    if iterations < PBKDF2_ITERATIONS:
        raise ValueError(f"at least {PBKDF2_ITERATIONS} PBKDF2 iterations")
    inner_hashes = script_hashes(page)
    page = _CSP_META.sub(  # the report's own policy: the same hashes instead of 'unsafe-inline'
        lambda _m: f'<meta http-equiv="Content-Security-Policy" content="{_policy(inner_hashes)}">',
        page,
        count=1,
    )
    salt, nonce = os.urandom(16), os.urandom(12)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    key = kdf.derive(passphrase.encode("utf-8"))
    sealed = AESGCM(key).encrypt(nonce, page.encode("utf-8"), _FORMAT.encode("ascii"))
    payload = base64.b64encode(sealed).decode("ascii")
    lines = "\n".join(payload[i : i + 120] for i in range(0, len(payload), 120))
    csp = _policy([_sha256(_DECRYPTOR), *inner_hashes])
    return _SHELL.format(
        csp=html.escape(csp),
        style=_STYLE,
        iterations=iterations,
        format=_FORMAT,
        salt=base64.b64encode(salt).decode(),
        nonce=base64.b64encode(nonce).decode(),
        payload=lines,
        decryptor=_DECRYPTOR,
    )
