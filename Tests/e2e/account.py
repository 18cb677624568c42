#!/usr/bin/python3
"""Drives the dynamic DNS customer's pages in headless Chromium (Selenium) against a running
lannamed with a hosted zone and an account. Started by
Tests/EndToEndTests/Console/AccountPagesBrowserTests.swift, which passes:

    account.py BASE_URL ACCOUNT PASSWORD HOST DNS_PORT SCREENSHOT_DIR

The customer signs in, makes a token, updates their host with it over dyndns2 (as a router
would), sees the new address on the page, revokes the token and finds it refused. Prints one line
per check; exits 1 on the first failure.
"""
import base64
import subprocess
import sys
import urllib.error
import urllib.request

from selenium.webdriver.common.by import By

from browser import check, chrome, wait

BASE, ACCOUNT, PASSWORD, HOST, DNS_PORT, SHOTS = sys.argv[1:7]


def update(secret, address):
    request = urllib.request.Request(f"{BASE}/nic/update?hostname={HOST}&myip={address}")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"{ACCOUNT}:{secret}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.read().decode().strip()
    except urllib.error.HTTPError as error:
        return error.read().decode().strip()


def dig(name):
    return subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", DNS_PORT, "@127.0.0.1", name, "A"],
                          capture_output=True, text=True, timeout=10).stdout.split()


driver = chrome(1100, 1100)
try:
    driver.get(f"{BASE}/account")
    check("/account/login" in driver.current_url, "an unsigned visit goes to the sign-in page")
    driver.find_element(By.NAME, "account").send_keys(ACCOUNT)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.TAG_NAME, "form").submit()
    check(wait(lambda: driver.current_url.rstrip("/").endswith("/account")), "the account's password opens its page")
    check(HOST in driver.find_element(By.ID, "hosts").text, "the page lists the account's host")
    check(driver.find_element(By.ID, "your-address").text == "127.0.0.1", "and the address this server sees")
    check(f"login={ACCOUNT}" in driver.find_element(By.ID, "ddclient").text, "ddclient settings name the account")
    check("/nic/update?hostname=" in driver.find_element(By.ID, "router-url").text, "and a router's update URL is given")

    driver.find_element(By.CSS_SELECTOR, "form[action='/account/tokens'] button").click()
    check(wait(lambda: len(driver.find_elements(By.ID, "new-secret")) == 1), "a new token's secret is shown")
    secret = driver.find_element(By.ID, "new-secret").text
    shot = f"{SHOTS}/account.png"
    check(update(secret, "203.0.113.88") == "good 203.0.113.88", "the new token updates the host over dyndns2")
    check(dig(HOST) == ["203.0.113.88"], "and the name answers the new address")
    driver.get(f"{BASE}/account")
    check("203.0.113.88" in driver.find_element(By.ID, "hosts").text, "the page shows the new address")
    check(secret not in driver.page_source, "and never the secret again")
    driver.save_screenshot(shot)

    # The newest token is the last row.
    driver.find_elements(By.CSS_SELECTOR, "form[action='/account/tokens/revoke'] button")[-1].click()
    check(wait(lambda: "revoked" in driver.find_element(By.ID, "tokens").text.splitlines()[-1]), "revoking the token shows it revoked")
    check(update(secret, "203.0.113.89") == "badauth", "and the revoked token is refused")
finally:
    driver.quit()
print("all account checks passed", flush=True)
