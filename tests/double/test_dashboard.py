"""The dashboard at /_ewsemu/ui (issue 9): escaping and headers over HTTP, then the real thing in a headless
Chromium driven by Selenium: mailboxes, task lists with status and recurrence, active faults, the live ledger,
an item's ChangeKey history with its diffs. Screenshots land in tests/artifacts/ (gitignored).

Chromium and chromedriver come from Debian (``make browser`` installs them); without them the browser tests are
skipped with the reason, except in CI (``CI=true``), where they fail.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from ewsemu.control import ControlClient
from ewsemu.server.http import ThreadedServer

from ..servers import EwsHttp, Ref, item_change, set_field

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ALICE = "alice@example.com"
HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1">"&\''
CHROME_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1100")
FIXTURES = {"mailboxes": [{"smtp": ALICE, "display_name": "Alice", "tasks": [
    {"subject": "Water the plants", "due_date": "2026-01-13",
     "recurrence": {"pattern": {"type": "DailyRegeneration", "interval": 2},
                    "range": {"type": "NoEndRecurrence", "start": "2026-01-13"}}},
    {"subject": "Write the report", "status": "InProgress", "percent_complete": 40, "due_date": "2026-01-20"},
    {"subject": HOSTILE, "categories": [HOSTILE]},
]}]}


@pytest.fixture
def populated(server: ThreadedServer) -> dict:
    """Seeded tasks, one edited (a ChangeKey history with a diff), an active fault rule, a few ledger entries."""
    control = ControlClient(server.base_url)
    control.seed(FIXTURES)
    items = {i["properties"]["item:Subject"]: i for i in control.state()["mailboxes"][0]["items"]}
    report = items["Write the report"]
    ews = EwsHttp(server.url, ALICE)
    try:
        assert ews.update(item_change(Ref(report["id"], report["change_key"]),
                                      set_field("item:Subject", "<t:Subject>Write it</t:Subject>"))).codes() == \
            ["NoError"]
        ews.get([report["id"]])
    finally:
        ews.close()
    control.add_fault("server_busy", operation="SyncFolderItems", back_off_ms=1500, count=3)
    return {"report": report["id"], "water": items["Water the plants"]["id"], "hostile": items[HOSTILE]["id"]}


# ---- over HTTP: escaping, headers, assets -------------------------------------------------------------------------


def test_every_stored_and_client_value_is_escaped(server: ThreadedServer, populated: dict) -> None:
    ews = EwsHttp(server.url, f"{HOSTILE}@example.com")  # a hostile user name lands in the ledger
    ews.call("<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>"
             '<t:DistinguishedFolderId Id="tasks"/></m:FolderIds></m:GetFolder>')
    ews.close()
    for path in ("/_ewsemu/ui", "/_ewsemu/ui/ledger", f"/_ewsemu/ui/items/{quote(populated['hostile'], safe='')}"):
        r = requests.get(server.base_url + path, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "<img" not in r.text and 'onerror="' not in r.text
        assert "&lt;img src=x onerror=&quot;document.body.dataset.pwned=1&quot;&gt;&quot;&amp;&#x27;" in r.text
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp


def test_pages_and_assets(server: ThreadedServer, populated: dict) -> None:
    page = requests.get(f"{server.base_url}/_ewsemu/ui", timeout=10).text
    assert "Daily regeneration every 2; from 2026-01-13, no end" in page
    assert 'class="InProgress">InProgress<' in page and ">server_busy<" in page
    script = requests.get(f"{server.base_url}/_ewsemu/ui/app.js", timeout=10)
    assert script.headers["Content-Type"].startswith("text/javascript") and "setInterval" in script.text
    assert requests.get(f"{server.base_url}/_ewsemu/ui/style.css", timeout=10).headers["Content-Type"] \
        .startswith("text/css")
    item = requests.get(f"{server.base_url}/_ewsemu/ui/items/{quote(populated['report'], safe='')}", timeout=10)
    assert "<del>Write the report</del> → <ins>Write it</ins>" in item.text
    missing = requests.get(f"{server.base_url}/_ewsemu/ui/items/AAMkAGZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZm",
                           timeout=10)
    assert missing.status_code == 404


# ---- in a real browser ---------------------------------------------------------------------------------------------


def _browser_problem() -> str | None:
    if shutil.which("chromium") is None or shutil.which("chromedriver") is None:
        return "Debian's chromium and chromium-driver are not installed (make browser installs them)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture
def browser(tmp_path: Path):
    problem = _browser_problem()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the dashboard must be tested in a browser in CI: {problem}")
        pytest.skip(problem)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    assert path.stat().st_size > 10_000  # a rendered page, not a blank one
    return path


def test_the_dashboard_in_headless_chromium(browser, server: ThreadedServer, populated: dict) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{server.base_url}/_ewsemu/ui")
    assert browser.title == "ewsemu dashboard"
    assert browser.find_element(By.TAG_NAME, "h1").text == "ewsemu"
    assert "frozen" in browser.find_element(By.ID, "clock").text
    mailboxes = browser.find_element(By.ID, "mailboxes").text
    assert ALICE in mailboxes and "Alice" in mailboxes
    rows = {row.get_attribute("data-item-id"): row.text
            for row in browser.find_elements(By.CSS_SELECTOR, "table.tasks tr[data-item-id]")}
    assert "NotStarted" in rows[populated["water"]] and "Daily regeneration every 2" in rows[populated["water"]]
    assert "InProgress" in rows[populated["report"]] and "Write it" in rows[populated["report"]]
    assert HOSTILE in rows[populated["hostile"]]  # shown as text…
    assert browser.execute_script("return document.body.dataset.pwned") is None  # …never run
    assert browser.find_elements(By.CSS_SELECTOR, "table.tasks img") == []
    faults = browser.find_element(By.ID, "faults").text
    assert "server_busy" in faults and "operation=SyncFolderItems" in faults and "back_off_ms=1500" in faults

    # the ledger is live: a request made after the page loaded appears without a reload
    seen = len(browser.find_elements(By.CSS_SELECTOR, "#ledger tr[data-seq]"))
    ews = EwsHttp(server.url, "bob@example.com")
    assert ews.call('<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>'
                    '<m:SyncFolderId><t:DistinguishedFolderId Id="tasks"/></m:SyncFolderId>'
                    '<m:MaxChangesReturned>1</m:MaxChangesReturned></m:SyncFolderItems>').status == 500
    ews.close()
    WebDriverWait(browser, 10).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#ledger tr[data-seq]")) > seen)
    newest = browser.find_element(By.CSS_SELECTOR, "#ledger tr[data-seq]")  # newest first
    assert "SyncFolderItems" in newest.text and "bob@example.com" in newest.text and "server_busy" in newest.text
    assert "fault" in newest.get_attribute("class")
    _screenshot(browser, "dashboard.png")

    # an item's ChangeKey history, with the diff of each change
    browser.find_element(By.CSS_SELECTOR, f'tr[data-item-id="{populated["report"]}"] a').click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "history"))
    assert browser.find_element(By.ID, "item-id").text == populated["report"]
    history = browser.find_elements(By.CSS_SELECTOR, "#history tr")[1:]
    assert [row.find_element(By.TAG_NAME, "td").text for row in history] == ["2", "1"]
    assert "item:Subject: Write the report → Write it" in history[0].text
    assert "created" in history[1].text
    assert browser.find_element(By.ID, "change-key").text == history[0].find_elements(By.TAG_NAME, "td")[1].text
    _screenshot(browser, "dashboard-item.png")

    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []  # no script error, no Content-Security-Policy violation
