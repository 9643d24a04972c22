// The browser test of the built book (`scripts/book check`).
//
// mdbook and its link check read the book's sources; neither runs the pages. A page can
// build without a warning and still be broken for the reader: a script that throws, a
// stylesheet or picture that is not there, a code block left empty by an include that
// matched nothing, a search that finds nothing. This opens every page of book/build/html in
// a real browser (Debian's chromium, driven by playwright-core), the way a learner would,
// and fails, naming the page, on any of those. It also uses the search box once, and saves
// screenshots of three pages to target/book-check/screenshots/ for a person to look at.
//
// The machine may have no network: the pages are served from 127.0.0.1 by this script,
// and chromium is started with the flags that keep it from reaching out on its own.
//
// Run it through `scripts/book check`, which builds the book and installs chromium and
// playwright-core first. Environment: CHROMIUM (default /usr/bin/chromium), BOOK_HTML
// (default book/build/html).

import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const site = path.resolve(process.env.BOOK_HTML ?? path.join(repo, "book", "build", "html"));
const screenshotDir = path.join(repo, "target", "book-check", "screenshots");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";

// Exactly these flags, and none of Playwright's own defaults (ignoreDefaultArgs below), for
// a machine with no network: without the background-networking ones chromium keeps trying
// to reach Google's hosts. launch() adds the two that Playwright cannot do without:
// --user-data-dir (a fresh, empty folder) and --remote-debugging-pipe (how it talks to
// chromium).
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Every wait is bounded, and so is the whole run: a hung browser fails the check.
const LAUNCH_TIMEOUT_MS = 20_000; // chromium's first start on a cold disk can be slow
const PAGE_TIMEOUT_MS = 10_000; // loading one page from loopback, with its scripts
const WAIT_TIMEOUT_MS = 5_000; // anything on a loaded page: search results, images
const OVERALL_TIMEOUT_MS = 180_000;

// The search: a word that the lesson's chapter has, and the page it must be found on.
const SEARCH_WORD = "stampede";
const SEARCH_PAGE = "11_cache_stampede.html";

// Pages saved as full-page PNGs: the introduction, a lesson with code and a picture, and
// a solution.
const SCREENSHOTS = {
  "index.html": "index.png",
  "11_cache_stampede.html": "11_cache_stampede.png",
  "solutions/ex08_singleflight.html": "solutions_ex08_singleflight.png",
};

// Pages that are not chapters, with why they get fewer checks. They are still opened and
// must load with no error, but have no <main> with an h1 of their own.
const NOT_CHAPTERS = {
  // mdbook's sidebar for browsers without JavaScript (shown in an iframe): a list of links.
  "toc.html": "the sidebar for browsers without JavaScript",
};

// What the server below answers each kind of file as.
const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".eot": "application/vnd.ms-fontobject",
  ".otf": "font/otf",
  ".txt": "text/plain; charset=utf-8",
};

const started = Date.now();

// Counts for the summary line, over all pages.
const totals = {
  pages: 0,
  failed_pages: 0,
  console_errors: 0,
  page_errors: 0,
  failed_requests: 0,
  http_errors: 0,
  empty_code_blocks: 0,
  missing_main: 0,
  code_blocks: 0,
  images: 0,
  external_requests: 0,
  search: "not run",
};

let server;
let context;
let userDataDir;
// What the run is doing now, for the message if it runs out of time.
let doing = "starting";

// --- the whole run, bounded ----------------------------------------------------------

const overall = setTimeout(() => {
  console.error(
    `book-check: FAILED: still running after ${OVERALL_TIMEOUT_MS / 1000} s; ` +
      `chromium probably hung while ${doing}`,
  );
  // Playwright kills the chromium it started when this process exits.
  cleanupSync();
  process.exit(1);
}, OVERALL_TIMEOUT_MS);

