/**
 * The editor's calls to the REST API's draft routes, signed in by the browser's session: every request
 * carries the page's CSRF token (X-CSRFToken; the API refuses a session request without it) and asks for
 * answers in the page's language. Each answer comes back as its JSON with `status` added (the API's error
 * body: `error`, `message`, `fields`, and `errors` on their elements for a refused deploy); null when the
 * server did not answer (`offline` is told why).
 *
 *   PUT    urls.draft            {bpmn, files, version}  -> 200 the draft with its problems
 *   POST   urls.problems         {bpmn, files}           -> 200 {problems}: what a save would find, not saved
 *   POST   urls.deploy           {version, note}         -> 201 (200: unchanged) {key, version, status}
 *   DELETE urls.draft?version=N                          -> 204
 */

export class DraftApi {
  constructor({ urls, csrf, language, offline }) {
    this.urls = urls;
    this.csrf = csrf;
    this.language = language;
    this.offline = offline;
  }

  async send(method, url, body) {
    const headers = { 'X-CSRFToken': this.csrf, Accept: 'application/json', 'Accept-Language': this.language };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(url, { method, credentials: 'same-origin', headers,
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      this.offline(error);
      return null;
    }
    const answer = response.status === 204 ? {} : await response.json().catch(() => ({}));
    answer.status = response.status;
    return answer;
  }

  save(draft) {
    return this.send('PUT', this.urls.draft, draft);
  }

  check(draft) {
    return this.send('POST', this.urls.problems, draft);
  }

  deploy(request) {
    return this.send('POST', this.urls.deploy, request);
  }

  discard(version) {
    return this.send('DELETE', `${this.urls.draft}?version=${encodeURIComponent(version)}`);
  }
}
