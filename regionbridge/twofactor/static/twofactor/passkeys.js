// Passkeys and security keys: the browser's WebAuthn ceremony, between the begin and complete
// views of django-otp-webauthn. Texts come from the page (translated there); nothing inline.
(function () {
  "use strict";
  const root = document.querySelector("[data-passkey]");
  if (!root) return;
  const button = root.querySelector("button");
  const status = root.querySelector("[data-passkey-status]");
  const PKC = window.PublicKeyCredential;
  if (!PKC || !PKC.parseCreationOptionsFromJSON || !PKC.parseRequestOptionsFromJSON) {
    status.textContent = root.dataset.msgUnsupported;
    return;
  }
  button.hidden = false;

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: body === undefined ? "{}" : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.code || "server");
    return data;
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    status.textContent = root.dataset.msgWorking;
    try {
      const options = await post(root.dataset.begin);
      const credential =
        root.dataset.passkey === "register"
          ? await navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) })
          : await navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
      const done = await post(root.dataset.complete, credential.toJSON());
      status.textContent = root.dataset.msgDone;
      window.location.assign(done.redirect_url || root.dataset.done);
    } catch (error) {
      const cancelled = error && (error.name === "NotAllowedError" || error.name === "AbortError");
      status.textContent = cancelled ? root.dataset.msgCancelled : root.dataset.msgFailed;
      button.disabled = false;
    }
  });
})();
