/*
 * Obsess survey widget: one dependency-free script. Add it where the survey should appear:
 *   <script src="https://obsess.example.com/widget/survey.js" data-survey="TOKEN" async></script>
 * Optional: data-lang="de" (else the browser's language), data-touchpoint="checkout", data-channel="web",
 * data-target="#element-id" (render inside that element instead of after the script).
 * It renders in a shadow root (its styles neither leak out nor in), one question at a time with real form
 * controls, saves each answer as it goes, and follows the survey's skip rules as the server reports them.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.getAttribute('data-survey')) { return; }
  var token = script.getAttribute('data-survey');
  var base = new URL(script.src, document.baseURI).origin;
  var api = base + '/s/' + encodeURIComponent(token);
  var wanted = script.getAttribute('data-lang') || (navigator.languages && navigator.languages[0]) || navigator.language || '';
  var touchpoint = script.getAttribute('data-touchpoint');
  var channel = script.getAttribute('data-channel');
  var words = {
    en: { next: 'Next', submit: 'Submit', required: 'required', thanks: 'Thank you! Your answers are saved.', needed: 'This question needs an answer.', failed: 'Your answer could not be saved. Please try again.', of: 'Question {0} of {1}', low: 'lowest', high: 'highest' },
    de: { next: 'Weiter', submit: 'Absenden', required: 'Pflichtfrage', thanks: 'Vielen Dank! Ihre Antworten sind gespeichert.', needed: 'Diese Frage braucht eine Antwort.', failed: 'Ihre Antwort konnte nicht gespeichert werden. Bitte versuchen Sie es erneut.', of: 'Frage {0} von {1}', low: 'niedrigster Wert', high: 'höchster Wert' },
    fr: { next: 'Suivant', submit: 'Envoyer', required: 'obligatoire', thanks: 'Merci ! Vos réponses sont enregistrées.', needed: 'Cette question demande une réponse.', failed: "Votre réponse n'a pas pu être enregistrée. Réessayez.", of: 'Question {0} sur {1}', low: 'le plus bas', high: 'le plus haut' },
    es: { next: 'Siguiente', submit: 'Enviar', required: 'obligatoria', thanks: '¡Gracias! Sus respuestas se han guardado.', needed: 'Esta pregunta necesita una respuesta.', failed: 'No se pudo guardar su respuesta. Inténtelo de nuevo.', of: 'Pregunta {0} de {1}', low: 'mínimo', high: 'máximo' }
  };

  var host = document.createElement('div');
  host.className = 'obsess-survey';
  var targetSelector = script.getAttribute('data-target');
  var target = targetSelector ? document.querySelector(targetSelector) : null;
  if (target) { target.appendChild(host); } else { script.parentNode.insertBefore(host, script.nextSibling); }
  var root = host.attachShadow({ mode: 'open' });

  var css = [
    ':host { all: initial; display: block; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24; line-height: 1.5; }',
    '.box { background: #fff; border: 1px solid #c9ced6; border-radius: 8px; padding: 1rem; max-width: 40rem; }',
    'h2 { font-size: 1.15rem; margin: 0 0 .5rem; }',
    '.progress { color: #4d5560; font-size: .9rem; margin: 0 0 .5rem; }',
    'fieldset { border: 1px solid #c9ced6; border-radius: 8px; margin: 0 0 .75rem; padding: .5rem .75rem .75rem; }',
    'legend, .label { font-weight: 600; padding: 0 .25rem; }',
    '.req { font-weight: 400; color: #4d5560; }',
    '.scale { display: flex; flex-wrap: wrap; gap: .4rem; }',
    '.scale label { display: inline-flex; flex-direction: column; align-items: center; min-width: 2.75rem; min-height: 2.75rem; padding: .3rem; border: 1px solid #c9ced6; border-radius: 6px; cursor: pointer; }',
    '.choice { display: flex; gap: .5rem; align-items: center; min-height: 2.75rem; }',
    'textarea { font: inherit; width: 100%; box-sizing: border-box; padding: .45rem .6rem; border: 1px solid #4d5560; border-radius: 6px; }',
    'button { font: inherit; padding: .5rem 1rem; border-radius: 6px; border: 1px solid #0b57d0; background: #0b57d0; color: #fff; font-weight: 600; cursor: pointer; min-height: 2.75rem; }',
    'button[disabled] { opacity: .6; }',
    ':focus-visible { outline: 3px solid #c2410c; outline-offset: 2px; }',
    '.error { color: #b3261e; margin: .25rem 0 .5rem; }',
    '.error:empty { display: none; }',
    '.hp { position: absolute; left: -10000px; width: 1px; height: 1px; overflow: hidden; }',
    '.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }'
  ].join('\n');
  // A constructed style sheet is not inline style, so a host page's strict style-src policy does not block it.
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } else {
    var style = document.createElement('style');
    style.textContent = css;
    root.appendChild(style);
  }

  var box = el('section', { 'class': 'box' });
  root.appendChild(box);
  var survey = null, t = words.en, path = [], current = null, responseId = null, resumeSecret = null, counter = 0;

  function el(name, attrs, text) {
    var e = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] !== null && attrs[k] !== undefined) { e.setAttribute(k, attrs[k]); } });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function format(s) { var args = arguments; return s.replace(/\{(\d)\}/g, function (_, i) { return args[+i + 1]; }); }

  function question(id) { return survey.questions.filter(function (q) { return q.id === id; })[0]; }

  function status(message, isError) {
    box.textContent = '';
    var p = el('p', { role: isError ? 'alert' : 'status', tabindex: '-1' }, message);
    box.appendChild(p);
    p.focus();
  }

  function render(id, moveFocus) {
    current = question(id);
    box.textContent = '';
    var heading = el('h2', { id: 'title' }, survey.name);
    box.appendChild(heading);
    var index = path.indexOf(id);
    box.appendChild(el('p', { 'class': 'progress' }, format(t.of, index + 1, Math.max(path.length, index + 1))));
    var form = el('form', { novalidate: '', 'aria-labelledby': 'title' });
    var errorId = 'err-' + (++counter);
    var error = el('p', { 'class': 'error', id: errorId, role: 'alert' });
    var q = current, inputName = 'a-' + counter;
    var reqText = q.required ? ' (' + t.required + ')' : '';
    if (q.type === 'text') {
      var label = el('label', { 'for': inputName, 'class': 'label' }, q.label);
      if (reqText) { label.appendChild(el('span', { 'class': 'req' }, reqText)); }
      form.appendChild(label);
      form.appendChild(el('textarea', { id: inputName, name: inputName, rows: '4', maxlength: String(survey.maxTextLength), 'aria-describedby': errorId }));
    } else {
      var fs = el('fieldset', { 'aria-describedby': errorId });
      var legend = el('legend', {}, q.label);
      if (reqText) { legend.appendChild(el('span', { 'class': 'req' }, reqText)); }
      fs.appendChild(legend);
      var wrap = el('div', { 'class': q.options ? 'choices' : 'scale' });
      var items = q.options ? q.options.map(function (o) { return { value: o.id, text: o.label }; }) : [];
      if (!q.options) { for (var v = q.min; v <= q.max; v++) { items.push({ value: String(v), text: String(v) }); } }
      items.forEach(function (item, i) {
        var l = el('label', { 'class': q.options ? 'choice' : null });
        l.appendChild(el('input', { type: q.type === 'multiple' ? 'checkbox' : 'radio', name: inputName, value: item.value }));
        l.appendChild(el('span', {}, item.text));
        if (!q.options && i === 0) { l.appendChild(el('span', { 'class': 'sr' }, ' (' + t.low + ')')); }
        if (!q.options && i === items.length - 1) { l.appendChild(el('span', { 'class': 'sr' }, ' (' + t.high + ')')); }
        wrap.appendChild(l);
      });
      fs.appendChild(wrap);
      form.appendChild(fs);
    }
    form.appendChild(error);
    var hp = el('div', { 'class': 'hp', 'aria-hidden': 'true' });
    hp.appendChild(el('label', { 'for': 'website-' + counter }, 'Website'));
    hp.appendChild(el('input', { id: 'website-' + counter, name: 'website', type: 'text', tabindex: '-1', autocomplete: 'off' }));
    form.appendChild(hp);
    var last = index === path.length - 1 && !(q.hasRules);
    var button = el('button', { type: 'submit' }, last ? t.submit : t.next);
    form.appendChild(button);
    form.addEventListener('submit', function (e) { e.preventDefault(); submit(form, inputName, error, button); });
    box.appendChild(form);
    if (moveFocus) { var first = form.querySelector('input:not([tabindex="-1"]), textarea'); if (first) { first.focus(); } }
  }

  function valueOf(form, name) {
    var q = current;
    var inputs = Array.prototype.slice.call(form.querySelectorAll('[name="' + name + '"]'));
    if (q.type === 'text') { var s = inputs[0].value.trim(); return s === '' ? null : s; }
    var chosen = inputs.filter(function (i) { return i.checked; }).map(function (i) { return i.value; });
    if (chosen.length === 0) { return null; }
    if (q.type === 'multiple') { return chosen; }
    return q.options ? chosen[0] : parseInt(chosen[0], 10);
  }

  function showError(error, message) {
    error.textContent = message;
    var first = error.parentNode.querySelector('input:not([tabindex="-1"]), textarea');
    if (first) { first.setAttribute('aria-invalid', 'true'); first.focus(); }
  }

  function post(body) {
    body.responseId = responseId;
    body.resumeSecret = resumeSecret;
    body.language = survey.language;
    body.touchpoint = touchpoint;
    body.channel = channel;
    return fetch(api + '/responses', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, status: r.status, json: json }; }, function () { return { ok: false, status: r.status, json: {} }; }); });
  }

  function submit(form, name, error, button) {
    var value = valueOf(form, name);
    if (value === null && current.required) { showError(error, t.needed); return; }
    var answers = {};
    answers[current.id] = value;
    button.disabled = true;
    post({ answers: answers, complete: false, website: form.querySelector('[name="website"]').value }).then(function (r) {
      button.disabled = false;
      if (!r.ok) { return failed(r, error); }
      responseId = r.json.responseId;
      if (r.json.resumeSecret) { resumeSecret = r.json.resumeSecret; }
      path = r.json.path;
      var next = path[path.indexOf(current.id) + 1];
      if (next) { render(next, true); return; }
      return post({ answers: {}, complete: true }).then(function (done) {
        if (!done.ok) { return failed(done, error); }
        status(t.thanks, false);
      });
    }, function () { button.disabled = false; showError(error, t.failed); });
  }

  function failed(r, error) {
    var errors = r.json && r.json.errors;
    if (r.status === 400 && errors) {
      var messages = Object.keys(errors).map(function (k) { return errors[k].join(' '); });
      showError(error, messages.join(' '));
    } else if (r.json && r.json.detail) {
      status(r.json.detail, true);
    } else {
      showError(error, t.failed);
    }
  }

  fetch(api + '/survey?lang=' + encodeURIComponent(wanted))
    .then(function (r) { return r.json().then(function (json) { return { ok: r.ok, json: json }; }); })
    .then(function (r) {
      if (!r.ok) { status(r.json.detail || 'This survey is not available.', true); return; }
      survey = r.json;
      host.setAttribute('lang', survey.language);
      t = words[survey.language.split('-')[0]] || words.en;
      path = survey.questions.map(function (q) { return q.id; });
      render(path[0], false);
    }, function () { status('This survey could not be loaded.', true); });
}());
