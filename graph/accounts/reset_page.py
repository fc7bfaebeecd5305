"""GET /reset-password?token=...: the page of the emailed password link (a reset, or an employee's
invitation). A plain page with a form; its one inline script sends the form to the `resetPassword` mutation
on this same origin and shows the answer. No external asset: the Content-Security-Policy admits only this
script (by its hash) and requests to this origin.

Opening the page changes nothing (mail scanners open links): only submitting the form uses the token."""

from __future__ import annotations

import base64
import hashlib
import html

from starlette.requests import Request
from starlette.responses import HTMLResponse

RESET_MUTATION = (
    "mutation ResetPassword($token: String!, $newPassword: String!) { resetPassword(token: $token, "
    "newPassword: $newPassword) { __typename ... on InvalidResetToken { message } ... on WeakPassword { message } } }"
)
SCRIPT = """
const form = document.getElementById("reset");
const status = document.getElementById("status");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = form.elements.password.value;
  if (password !== form.elements.repeat.value) { status.textContent = "The two passwords differ."; return; }
  status.textContent = "Saving...";
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({query: form.dataset.mutation,
                            variables: {token: form.elements.token.value, newPassword: password}}),
    });
    const body = await response.json();
    const outcome = body.data && body.data.resetPassword;
    if (outcome && outcome.__typename === "PasswordReset") {
      form.hidden = true;
      status.textContent = "Your password is set. You can sign in with it now.";
    } else {
      const errors = body.errors || [{message: "Please try again later."}];
      status.textContent = outcome ? outcome.message : errors[0].message;
    }
  } catch (error) {
    status.textContent = "The service could not be reached. Please try again.";
  }
});
"""
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Choose your AstroBookings password</title></head>
<body><h1>Choose your AstroBookings password</h1>
<form id="reset" data-mutation="{mutation}">
<input type="hidden" name="token" value="{token}">
<p><label>New password<br><input type="password" name="password" autocomplete="new-password" minlength="10"
maxlength="200" required></label></p>
<p><label>The same again<br><input type="password" name="repeat" autocomplete="new-password" required></label></p>
<p>At least 10 characters, not a common password.</p>
<p><button type="submit">Set the password</button></p>
</form>
<p id="status" role="status"></p>
<script>{script}</script>
</body></html>
"""
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token in the address must not leak to another site
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": f"default-src 'none'; script-src 'sha256-{SCRIPT_HASH}'; connect-src 'self'; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
}


async def reset_page(request: Request) -> HTMLResponse:
    token = request.query_params.get("token", "")[:4096]
    body = PAGE.format(mutation=html.escape(RESET_MUTATION), token=html.escape(token), script=SCRIPT)
    return HTMLResponse(body, headers=HEADERS)
