// Sidebar entry: placeholder.
const app = document.getElementById('app');
if (app) app.textContent = 'Crustdata';
