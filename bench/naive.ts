// The baseline of scenario 2: a custom function written the way generic JSON importers work
// (IMPORTJSON and its kind): one UrlFetchApp.fetch per cell, no cache, no batching, no pacing, a
// failed fetch thrown into the cell. Apps Script source, loaded into the emulator on its own.
import { DEFAULT_FIELDS } from '../src/core/catalog';
import { API_VERSION } from '../dev/mock-api/handler';

export const NAIVE_FUNCTION = 'NAIVE_ENRICH';
export const NAIVE_KEY_PROPERTY = 'CRUSTDATA_KEY';

export const NAIVE_SOURCE = `
/**
 * One person per call, straight from the API.
 * @customfunction
 */
function ${NAIVE_FUNCTION}(identifier) {
  var id = String(identifier == null ? '' : identifier).trim();
  if (!id) return '';
  var body = { fields: ${JSON.stringify(DEFAULT_FIELDS)} };
  body[id.indexOf('@') > 0 ? 'business_emails' : 'professional_network_profile_urls'] = [id];
  var response = UrlFetchApp.fetch('https://api.crustdata.com/person/enrich', {
    method: 'post',
    contentType: 'application/json',
    headers: {
      authorization: 'Bearer ' + PropertiesService.getScriptProperties().getProperty('${NAIVE_KEY_PROPERTY}'),
      'x-api-version': '${API_VERSION}'
    },
    payload: JSON.stringify(body)
  });
  var entries = JSON.parse(response.getContentText());
  // The best-scored candidate: the baseline is about requests, not about picking the wrong person.
  var match = ((entries[0] && entries[0].matches) || []).reduce(function (best, m) {
    return !best || (m.confidence_score || 0) > (best.confidence_score || 0) ? m : best;
  }, null);
  if (!match) return 'Not found';
  var person = match.person_data || {};
  var row = ${JSON.stringify(DEFAULT_FIELDS)}.map(function (path) {
    var value = path.split('.').reduce(function (node, key) { return node == null ? null : node[key]; }, person);
    return value == null ? '' : typeof value === 'object' ? JSON.stringify(value) : value;
  });
  return [row];
}
`;
