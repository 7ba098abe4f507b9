from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from pipeline.models import Outcome
from pipeline.report.render import ReportInput, describe_claim, render_report
from pipeline.run import run_all
from pipeline.settings import Settings
from pipeline.store.database import Store

from ..conftest import make_article, make_claim


def test_report_describes_claims_in_plain_words() -> None:
    claim = make_claim(
        make_article(), move_pct=70.0, horizon_end=date(2024, 11, 28), horizon_assumed=True
    )
    assert describe_claim(claim) == "IWM +70% by 2024-11-28, horizon assumed"
    rel = make_claim(
        make_article(),
        kind="relative",
        move_pct=None,
        benchmark="^GSPC",
        ratio=2.0,
        horizon_start=date(2024, 1, 1),
        horizon_end=date(2024, 6, 30),
        published=date(2023, 12, 18),
        horizon_assumed=False,
    )
    assert describe_claim(rel) == "IWM outperforms ^GSPC by 2x by 2024-06-30 (from 2024-01-01)"


def test_report_escapes_article_content(tmp_path: Path) -> None:
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    article = make_article(f"IWM could rally 10%. {evil}", title=evil)
    claim = make_claim(
        article,
        title=evil,
        forecaster=f"Eve {evil}",
        evidence=evil,
        subject_text=evil,
        url="javascript:alert(3)",
    )
    outcome = Outcome(claim.claim_id, "pending", date(2024, 1, 2), reason=evil)
    render_report(ReportInput([claim], {claim.claim_id: outcome}, as_of=date(2024, 1, 2)), tmp_path)
    html = (tmp_path / "index.html").read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    markdown = (tmp_path / "claims.md").read_text()
    assert "<script>" not in markdown and "<img" not in markdown


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("THESIS_REQUIRE_BROWSER"):
            pytest.fail(
                "headless Chromium is required here: apt-get install chromium chromium-driver"
            )
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1400,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=ChromeService(executable_path=str(CHROMEDRIVER)), options=options
    )
    # A loaded machine can return from a navigation before the new document is
    # parsed; element lookups wait up to this long instead of failing at once.
    driver.implicitly_wait(20)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def built_report(
    tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path, prices_dir: Path
) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    settings = Settings(db_path=tmp / "t.db", progress=False).with_overrides(
        report={"out_dir": tmp / "reports"}, prices={"dir": prices_dir}
    )
    evil = tmp / "evil.md"
    evil.write_text(
        '---\ntitle: <script>window.PWNED=1</script>\nauthor: Eve <img src=x onerror="window.PWNED=2">\n'
        "published: 2024-01-02\n---\nI think IWM could rally 20% by year-end. <script>window.PWNED=3</script>\n"
    )
    store = Store(settings.db_path)
    run_all(store, [corpus_dir, evil], settings)
    store.close()
    return settings.report.out_dir


def _wait_for(driver: webdriver.Chrome, selector: str) -> None:
    """Wait until the current document has *selector*, so page_source is the new page."""
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, selector))


def _open(driver: webdriver.Chrome, page: Path) -> None:
    """Navigate to *page* and wait until it is the document shown and parsed.

    On a loaded machine a navigation can return while the previous page or a
    blank one is still current; reading page_source then gives the wrong text.
    """
    uri = page.as_uri()
    driver.get(uri)
    WebDriverWait(driver, 20).until(
        lambda d: (
            d.current_url == uri and d.execute_script("return document.readyState") == "complete"
        )
    )


