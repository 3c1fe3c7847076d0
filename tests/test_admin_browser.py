"""End to end in a real browser: headless Chromium, driven by Selenium, uses the admin console served on
127.0.0.1 over the real core (hashing embedder) and a knowledge folder of its own, as a clerk would:
signing in, uploading a protocol, checking and publishing a reindex, asking, and correcting an answer.

Nothing is downloaded: Debian's chromium and chromedriver are used where they are installed
(`apt-get install chromium chromium-driver`), so Selenium Manager never looks for a driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from adapters.admin.server import ConsoleServer
from adapters.admin.settings import AdminSettings
from bot import messages
from bot.service.protocol_bot import IndexedProtocolBot
from tests.admin_support import SECRET, console_for
from tests.background import WAIT_SECONDS, AiohttpInBackground

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PUBLISH_SECONDS = 30  # a publish of the shipped documents takes well under a second; the page refreshes every 2 s

NAME = "nettlecombe-member-officer-protocol.txt"
PROTOCOL = """\
Nettlecombe Parish Council

Protocol on Member/Officer Relations

Adopted: 3 March 2026

1. Purpose

1.1 This protocol sets out how the councillors and the staff of Nettlecombe Parish Council work together, so that each \
knows what to expect of the other.

1.2 It applies at meetings, in the parish office, by telephone and by email.

2. Requests to the Parish Clerk

2.1 A councillor who wants work done by the Parish Clerk asks for it in writing, and the Clerk replies within five \
working days.

2.2 The Clerk keeps the keys to the village pavilion and the allotment tool shed; a councillor who needs a key borrows it \
from the Clerk and signs the key register.

2.3 No councillor may ask the Clerk to work on a weekend or bank holiday, except when the Chair declares a flood emergency.

3. Conduct

3.1 Councillors and staff treat one another with courtesy and do not criticise one another in public or on social media.