try {
  const failures = await main();
  clearTimeout(overall);
  console.log(
    Object.entries({ ...totals, elapsed_ms: Date.now() - started })
      .map(([key, value]) => `${key}=${value}`)
      .join(" "),
  );
  if (failures.length > 0) {
    console.error(`\nbook-check: FAILED, ${failures.length} problem(s):`);
    for (const failure of failures) console.error(`  ${failure}`);
    process.exitCode = 1;
  } else {
    console.log("book-check: every page rendered cleanly");
  }
} catch (error) {
  clearTimeout(overall);
  console.error(`book-check: FAILED: ${error.message}`);
  process.exitCode = 1;
} finally {
  doing = "closing chromium";
  await cleanup();
}
// Exit now, even if a connection to a chromium that would not close is still open.
process.exit();

async function main() {
  if (!fs.existsSync(path.join(site, "index.html"))) {
    throw new Error(`no ${path.join(site, "index.html")}: build the book first (scripts/book build)`);
  }
  const pages = listPages(site);
  const origin = await serve(site);
  doing = `starting ${executablePath}`;
  context = await launch();

  const failures = [];
  for (const page of pages) {
    doing = `checking ${page}`;
    const problems = await checkPage(origin, page);
    totals.pages++;
    if (problems.length > 0) {
      totals.failed_pages++;
      for (const problem of problems) failures.push(`${page}: ${problem}`);
    }
  }
  doing = "using the search box";
  const searchProblem = await checkSearch(origin);
  totals.search = searchProblem ? "failed" : "ok";
  if (searchProblem) failures.push(`search: ${searchProblem}`);
  return failures;
}

// --- the pages --------------------------------------------------------------------

// Every .html file of the built book, as paths relative to it ("solutions/index.html"),
// the introduction first and the rest in order.
function listPages(dir) {
  const pages = [];
  const walk = (relative) => {
    for (const entry of fs.readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const name = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) walk(name);
      else if (entry.name.endsWith(".html")) pages.push(name);
    }
  };
  walk("");
  pages.sort((a, b) => (a === "index.html" ? -1 : b === "index.html" ? 1 : a.localeCompare(b)));
  return pages;
}

