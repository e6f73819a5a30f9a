// Progressive enhancement for the language switcher on a form (templates/_language.html); the
// pages work without it. A switch is a form post, so its answer keeps the address it was sent
// to, with the old ?lang= (or none): a copied link, a bookmark or a reload would come back in
// the old language. The form's action already names the new one (keep_chosen_language), so the
// address bar is made to show it. Does nothing where they agree, e.g. on a page that was not switched.
(function () {
  "use strict";
  var select = document.getElementById("lang-switch");
  var form = select && select.form;
  if (!form || !select.hasAttribute("form") || !window.history.replaceState) {
    return;
  }
  var chosen = new URL(form.action, document.baseURI).searchParams.get("lang");
  var shown = new URL(window.location.href);
  if (chosen && shown.searchParams.get("lang") !== chosen) {
    shown.searchParams.set("lang", chosen);
    window.history.replaceState(null, "", shown.href);
  }
})();