3.2 A concern about the Clerk's work is raised privately with the Chair, never with the Clerk in front of others.
"""
# the same protocol a year on: the Clerk answers sooner, and snow counts as an emergency too
REVISED = PROTOCOL.replace("within five working days", "within three working days").replace(
    "declares a flood emergency", "declares a flood or snow emergency")
TITLE = "Nettlecombe Parish Council — Protocol on Member/Officer Relations"  # as its first lines name it
SHED_QUESTION = "Who keeps the key to the allotment tool shed?"
SHED_CLAUSE = "The Clerk keeps the keys to the village pavilion and the allotment tool shed"
WRITING_CLAUSE = "A councillor who wants work done by the Parish Clerk asks for it in writing"
SHIPPED = ("000_071d258fd975c70b.txt", "004_fbcb302b638d596d.txt", "Councillor-Officer Protocol",
           "Member / Officer Protocol")
PAGES = ("/", "/reindex", "/ask", "/feedback", "/scopes", "/quality", "/teach?question=x")


def chrome(width: int = 1280, height: int = 900) -> WebDriver:
    """Headless Debian Chromium through Debian's chromedriver: nothing is looked up or downloaded."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: the browser tests need `apt-get install chromium chromium-driver`")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(0)
    return driver


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One browser for the module's tests (starting Chromium takes a second); each test clears its cookies."""
    driver = chrome()
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class Console:
    """The console served on 127.0.0.1, and the browser a clerk uses it with."""

    base: str
    driver: WebDriver

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def main(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "main").text

    def heading(self) -> str:
        return self.driver.find_element(By.TAG_NAME, "h1").text

    def notice(self) -> str:
        return self.driver.find_element(By.CSS_SELECTOR, ".notice").text

    def button(self, label: str, within: WebElement | None = None) -> WebElement:
        """The button labelled `label` in `within`, or on the page below its header."""
        if within is not None:
            return within.find_element(By.XPATH, f".//button[normalize-space()={_literal(label)}]")
        return self.driver.find_element(By.XPATH, f"//main//button[normalize-space()={_literal(label)}]")

    def link(self, label: str) -> WebElement:
        return self.driver.find_element(By.XPATH, f"//main//a[normalize-space()={_literal(label)}]")

    def follow(self, control: WebElement) -> None:
        """Click a link or a form's button, and wait until the page it leads to has loaded: a click returns
        before the browser has navigated."""
        self.driver.execute_script("window.leaving = true")  # gone with the page: the next page has a window of its own
        control.click()
        WebDriverWait(self.driver, WAIT_SECONDS, ignored_exceptions=(WebDriverException,)).until(
            lambda driver: driver.execute_script("return !window.leaving && document.readyState === 'complete'"))

    def sign_in(self, who: str = "Jo Clerk", secret: str = SECRET) -> None:
        self.open("/sign-in")
        self.driver.find_element(By.ID, "who").send_keys(who)
        self.driver.find_element(By.ID, "secret").send_keys(secret)
        self.follow(self.button("Sign in"))

    def document(self, name: str) -> WebElement:
        """The card on the Documents page for the file called `name`."""
        found = f"//section[contains(@class, 'doc')][.//dd[normalize-space()={_literal(name)}]]"
        return self.driver.find_element(By.XPATH, found)

    def expand(self, card: WebElement, summary: str) -> WebElement:
        """Open one of a document card's actions; the form inside it."""
        details = card.find_element(By.XPATH, f".//details[summary[normalize-space()={_literal(summary)}]]")
        details.find_element(By.TAG_NAME, "summary").click()
        return details.find_element(By.TAG_NAME, "form")

    def upload(self, file: Path) -> None:
        self.open("/")
        self.driver.find_element(By.ID, "file").send_keys(str(file))
        self.follow(self.button("Upload"))

    def publish(self) -> None:
        """Press Publish on the Reindex page and wait, as the clerk does, for the page to say it finished."""
        self.open("/reindex")
        self.follow(self.button(messages.ADMIN_PUBLISH_BUTTON))
        assert self.path() == "/reindex"
        assert "Publishing has started." in self.notice()
        WebDriverWait(self.driver, PUBLISH_SECONDS, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                      ).until(lambda _: messages.ADMIN_PUBLISHED in self.main())

    def ask(self, question: str) -> None:
        self.open("/ask")
        self.driver.find_element(By.ID, "question").send_keys(question)
        self.follow(self.button("Ask"))

    def quoted(self) -> list[str]:
        """The clauses the answer a councillor sees quotes, in order."""
        return [q.text for q in self.driver.find_elements(By.CSS_SELECTOR, ".reply blockquote")]

    def cited(self) -> list[str]:
        """The clause labels the answer cites, in order."""
        return [s.text for s in self.driver.find_elements(By.CSS_SELECTOR, ".reply p > strong")]


def _literal(text: str) -> str:
    """`text` as an XPath string literal (the console's labels have no double quotes)."""
    assert '"' not in text, text
    return f'"{text}"'


@pytest.fixture
def console(browser: WebDriver, tmp_path: Path, knowledge: Path, fake_bot: IndexedProtocolBot) -> Iterator[Console]:
    served = console_for(tmp_path, knowledge, fake_bot)
    server = ConsoleServer(served, AdminSettings(secret=SECRET), wrong_secret_delay=0)
    background = AiohttpInBackground("admin-console")
    port = background.start(server.app)
    base = f"http://127.0.0.1:{port}"
    # cookies belong to the host, not the port: none from an earlier test's console may carry over
    browser.get(base + "/sign-in")
    browser.delete_all_cookies()
    try:
        yield Console(base, browser)
    finally:
        background.stop(timeout=WAIT_SECONDS + PUBLISH_SECONDS)
        served.wait()


@pytest.fixture
def protocol_file(tmp_path: Path) -> Path:
    path = tmp_path / "uploads" / NAME
    path.parent.mkdir()
    path.write_text(PROTOCOL, encoding="utf-8")
    return path


