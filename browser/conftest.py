"""The headless browser the browser tests share: Debian's chromium through Debian's chromedriver,
driven by Selenium (nothing is downloaded). Without chromium the tests are skipped with a
message, except under CI or SSL_COURSE_REQUIRE_BROWSER=1, where they fail."""
from __future__ import annotations

import os
import shutil

import pytest

from ssl_course.course.env import REQUIRE_BROWSER_ENV

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="session")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        why = "Debian's chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") or os.environ.get(REQUIRE_BROWSER_ENV):
            pytest.fail(why, pytrace=False)
        pytest.skip(why)
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never try to download a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1600", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


