// The sign-out confirmation submits itself when scripts run (as oidc-provider's logout page does); without
// JavaScript its button does. A bare GET on /session/end never signs anyone out by itself.
document.querySelector("form[data-logout-confirm]")?.submit();