def test_a_clerk_uploads_publishes_asks_and_corrects_an_answer_in_the_browser(console: Console, protocol_file: Path) -> None:
    console.open("/")
    assert console.path() == "/sign-in"
    console.sign_in()
    assert console.path() == "/"
    assert console.heading() == "Documents"
    assert "Signed in as Jo Clerk" in console.driver.find_element(By.TAG_NAME, "header").text

    console.upload(protocol_file)
    assert console.path() == "/"
    assert f"Saved {NAME} (7 clauses)." in console.notice()
    card = console.document(NAME)
    assert "New: not published yet" in card.text
    assert "In force" not in card.text
    assert "Some changes are not published yet." in console.main()
    assert f"Jo Clerk: added {NAME} (7 clauses)" in console.main()

    console.open("/reindex")
    console.follow(console.link(messages.ADMIN_DRY_RUN_BUTTON))
    dry_run = console.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=dry-h]")
    assert "All 6 documents can be read" in dry_run.text
    assert f"Documents added: {TITLE}" in dry_run.text.splitlines()

    console.publish()
    main = console.main()
    assert f"Documents added: {TITLE}" in main
    assert messages.ADMIN_ROLLBACK_BUTTON in main
    console.open("/")
    assert "not published yet" not in console.document(NAME).text

    console.ask(SHED_QUESTION)
    assert console.driver.find_element(By.ID, "question").get_attribute("value") == SHED_QUESTION
    assert console.quoted()[0].startswith(SHED_CLAUSE)
    assert console.cited()[0].startswith("clause 2.2")
    nearest = console.driver.find_element(By.CSS_SELECTOR, ".table tbody tr").text
    assert TITLE in nearest and "clause 2.2" in nearest and NAME not in nearest

    console.follow(console.link("Correct this answer"))
    assert console.heading() == "Correct an answer"
    assert SHED_QUESTION in console.main()
    console.driver.find_element(By.ID, "c-other").click()
    Select(console.driver.find_element(By.ID, "other_source")).select_by_visible_text(TITLE)
    console.driver.find_element(By.ID, "other_clause").send_keys("2.1")
    console.follow(console.button("Teach"))

    assert console.path().startswith("/ask?question=")
    assert "Taught:" in console.notice() and "clause 2.1" in console.notice()
    assert console.quoted()[0].startswith(WRITING_CLAUSE)
    assert console.cited()[0].startswith("clause 2.1")
    console.open("/feedback")
    corrections = console.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=corr-h]").text
    assert SHED_QUESTION in corrections and "clause 2.1" in corrections and "by Jo Clerk" in corrections

    console.follow(console.driver.find_element(By.XPATH, "//header//button[normalize-space()='Sign out']"))
    assert console.path() == "/sign-in"
    assert "You have signed out." in console.notice()
    console.open("/ask")
    assert console.path() == "/sign-in"


def test_a_newer_version_of_a_document_shows_its_reworded_clauses_struck_through_and_underlined_in_the_dry_run(
        console: Console, protocol_file: Path) -> None:
    console.sign_in()
    console.upload(protocol_file)
    console.publish()

    revised = protocol_file.parent / "revised" / NAME
    revised.parent.mkdir()
    revised.write_text(REVISED, encoding="utf-8")
    console.open("/")
    form = console.expand(console.document(NAME), "Replace with a newer version")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(revised))
    console.follow(console.button("Upload the new version", within=form))
    assert f"Replaced {NAME} with the uploaded file (7 clauses); the previous version is kept as knowledge/retired/" \
        in console.notice()
    assert "Changed: not published yet" in console.document(NAME).text

    console.open("/reindex/dry-run")
    dry_run = console.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=dry-h]")
    assert f"{TITLE}: 0 added, 0 removed, 2 reworded, 0 renumbered" in dry_run.text
    rows = dry_run.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert [r.find_element(By.CSS_SELECTOR, "td:nth-child(2)").text.split()[:2] for r in rows] == [
        ["clause", "2.1"], ["clause", "2.3"]]
    assert [d.text for d in dry_run.find_elements(By.TAG_NAME, "del")] == ["five"]
    assert [i.text for i in dry_run.find_elements(By.TAG_NAME, "ins")] == ["three", "or snow"]
    assert "struck-through words are removed" in dry_run.text
    assert "[-" not in dry_run.text and "{+" not in dry_run.text


