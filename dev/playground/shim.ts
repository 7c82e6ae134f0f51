// The google.script.run stand-in injected into the real dist/Sidebar.html in the playground. It
// behaves as Apps Script's does where the sidebar could notice: asynchronous handlers, only the
// server's real function names exist, at most 10 calls in flight, plain data only (JSON), and a
// failure handler that receives an Error. Each call is a POST to the playground server.

/** Browser source of the shim, with the server's function names baked in. */
export function shimScript(functionNames: readonly string[]): string {
  return `(function () {
  'use strict';
  var FUNCTIONS = ${JSON.stringify(functionNames)};
  var MAX_IN_FLIGHT = 10;
  var inFlight = 0;
  function later(fn, value) { setTimeout(function () { if (fn) fn(value); }, 0); }
  function toError(message) { var e = new Error(message); e.name = 'ScriptError'; return e; }
  function plain(value) {
    return JSON.stringify(value, function (key, v) {
      if (this && this[key] instanceof Date) throw toError('Failed due to illegal value in property: ' + key + ' (Date)');
      if (typeof v === 'function') throw toError('Failed due to illegal value in property: ' + key);
      return v;
    });
  }
  function call(name, args, success, failure) {
    var body;
    try { body = plain({ name: name, args: args }); } catch (e) { later(failure, e); return; }
    if (inFlight >= MAX_IN_FLIGHT) { later(failure, toError('Too many simultaneous google.script.run calls (Apps Script allows ' + MAX_IN_FLIGHT + ').')); return; }
    inFlight++;
    fetch('/rpc', { method: 'POST', headers: { 'content-type': 'application/json' }, body: body })
      .then(function (response) { return response.json(); })
      .then(function (result) {
        inFlight--;
        if (result.ok) later(success, result.value); else later(failure, toError(result.error));
        try { window.parent.postMessage({ playground: 'rpc-done', name: name }, '*'); } catch (e) {}
      }, function () {
        inFlight--;
        later(failure, toError('NetworkError: Connection failure due to HTTP 0'));
      });
  }
  function runner(success, failure) {
    var r = {
      withSuccessHandler: function (fn) { return runner(fn, failure); },
      withFailureHandler: function (fn) { return runner(success, fn); },
      withUserObject: function () { return r; }
    };
    FUNCTIONS.forEach(function (name) {
      r[name] = function () { call(name, Array.prototype.slice.call(arguments), success, failure); };
    });
    return r;
  }
  // The add-on ran outside the sidebar (the page moved time and triggers ran, or a menu item ran):
  // the sidebar looks again when it regains focus, as when the user comes back to it in Sheets,
  // so the page gives it that signal.
  window.addEventListener('message', function (event) {
    if (event.origin === location.origin && event.data && event.data.playground === 'look-again') window.dispatchEvent(new Event('focus'));
  });
  window.google = { script: { run: runner(null, null), host: { close: function () {}, setHeight: function () {}, origin: location.origin } } };
})();`;
}