// Opens one page, waits for it to load, and returns what is wrong with it (an empty list
// when nothing is). Prints one line for the page.
async function checkPage(origin, name) {
  const pageStarted = Date.now();
  const problems = [];
  const page = await context.newPage();
  const loopback = (url) => url.startsWith(origin + "/");

  page.on("console", (message) => {
    if (message.type() !== "error") return;
    totals.console_errors++;
    const where = message.location();
    const at = where?.url ? ` (at ${where.url}:${where.lineNumber})` : "";
    problems.push(`console error: ${message.text()}${at}`);
  });
  page.on("pageerror", (error) => {
    totals.page_errors++;
    problems.push(`uncaught exception: ${error.message}`);
  });
  page.on("requestfailed", (request) => {
    if (!loopback(request.url())) return; // counted by the route below
    totals.failed_requests++;
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on("response", (response) => {
    if (!loopback(response.url()) || response.status() < 400) return;
    totals.http_errors++;
    problems.push(`HTTP ${response.status()} for ${response.url()} (a file missing from the build?)`);
  });

  let facts = null;
  try {
    const response = await page.goto(`${origin}/${name}`, {
      waitUntil: "load",
      timeout: PAGE_TIMEOUT_MS,
    });
    if (!response || !response.ok()) {
      problems.push(`the page itself answered ${response ? response.status() : "nothing"}`);
    }
    facts = await inspect(page);
    await waitForImages(page, problems);
    if (SCREENSHOTS[name]) {
      await fsp.mkdir(screenshotDir, { recursive: true });
      await page.screenshot({
        path: path.join(screenshotDir, SCREENSHOTS[name]),
        fullPage: true,
        timeout: PAGE_TIMEOUT_MS,
      });
    }
  } catch (error) {
    problems.push(
      /Timeout/.test(error.message)
        ? `did not finish loading within ${PAGE_TIMEOUT_MS / 1000} s (a script or resource that never answers?): ${firstLine(error)}`
        : `could not be opened: ${firstLine(error)}`,
    );
  }

  if (facts) {
    totals.code_blocks += facts.codeBlocks;
    totals.images += facts.images;
    if (facts.emptyCodeBlocks.length > 0) {
      totals.empty_code_blocks += facts.emptyCodeBlocks.length;
      problems.push(
        `${facts.emptyCodeBlocks.length} empty code block(s), after: ` +
          facts.emptyCodeBlocks.map((heading) => JSON.stringify(heading)).join(", ") +
          " (an {{#include}} whose anchor matched nothing?)",
      );
    }
    if (!NOT_CHAPTERS[name]) {
      if (!facts.mainText) {
        totals.missing_main++;
        problems.push("no <main>, or an empty one: the chapter did not render");
      } else if (!facts.h1) {
        totals.missing_main++;
        problems.push("<main> has no h1 with text: does the chapter start with a '# Title' line?");
      }
    }
  }
  await page.close();

  const status = problems.length === 0 ? "ok  " : "FAIL";
  const detail = facts
    ? `h1=${JSON.stringify(facts.h1 ?? "")} code_blocks=${facts.codeBlocks} images=${facts.images}`
    : "not loaded";
  const note = NOT_CHAPTERS[name] ? ` (no chapter checks: ${NOT_CHAPTERS[name]})` : "";
  console.log(`${status} ${name}  ${detail}${note}  ${Date.now() - pageStarted}ms`);
  return problems;
}

// What the loaded page shows: its <main> and first h1, its code blocks (and which are
// blank, named by the heading before them), and its pictures.
async function inspect(page) {
  return page.evaluate(() => {
    const main = document.querySelector("main");
    const h1 = main?.querySelector("h1");
    const blocks = Array.from(document.querySelectorAll("pre code"));
    const headingBefore = (element) => {
      const headings = Array.from(document.querySelectorAll("main h1, main h2, main h3, main h4"));
      let last = "(top of the page)";
      for (const heading of headings) {
        if (heading.compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING) {
          last = heading.textContent.trim();
        }
      }
      return last;
    };
    return {
      mainText: (main?.textContent ?? "").trim().length > 0,
      h1: h1 ? h1.textContent.trim() || null : null,
      codeBlocks: blocks.length,
      emptyCodeBlocks: blocks.filter((code) => code.textContent.trim() === "").map(headingBefore),
      images: document.querySelectorAll("main img").length,
    };
  });
}

// Every picture in the chapter must have loaded and have a size: a missing file is also
// an HTTP error above, a file that is not a picture is caught only here.
async function waitForImages(page, problems) {
  try {
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll("main img")).every((img) => img.complete),
      null,
      { timeout: WAIT_TIMEOUT_MS },
    );
  } catch {
    problems.push(`a picture was still loading after ${WAIT_TIMEOUT_MS / 1000} s`);
    return;
  }
  const broken = await page.evaluate(() =>
    Array.from(document.querySelectorAll("main img"))
      .filter((img) => img.naturalWidth === 0)
      .map((img) => img.getAttribute("src")),
  );
  for (const src of broken) problems.push(`picture ${src} did not render (missing, or not an image)`);
}

// --- the search -------------------------------------------------------------------