def test_rolling_back_then_publishing_does_not_serve_the_rolled_back_document_again(
        console: Console, protocol_file: Path) -> None:
    console.sign_in()
    console.upload(protocol_file)
    console.publish()
    assert f"Documents added: {TITLE}" in console.main()

    console.follow(console.link(messages.ADMIN_ROLLBACK_BUTTON))
    assert console.heading() == messages.ADMIN_RESTORE_TITLE
    assert messages.ADMIN_RESTORE_SET_ASIDE.format(names=TITLE) in console.main()
    console.follow(console.button(messages.ADMIN_RESTORE_CONFIRM))
    assert "Done: the bots answer from the version" in console.notice()
    console.open("/")
    with pytest.raises(NoSuchElementException):
        console.document(NAME)
    assert messages.ADMIN_PENDING not in console.main()

    console.publish()
    console.ask(SHED_QUESTION)
    assert TITLE not in console.driver.find_element(By.TAG_NAME, "main").text
    assert not any(q.startswith(SHED_CLAUSE) for q in console.quoted())


def test_a_clerk_teaches_an_unnumbered_clause_of_the_shipped_ilminster_protocol(console: Console) -> None:
    question = "Should a councillor be close friends with an officer?"
    console.sign_in()
    console.open("/teach?question=" + question.replace(" ", "%20").replace("?", "%3F"))
    assert not console.driver.find_elements(By.CSS_SELECTOR, "input[name=choice][disabled]")
    documents = Select(console.driver.find_element(By.ID, "list-document"))
    documents.select_by_visible_text("Ilminster Town Council — Councillor-Officer Protocol")
    console.follow(console.button(messages.ADMIN_TEACH_LIST_BUTTON))
    listed = console.driver.find_elements(By.CSS_SELECTOR, "input[name=choice][id^=l]")
    assert len(listed) == 56
    principle = console.driver.find_element(
        By.XPATH, "//label[starts-with(normalize-space(), 'ROLES OF COUNCILLORS AND OFFICERS › Some general principles')]")
    assert "Close personal relationships" in principle.text
    principle.click()
    console.follow(console.button(messages.ADMIN_TEACH_BUTTON))
    assert "Taught:" in console.notice()
    assert console.quoted()[0].startswith("Close personal relationships between councillors and officers")


