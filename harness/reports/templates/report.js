// crosstalk report: seek the call's audio from the transcript, timeline and tables; play one
// turn, one side or both; filters; print.
(function () {
  "use strict";

  function sessionOf(element) {
    var target = element.getAttribute("data-target");
    return target ? document.getElementById(target) : element.closest("details.session");
  }

  function audioOf(session) {
    return session ? session.querySelector("audio") : null;
  }

  // One turn, both sides or one: the recording is stereo (caller left, agent right), so Web
  // Audio routes the chosen channel to both ears; a turn's playback stops at the turn's end.
  function router(audio) {
    if (audio.crosstalkRoute !== undefined) return audio.crosstalkRoute;
    var Context = window.AudioContext || window.webkitAudioContext;
    audio.crosstalkRoute = null;
    // a linked file on a file:// page is another origin: Web Audio would hear only silence
    if (!Context || audio.currentSrc.indexOf("data:") !== 0) return null;
    var context = new Context();
    var split = context.createChannelSplitter(2);
    var merge = context.createChannelMerger(2);
    context.createMediaElementSource(audio).connect(split);
    var gains = {};
    [["left", 0, [0]], ["right", 1, [1]], ["caller", 0, [0, 1]], ["agent", 1, [0, 1]]].forEach(
      function (path) {
        var gain = context.createGain();
        split.connect(gain, path[1]);
        path[2].forEach(function (output) { gain.connect(merge, 0, output); });
        gains[path[0]] = gain;
      });
    merge.connect(context.destination);
    audio.crosstalkRoute = { context: context, gains: gains };
    return audio.crosstalkRoute;
  }

  function listenTo(audio, side) {
    audio.setAttribute("data-channel", side);
    var route = router(audio);
    if (!route) return;
    if (route.context.state === "suspended") route.context.resume();
    var on = { left: side === "both", right: side === "both", caller: side === "caller",
               agent: side === "agent" };
    Object.keys(route.gains).forEach(function (name) {
      route.gains[name].gain.value = on[name] ? 1 : 0;
    });
  }

  function stopAtTurnEnd(audio) {
    var end = parseFloat(audio.getAttribute("data-stop-at"));
    if (!isFinite(end)) return;
    if (audio.currentTime >= end || audio.paused) {
      if (!audio.paused) audio.pause();
      audio.removeAttribute("data-stop-at");
      return;
    }
    window.requestAnimationFrame(function () { stopAtTurnEnd(audio); });
  }

  function playTurn(button) {
    var turn = button.closest(".turn");
    var audio = audioOf(sessionOf(turn));
    var start = parseFloat(turn.getAttribute("data-seek"));
    var end = parseFloat(turn.getAttribute("data-end"));
    if (!audio || !isFinite(start) || !isFinite(end)) return;
    listenTo(audio, button.getAttribute("data-play"));
    audio.setAttribute("data-stop-at", end);
    audio.currentTime = Math.max(0, start);
    var playing = audio.play();
    var follow = function () { stopAtTurnEnd(audio); };
    if (playing && playing.then) playing.then(follow, function () { /* autoplay refused */ });
    else follow();
  }

  function seek(session, seconds) {
    var audio = audioOf(session);
    if (!audio || !isFinite(seconds)) return;
    audio.removeAttribute("data-stop-at");
    if (audio.hasAttribute("data-channel")) listenTo(audio, "both");
    audio.currentTime = Math.max(0, seconds);
    var playing = audio.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay may be refused */ });
  }

  function flashTurn(session, number) {
    var turn = session && session.querySelector('.turn[data-turn="' + number + '"]');
    if (!turn) return null;
    turn.scrollIntoView({ block: "center", behavior: "smooth" });
    turn.classList.remove("flash");
    void turn.offsetWidth;
    turn.classList.add("flash");
    return turn;
  }

  document.addEventListener("click", function (event) {
    var play = event.target.closest(".play-turn button[data-play]");
    if (play) {
      event.stopPropagation();
      playTurn(play);
      return;
    }
    var evidence = event.target.closest("button.evidence");
    if (evidence) {
      var session = sessionOf(evidence);
      var turn = flashTurn(session, evidence.getAttribute("data-turn"));
      if (turn) seek(session, parseFloat(turn.getAttribute("data-seek")));
      return;
    }
    var seekable = event.target.closest("[data-seek]");
    if (seekable) seek(sessionOf(seekable), parseFloat(seekable.getAttribute("data-seek")));
  });

  document.addEventListener("keydown", function (event) {
    if ((event.key === "Enter" || event.key === " ") && event.target.classList.contains("turn")) {
      event.preventDefault();
      seek(sessionOf(event.target), parseFloat(event.target.getAttribute("data-seek")));
    }
  });

  // Follow playback: move the timeline's playhead and highlight the turn being heard.
  document.querySelectorAll("details.session audio").forEach(function (audio) {
    var session = audio.closest("details.session");
    var svg = session.querySelector("svg.timeline");
    var desc = svg && svg.querySelector("desc");
    var head = svg && svg.querySelector(".playhead");
    var turns = Array.prototype.slice.call(session.querySelectorAll(".turn"));
    audio.addEventListener("timeupdate", function () {
      var t = audio.currentTime;
      if (head && desc) {
        var x = parseFloat(desc.getAttribute("data-left")) + t * parseFloat(desc.getAttribute("data-scale"));
        head.setAttribute("x1", x);
        head.setAttribute("x2", x);
      }
      turns.forEach(function (turn) {
        var start = parseFloat(turn.getAttribute("data-seek"));
        var end = parseFloat(turn.getAttribute("data-end"));
        turn.classList.toggle("playing", t >= start && t < end);
      });
    });
  });

  // Filters by tag, persona and outcome, on every element marked sess-filter.
  var tag = document.getElementById("filter-tag");
  var persona = document.getElementById("filter-persona");
  var failed = document.getElementById("filter-failed");
  var count = document.getElementById("filter-count");
  function applyFilters() {
    var shown = 0, total = 0;
    document.querySelectorAll(".sess-filter").forEach(function (element) {
      var tags = (element.getAttribute("data-tags") || "").split(" ");
      var ok = (!tag.value || tags.indexOf(tag.value) >= 0) &&
        (!persona.value || element.getAttribute("data-persona") === persona.value) &&
        (!failed.checked || element.getAttribute("data-outcome") !== "passed");
      element.classList.toggle("hidden", !ok);
      if (element.tagName === "DETAILS") { total += 1; if (ok) shown += 1; }
    });
    count.textContent = shown + " of " + total + " calls shown";
  }
  [tag, persona, failed].forEach(function (control) {
    if (control) control.addEventListener("change", applyFilters);
  });
  if (tag && persona && failed && count) applyFilters();

  // Agent events: a checkbox per kind shows or hides that kind's rows.
  document.querySelectorAll(".ev-filter input[data-kind]").forEach(function (box) {
    box.addEventListener("change", function () {
      var table = box.closest("details").querySelector("table");
      table.querySelectorAll('tr[data-kind="' + box.getAttribute("data-kind") + '"]').forEach(
        function (row) { row.classList.toggle("hidden", !box.checked); });
    });
  });

  // On a phone, table rows become cards: each cell is labelled with its column's header.
  document.querySelectorAll("table.grid").forEach(function (table) {
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, index) {
        if (!cell.hasAttribute("colspan")) cell.setAttribute("data-label", headers[index] || "");
      });
    });
  });

  // Printing shows every call, open.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
  });
})();