// Opens the search from the introduction, types a word the lesson has, and waits for a
// result that links to its chapter. Returns what went wrong, or null.
async function checkSearch(origin) {
  const searchStarted = Date.now();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  let step = "loading index.html";
  try {
    await page.goto(`${origin}/index.html`, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
    step = "opening the search with the #search-toggle button";
    await page.click("#search-toggle", { timeout: WAIT_TIMEOUT_MS });
    step = "waiting for the search box (#searchbar) to show";
    const searchbar = page.locator("#searchbar");
    await searchbar.waitFor({ state: "visible", timeout: WAIT_TIMEOUT_MS });
    // Typed key by key: mdbook searches on each key released, not on a pasted value.
    step = `typing "${SEARCH_WORD}"`;
    await searchbar.pressSequentially(SEARCH_WORD, { delay: 20, timeout: WAIT_TIMEOUT_MS });
    step = `waiting for #searchresults to list ${SEARCH_PAGE} (search index missing or not loaded?)`;
    const hit = page.locator(`#searchresults a[href*="${SEARCH_PAGE}"]`).first();
    await hit.waitFor({ state: "attached", timeout: WAIT_TIMEOUT_MS });
    const count = await page.locator("#searchresults > li").count();
    const problem = errors.length > 0 ? `errors while searching: ${errors.join("; ")}` : null;
    totals.console_errors += errors.length;
    console.log(
      `${problem ? "FAIL" : "ok  "} search "${SEARCH_WORD}"  results=${count}, ` +
        `one links to ${SEARCH_PAGE}  ${Date.now() - searchStarted}ms`,
    );
    return problem;
  } catch (error) {
    console.log(`FAIL search "${SEARCH_WORD}"  ${Date.now() - searchStarted}ms`);
    const results = await page
      .locator("#searchresults a")
      .evaluateAll((links) => links.map((a) => a.getAttribute("href")).slice(0, 5))
      .catch(() => []);
    return (
      `gave up ${step}: ${firstLine(error)}` +
      (results.length > 0 ? ` (results linked to: ${results.join(", ")})` : "") +
      (errors.length > 0 ? ` (page errors: ${errors.join("; ")})` : "")
    );
  } finally {
    await page.close();
  }
}

// --- the server and the browser -----------------------------------------------------

// Serves the folder `root` on 127.0.0.1, on a port the system picks; resolves to the
// origin ("http://127.0.0.1:PORT"). Anything outside the folder, or missing, is a 404.
function serve(root) {
  server = http.createServer(async (request, response) => {
    let body;
    let file;
    try {
      let pathname = decodeURIComponent(new URL(request.url, "http://x").pathname);
      if (pathname.endsWith("/")) pathname += "index.html";
      file = path.join(root, pathname);
      if (!file.startsWith(root + path.sep)) throw Object.assign(new Error(), { code: "ENOENT" });
      body = await fsp.readFile(file);
    } catch (error) {
      const missing = ["ENOENT", "EISDIR", "ENOTDIR"].includes(error.code);
      response.writeHead(missing ? 404 : 500, { "content-type": "text/plain" });
      response.end(missing ? "not found\n" : `could not read ${file}: ${error.message}\n`);
      return;
    }
    response.writeHead(200, {
      "content-type": CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
      "cache-control": "no-store",
    });
    response.end(body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

// Starts chromium with CHROMIUM_FLAGS and a fresh, empty profile folder. Requests that
// would leave the machine are answered with an error by the browser itself, at once,
// instead of waiting on a closed network; they are counted, not failed on, since the
// book must read the same offline (a console error they cause still fails the page).
async function launch() {
  if (!fs.existsSync(executablePath)) {
    throw new Error(`no chromium at ${executablePath} (install Debian's chromium, or set CHROMIUM)`);
  }
  userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), "book-check-profile-"));
  let launched;
  try {
    launched = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      // Only our flags: Playwright's own defaults are left out (see CHROMIUM_FLAGS).
      ignoreDefaultArgs: true,
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`, "--remote-debugging-pipe"],
      viewport: { width: 1280, height: 900 },
      timeout: LAUNCH_TIMEOUT_MS,
    });
  } catch (error) {
    throw new Error(
      `chromium (${executablePath}) did not start within ${LAUNCH_TIMEOUT_MS / 1000} s ` +
        `or failed to: ${firstLine(error)}`,
    );
  }
  launched.setDefaultTimeout(WAIT_TIMEOUT_MS);
  launched.setDefaultNavigationTimeout(PAGE_TIMEOUT_MS);
  await launched.route(
    (url) => url.hostname !== "127.0.0.1",
    (route) => {
      totals.external_requests++;
      console.log(`     (not fetched, off this machine: ${route.request().url()})`);
      return route.abort("internetdisconnected");
    },
  );
  return launched;
}

// Closes the browser and the server and removes the profile folder.
async function cleanup() {
  if (context) {
    await Promise.race([context.close().catch(() => {}), sleep(WAIT_TIMEOUT_MS)]);
  }
  if (server) {
    server.closeAllConnections();
    server.close();
  }
  cleanupSync();
}

function cleanupSync() {
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

function firstLine(error) {
  return String(error?.message ?? error).split("\n")[0];
}