def _errors(driver: webdriver.Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.browser
@pytest.mark.slow
def test_report_renders_in_headless_chromium(browser: webdriver.Chrome, built_report: Path) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    _open(browser, built_report / "index.html")
    table = browser.find_element(By.ID, "claims")
    assert table.is_displayed() and table.size["width"] > 0 and table.size["height"] > 0
    rows = browser.find_elements(By.CSS_SELECTOR, "#claims tbody tr")
    assert len(rows) >= 40
    assert browser.find_element(By.ID, "leaderboard").is_displayed()
    browser.find_element(By.ID, "filter").send_keys("Tom Lee")
    visible = [r for r in rows if r.is_displayed()]
    assert 0 < len(visible) < len(rows) and all("Tom Lee" in r.text for r in visible)
    browser.save_screenshot(str(ARTIFACTS / "report-index.png"))
    assert _errors(browser) == []
    assert browser.execute_script("return window.PWNED === undefined")

    browser.find_element(By.ID, "filter").clear()
    browser.execute_script("document.getElementById('filter').dispatchEvent(new Event('input'))")
    hit = browser.find_element(By.CSS_SELECTOR, '#claims tr[data-status="hit"] td:nth-child(4) a')
    hit.click()
    _wait_for(browser, "svg.chart")
    chart = browser.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.is_displayed() and chart.size["width"] > 100 and chart.size["height"] > 100
    assert browser.find_elements(By.CSS_SELECTOR, "svg.chart polyline")
    assert browser.find_element(By.TAG_NAME, "mark").text
    browser.save_screenshot(str(ARTIFACTS / "report-claim.png"))
    assert _errors(browser) == []

    _open(browser, built_report / "forecasters" / "tom-lee.html")
    assert "Wilson 95% interval" in browser.page_source
    for page in (built_report / "forecasters").glob("eve*.html"):
        _open(browser, page)
        assert browser.execute_script("return window.PWNED === undefined")
    assert _errors(browser) == []


def test_report_forecaster_file_names_are_sanitised(tmp_path: Path) -> None:
    names = ["../../etc/passwd", "Eve <img src=x>", "Zoë Ünal", "CON", "", "Tom Lee", "Tom-Lee"]
    claims = [
        make_claim(make_article(f"IWM could rally {i + 1}%."), claim_id=f"c{i}", forecaster=n)
        for i, n in enumerate(names)
    ]
    render_report(ReportInput(claims=claims, outcomes={}), tmp_path)
    files = sorted(p.name for p in (tmp_path / "forecasters").iterdir())
    assert all(re.fullmatch(r"[a-z0-9-]+\.html", f) for f in files), files
    assert len(files) == len(names)


def test_report_claim_page_lists_the_article_instruments_and_the_analyst_call(
    tmp_path: Path,
) -> None:
    text = "Barclays lifted its Nvidia target to $150 from $130; Apple and the Nasdaq 100 lagged."
    article = make_article(text)
    claim = make_claim(
        article,
        subject="NVDA",
        kind="target",
        target_low=150.0,
        target_high=150.0,
        rating="buy",
        action="raise",
        previous_target=130.0,
    )
    data = ReportInput(
        [claim], {}, as_of=date(2024, 1, 2), texts={article.article_id: article.text}
    )
    render_report(data, tmp_path)
    page = (tmp_path / "claims" / f"{claim.claim_id}.html").read_text()
    assert "Instruments in this article: AAPL (Apple); NVDA (Nvidia); ^NDX (Nasdaq 100)" in page
    assert "raise, from 130.0; rating buy" in page


def test_report_marks_a_withdrawn_claim(tmp_path: Path) -> None:
    article = make_article("IWM could rally 10% by June.")
    claim = make_claim(article, withdrawn_by="later-version")
    outcome = Outcome(claim.claim_id, "pending", date(2024, 1, 2), reason="window still open")
    render_report(ReportInput([claim], {claim.claim_id: outcome}, as_of=date(2024, 1, 2)), tmp_path)
    assert "withdrawn in a correction" in (tmp_path / "index.html").read_text()
    page = next((tmp_path / "claims").glob("*.html")).read_text()
    assert "no longer makes this claim" in page and "later-version" in page


def _links(index: Path) -> list[str]:
    return re.findall(r'href="((?:claims|forecasters)/[^"]+)"', index.read_text(encoding="utf-8"))


def test_report_is_replaced_whole_and_a_killed_write_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = make_article("IWM could rally 10% by June.")
    old_claim = make_claim(first, claim_id="old1", forecaster="Ann Lee")
    render_report(ReportInput([old_claim], {}, as_of=date(2024, 1, 2)), tmp_path)
    before = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "claims" / "old1.html").exists()

    new_claims = [make_claim(first, claim_id=f"new{i}", forecaster="Bo Park") for i in range(3)]
    real_replace = os.replace
    moved: list[str] = []

    def dies_half_way(src: str | Path, dst: str | Path) -> None:
        if len(moved) == 2:
            raise KeyboardInterrupt  # the run is killed between two moves
        moved.append(str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        render_report(ReportInput(new_claims, {}, as_of=date(2024, 1, 3)), tmp_path)
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == before
    assert all((tmp_path / link).exists() for link in _links(tmp_path / "index.html"))
    assert not list(tmp_path.glob(".partial-*"))  # the staging folder is cleaned up

    monkeypatch.setattr(os, "replace", real_replace)
    render_report(ReportInput(new_claims, {}, as_of=date(2024, 1, 3)), tmp_path)
    links = _links(tmp_path / "index.html")
    assert links and all((tmp_path / link).exists() for link in links)
    assert not (tmp_path / "claims" / "old1.html").exists()  # no longer in the report
