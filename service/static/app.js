// pagewash web page: upload pages, follow their jobs, show before/after, OCR text.
// Plain JavaScript against the public API (/v1/jobs); no build step.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const KEY_STORE = "pagewash.apiKey";

function headers() {
  const key = $("#apikey").value.trim();
  return key ? { "X-Api-Key": key } : {};
}

function detail(body, status) {
  if (body && typeof body.detail === "string") return body.detail;
  if (body && Array.isArray(body.detail)) return body.detail.map((d) => d.msg || JSON.stringify(d)).join("; ");
  return `the server answered ${status}`;
}

async function fetchBlob(url) {
  const response = await fetch(url, { headers: headers() });
  if (!response.ok) throw new Error(detail(await response.json().catch(() => null), response.status));
  return response.blob();
}

function newCard(file) {
  const card = $("#card").content.firstElementChild.cloneNode(true);
  $(".name", card).textContent = file.name;
  $("#results").prepend(card);
  const slider = $(".slider", card);
  slider.addEventListener("input", () => {
    $(".after-clip", card).style.clipPath = `inset(0 0 0 ${slider.value}%)`;
  });
  return card;
}

function fail(card, message) {
  $(".status", card).textContent = "rejected";
  const error = $(".error", card);
  error.textContent = message;
  error.hidden = false;
  card.classList.add("failed");
}

// A PDF job's result is a PDF (searchable with OCR): a download link and what happened to its pages.
async function showPdf(card, job, stem, wantText) {
  const pdf = URL.createObjectURL(await fetchBlob(`/v1/jobs/${job.id}/pdf`));
  const link = $(".download-pdf", card);
  link.href = pdf;
  link.download = `${stem}.clean.pdf`;
  link.textContent = wantText ? "Download searchable PDF" : "Download cleaned PDF";
  link.hidden = false;
  $(".download-png", card).hidden = true;
  $(".frame", card).hidden = true;
  $(".slider-label", card).hidden = true;
  const info = $(".pdf-info", card);
  info.textContent = `${job.pages} page(s)` + (job.note ? `: ${job.note}` : "");
  info.hidden = false;
  $(".compare", card).hidden = false;
}

async function showResult(card, job, file, wantText) {
  const stem = file.name.replace(/\.[^.]+$/, "") || "page";
  if (job.kind === "pdf") {
    await showPdf(card, job, stem, wantText);
    if (wantText) await showText(card, job, stem);
    return;
  }
  const png = URL.createObjectURL(await fetchBlob(`/v1/jobs/${job.id}/image`));
  const before = $(".before", card);
  before.onerror = () => { before.src = png; }; // formats the browser cannot show (TIFF): show the result alone
  before.src = URL.createObjectURL(file);
  $(".after", card).src = png;
  const link = $(".download-png", card);
  link.href = png;
  link.download = `${stem}.clean.png`;
  $(".compare", card).hidden = false;
  if (wantText) await showText(card, job, stem);
}

async function showText(card, job, stem) {
  const text = await (await fetchBlob(`/v1/jobs/${job.id}/text`)).text();
  $(".text", card).value = text;
  $(".text-label", card).hidden = false;
  const txt = $(".download-txt", card);
  txt.href = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
  txt.download = `${stem}.txt`;
  txt.hidden = false;
  const copy = $(".copy", card);
  copy.hidden = false;
  copy.onclick = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      $(".text", card).select();
      document.execCommand("copy");
    }
    copy.textContent = "Copied";
    setTimeout(() => { copy.textContent = "Copy text"; }, 1500);
  };
}

async function follow(card, job, file, wantText) {
  const status = $(".status", card);
  for (let delay = 300; ; delay = Math.min(delay * 1.3, 2000)) {
    const response = await fetch(`/v1/jobs/${job.id}`, { headers: headers() });
    const record = await response.json().catch(() => null);
    if (!response.ok) return fail(card, detail(record, response.status));
    status.textContent = record.status + (record.status === "done" ? ` in ${record.timings.total.toFixed(2)} s` : "");
    card.dataset.status = record.status;
    if (record.status === "done") return showResult(card, record, file, wantText);
    if (record.status === "failed") return fail(card, record.error || "the job failed");
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function submit(file) {
  const card = newCard(file);
  const wantText = $("#ocr").checked;
  const form = new FormData();
  form.append("file", file, file.name);
  form.append("ocr", String(wantText));
  form.append("lang", $("#lang").value.trim() || "eng");
  const isPdf = file.type === "application/pdf" || /\.pdf$/i.test(file.name);
  form.append("binarize", String($("#binarize").checked && !isPdf)); // PDF pages stay grey
  if ($("#upscale").checked) form.append("upscale", "auto");
  try {
    const response = await fetch("/v1/jobs", { method: "POST", body: form, headers: headers() });
    const body = await response.json().catch(() => null);
    if (!response.ok) return fail(card, detail(body, response.status));
    $(".status", card).textContent = "queued";
    await follow(card, body, file, wantText);
  } catch (error) {
    fail(card, `could not reach the server: ${error.message}`);
  }
}

function start(files) {
  for (const file of files) submit(file);
}

document.addEventListener("DOMContentLoaded", () => {
  const key = $("#apikey");
  key.value = localStorage.getItem(KEY_STORE) || "";
  key.addEventListener("change", () => localStorage.setItem(KEY_STORE, key.value.trim()));
  $("#upload").addEventListener("submit", (event) => {
    event.preventDefault();
    start($("#files").files);
  });
  const drop = $("#drop");
  drop.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") { event.preventDefault(); $("#files").click(); }
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => { event.preventDefault(); drop.classList.add("over"); });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    start(event.dataTransfer.files);
  });
});
