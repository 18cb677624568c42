"""What the browser tests (console.py, account.py) share: one line per check, bounded waits,
and headless Chromium through Debian's chromium-driver."""
import time

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        raise SystemExit(1)


def wait(condition, seconds=10.0):
    """Polls `condition` until it holds; an element of a page that is being replaced (a form
    just posted) counts as not yet."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if holds(condition):
            return True
        time.sleep(0.1)
    return holds(condition)


def holds(condition):
    try:
        return bool(condition())
    except (StaleElementReferenceException, NoSuchElementException, IndexError):
        return False


def chrome(width, height):
    options = Options()
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     f"--window-size={width},{height}"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    return driver
