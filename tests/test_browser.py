"""A person's path through the pages, in headless Chromium (Debian's chromium
and chromium-driver, installed by `make test`): open the query page, load an
example, run it, see result rows; follow a result to a claim and see its
quote; open a region and see a quoted claim."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from serving import LiveServer

pytestmark = pytest.mark.browser

QUOTE = "In 2016, it was announced that 1.6 trillion RMB would be used"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        pytest.fail("headless browser tests need Debian's chromium and chromium-driver: "
                    "run `make test` (it installs them) or deselect with -m 'not browser'")
    options = Options()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def test_load_an_example_run_it_and_follow_a_result(server: LiveServer,
                                                    browser: WebDriver) -> None:
    browser.get(server.url + "/")
    examples = browser.find_elements(By.CSS_SELECTOR, "a.example")
    titles = [e.text for e in examples]
    assert "Claims with their figures and quoted words" in titles
    examples[titles.index("Claims with their figures and quoted words")].click()
    editor = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "query")))
    assert "SELECT ?claim ?label ?value" in editor.get_attribute("value")
    browser.find_element(By.ID, "run").click()
    rows = WebDriverWait(browser, 15).until(
        lambda b: b.find_elements(By.CSS_SELECTOR, "#results tbody tr"))
    assert len(rows) == 3
    assert any(QUOTE in row.text for row in rows)
    link = browser.find_element(By.CSS_SELECTOR, "#results a[href='/id/claim/mini-funding-2016']")
    link.click()
    mark = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "mark.quote")))
    assert mark.text == QUOTE
    assert "Mini source" in browser.find_element(By.CSS_SELECTOR, ".source").text


def test_entity_page_shows_a_quoted_claim(server: LiveServer, browser: WebDriver) -> None:
    browser.get(server.url + "/id/region/northeast-china")
    assert browser.find_element(By.ID, "label").text == "Northeast China"
    quotes = [q.text for q in browser.find_elements(By.CSS_SELECTOR, "#claims ~ .claim "
                                                                      "blockquote.quote")]
    assert any(QUOTE in q for q in quotes), quotes


def test_ctrl_enter_runs_the_query(server: LiveServer, browser: WebDriver) -> None:
    from selenium.webdriver.common.keys import Keys
    browser.get(server.url + "/")
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("ASK { ?s ?p ?o }")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    answer = WebDriverWait(browser, 10).until(
        expected_conditions.presence_of_element_located((By.ID, "boolean")))
    assert answer.text == "true"
