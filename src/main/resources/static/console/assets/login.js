// The login form posts the CSRF token the server set as a cookie when it served this page.
import { csrfToken } from './console.js';

document.getElementById('csrf').value = csrfToken();
const params = new URLSearchParams(location.search);
const message = document.getElementById('message');
if (params.has('error')) {
  message.textContent = 'Wrong user or password, or too many failed logins from this address: try again.';
  message.hidden = false;
} else if (params.has('out')) {
  message.textContent = 'You are logged out.';
  message.className = 'note';
  message.hidden = false;
}