def test_a_clause_removed_from_a_newer_version_is_reported_as_removed(console: Console, protocol_file: Path) -> None:
    console.sign_in()
    console.upload(protocol_file)
    console.publish()
    shorter = protocol_file.parent / "shorter" / NAME
    shorter.parent.mkdir()
    shorter.write_text("".join(line for line in PROTOCOL.splitlines(keepends=True) if not line.startswith("2.2 ")),
                       encoding="utf-8")
    console.open("/")
    form = console.expand(console.document(NAME), "Replace with a newer version")
    form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(shorter))
    console.follow(console.button("Upload the new version", within=form))

    console.open("/reindex/dry-run")
    dry_run = console.driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=dry-h]")
    assert f"{TITLE}: 0 added, 1 removed, 0 reworded, 0 renumbered" in dry_run.text
    rows = [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in dry_run.find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert [row[:2] for row in rows] == [[messages.ADMIN_CHANGE_REMOVED, "clause 2.2"]]
    assert rows[0][2].startswith("The Clerk keeps the keys")
    assert "[-" not in dry_run.text and "{+" not in dry_run.text


def test_a_title_typed_with_markup_is_shown_as_text_and_never_run(console: Console) -> None:
    markup = "<script>alert(1)</script>"
    source = "003_5a0122096eb42bbd.txt"
    console.sign_in()
    form = console.expand(console.document(source), "Edit catalogue fields")
    form.find_element(By.CSS_SELECTOR, "input[name=title]").send_keys(markup)
    console.follow(console.button("Save", within=form))

    assert f"Saved the catalogue fields of {source}." in console.notice()
    with pytest.raises(NoAlertPresentException):
        console.driver.switch_to.alert.text  # noqa: B018 - reading it is what raises when there is none
    assert console.driver.execute_script("return document.scripts.length") == 0
    card = console.document(source)
    assert card.find_element(By.TAG_NAME, "h2").text == markup
    assert "Catalogue changed: not published yet" in card.text
    assert card.find_element(By.CSS_SELECTOR, "input[name=title]").get_attribute("value") == markup
    assert f"title “{markup}”" in console.driver.find_element(By.CSS_SELECTOR, "ul.log").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in console.driver.page_source


def test_a_browser_that_has_not_signed_in_is_sent_to_sign_in_from_every_page_and_sees_no_documents(console: Console) -> None:
    console.sign_in()  # a clerk is signed in elsewhere: that lets no one else in
    assert console.path() == "/"
    stranger = chrome()
    try:
        for path in PAGES:
            stranger.get(console.base + path)
            assert stranger.current_url == console.base + "/sign-in", path
            assert stranger.find_element(By.TAG_NAME, "h1").text == "Sign in", path
            assert not stranger.find_elements(By.TAG_NAME, "nav"), path
            shown = stranger.page_source
            assert not [name for name in SHIPPED if name in shown], path
        assert stranger.get_cookies() == []
    finally:
        stranger.quit()


def test_a_wrong_secret_keeps_the_clerk_out_and_says_so(console: Console) -> None:
    console.sign_in(secret="not the admin passphrase")
    assert console.path() == "/sign-in"
    alert = console.driver.find_element(By.CSS_SELECTOR, ".notice[role=alert]")
    assert alert.text == messages.ADMIN_SIGN_IN_WRONG
    assert console.driver.find_element(By.ID, "who").get_attribute("value") == "Jo Clerk"
    assert console.driver.find_element(By.ID, "secret").get_attribute("value") == ""
    assert not console.driver.find_elements(By.TAG_NAME, "nav")
    console.open("/")
    assert console.path() == "/sign-in"


def test_a_second_clerks_right_secret_is_accepted_while_another_clerk_is_made_to_wait(console: Console) -> None:
    for _ in range(4):
        console.sign_in(who="Jo Clerk", secret="a typo of the passphrase")
    assert "Please wait" in console.notice()
    console.sign_in(who="Sam Deputy")
    assert console.path() == "/"
    assert "Signed in as Sam Deputy" in console.driver.find_element(By.TAG_NAME, "header").text


def _unlabelled(driver: WebDriver) -> list[str]:
    found: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => !['hidden', 'submit'].includes(e.type) && e.labels.length === 0)"
        ".map(e => e.outerHTML)")
    return found


def _first_tab_stop(driver: WebDriver) -> WebElement:
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    return driver.switch_to.active_element


def test_the_skip_link_is_the_first_tab_stop_and_every_form_control_has_a_label(console: Console) -> None:
    def check() -> None:
        where = console.path()
        first = _first_tab_stop(console.driver)
        assert first.get_attribute("class") == "skip", where
        assert first.text == "Skip to content", where  # shown once it has focus
        first.send_keys(Keys.ENTER)
        assert console.driver.switch_to.active_element.get_attribute("id") == "main", where
        assert _unlabelled(console.driver) == [], where

    console.open("/sign-in")
    check()
    console.sign_in()
    for path in ("/", "/reindex", "/reindex/dry-run", "/feedback", "/scopes", "/quality",
                 "/teach?question=Who%20keeps%20the%20keys%3F"):
        console.open(path)
        check()
    console.ask(SHED_QUESTION)
    check()
