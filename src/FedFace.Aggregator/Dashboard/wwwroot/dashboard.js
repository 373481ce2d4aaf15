// The FedFace dashboard: polls the aggregator's status (the admin service's report as JSON) and redraws. Read-only.
// Every text from the aggregator goes in through textContent, never as HTML: site ids and reasons come from sites.
"use strict";

const refreshMs = Number(document.querySelector('meta[name="refresh-ms"]').content) || 2000;
let chart = null;

function text(id, value) {
  document.getElementById(id).textContent = value;
}

function fixed(value, digits) {
  return value === undefined || value === null ? "–" : Number(value).toFixed(digits);
}

function time(unixMs) {
  return Number(unixMs) > 0 ? new Date(Number(unixMs)).toLocaleTimeString() : "–";
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    const [value, css] = Array.isArray(cell) ? cell : [cell, ""];
    td.textContent = value;
    if (css) td.className = css;
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableId, rows) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren(...rows);
}

function drawChart(rounds) {
  const reported = rounds.filter(r => r.meanLoss !== undefined || r.meanAccuracy !== undefined);
  const data = [
    reported.map(r => Number(r.round)),
    reported.map(r => r.meanLoss === undefined ? null : r.meanLoss),
    reported.map(r => r.meanAccuracy === undefined ? null : r.meanAccuracy),
  ];
  const element = document.getElementById("chart");
  element.dataset.points = String(reported.length);
  if (chart === null) {
    chart = new uPlot({
      width: Math.min(900, window.innerWidth - 60),
      height: 300,
      scales: { x: { time: false }, accuracy: { range: [0, 1] } },
      axes: [
        { label: "round", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] },
        { label: "mean loss", scale: "y" },
        { label: "mean accuracy", scale: "accuracy", side: 1, grid: { show: false } },
      ],
      series: [
        { label: "round" },
        { label: "mean loss", stroke: "#d1495b", width: 2, scale: "y", points: { show: true } },
        { label: "mean accuracy", stroke: "#2e86ab", width: 2, scale: "accuracy", points: { show: true } },
      ],
    }, data, element);
  } else {
    chart.setData(data);
  }
}

function render(report) {
  const round = report.round;
  text("federation", report.federationName);
  text("aggregator-version", report.aggregatorVersion);
  text("round-number", round.number);
  text("stage", round.stage + (round.stage === "collecting updates" || round.stage === "secure aggregation"
    ? ` (${round.answeredSites} of ${round.sampledSites} answered)` : ""));
  text("committed-rounds", `${round.committedRounds} of ${round.totalRounds}`);
  text("model-version", round.modelVersion);
  text("finish-reason", round.finishReason ? `Finished: ${round.finishReason}` : "");
  const privacy = report.privacy;
  text("privacy", privacy ? `${fixed(privacy.epsilonSpent, 3)} / ${fixed(privacy.epsilonTarget, 3)}, δ ${privacy.delta} (${privacy.mode})` : "off");

  fill("sites", report.sites.map(s => row([
    s.siteId,
    [s.live ? "live" : "silent", s.live ? "live" : "silent"],
    time(s.lastSeenUnixMs),
    [s.roundsContributed, "number"],
    [s.roundsNotAccepted, "number"],
    s.rejections.map(r => `round ${r.round}: ${r.reason}`).join("; "),
  ])));
  fill("rounds", report.rounds.slice().reverse().map(r => {
    const tr = row([
      [r.round, "number"],
      [r.committed ? "committed" : "aborted", r.committed ? "" : "aborted"],
      r.committed ? `v${r.modelVersion}` : "–",
      `${r.acceptedSites} / ${r.sampledSites}`,
      [r.totalExamples, "number"],
      [fixed(r.meanLoss, 4), "number"],
      [fixed(r.meanAccuracy, 3), "number"],
      [fixed(r.epsilonSpent, 3), "number"],
      [fixed(r.seconds, 1), "number"],
    ]);
    tr.title = r.outcome;
    return tr;
  }));
  fill("models", report.models.slice().reverse().map(m => row([
    [`v${m.version}`, "number"], [m.round, "number"], [m.sha256, "hash"], [m.signature.slice(0, 32) + "…", "hash"], m.signer,
  ])));
  drawChart(report.rounds);
}

async function refresh() {
  try {
    const response = await fetch("/api/status", { cache: "no-store", credentials: "same-origin" });
    if (!response.ok) throw new Error(`the aggregator answered ${response.status}`);
    render(await response.json());
    text("updated", new Date().toLocaleTimeString());
    document.getElementById("connection").className = "muted";
    text("connection", "live: refreshes every " + (refreshMs / 1000) + " s");
  } catch (error) {
    document.getElementById("connection").className = "error";
    text("connection", `cannot read the status: ${error.message}`);
  } finally {
    setTimeout(refresh, refreshMs);
  }
}

refresh();
