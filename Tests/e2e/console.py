#!/usr/bin/python3
"""Drives the web console in headless Chromium (Selenium, Debian's chromium-driver) against a
running lannamed that captures DHCP on the loopback interface, and saves a screenshot of each
page. Started by Tests/EndToEndTests/Console/ConsoleTests.swift, which starts the daemon, sets the
console password and passes:

    console.py BASE_URL PASSWORD DNS_PORT SCREENSHOT_DIR

Leases are made by sending a DHCP REQUEST and its ACK onto `lo` (AF_PACKET, as root): traffic
never leaves the machine. Prints one line per check; exits 1 on the first failure.
"""
import socket
import struct
import subprocess
import sys
import time

from selenium.webdriver.common.by import By

from browser import check, chrome, wait

BASE, PASSWORD, DNS_PORT, SHOTS = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
SERVER_IP = "198.51.100.2"


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def frame(src_ip, dst_ip, sport, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + header + udp


def bootp(op, xid, mac, yiaddr, options):
    chaddr = bytes.fromhex(mac.replace(":", "")) + b"\0" * 10
    body = struct.pack("!BBBBIHH4s4s4s4s", op, 1, 6, 0, xid, 0, 0x8000, b"\0" * 4,
                       socket.inet_aton(yiaddr), b"\0" * 4, b"\0" * 4)
    body += chaddr + b"\0" * 192 + b"\x63\x82\x53\x63"
    for code, value in options:
        body += bytes([code, len(value)]) + value
    return body + b"\xff"


def lease(xid, mac, ip, hostname):
    """A client's REQUEST for `ip` with `hostname`, and the server's ACK, onto lo."""
    request = bootp(1, xid, mac, "0.0.0.0", [(53, b"\x03"), (50, socket.inet_aton(ip)), (12, hostname.encode()),
                                            (54, socket.inet_aton(SERVER_IP))])
    ack = bootp(2, xid, mac, ip, [(53, b"\x05"), (54, socket.inet_aton(SERVER_IP)), (51, struct.pack("!I", 3600)),
                                  (1, socket.inet_aton("255.255.255.0"))])
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind(("lo", 0))
    raw.send(frame("0.0.0.0", "255.255.255.255", 68, 67, request))
    raw.send(frame(SERVER_IP, ip, 67, 68, ack))
    raw.close()


def dig(name):
    out = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(DNS_PORT), "@127.0.0.1", name, "A"],
                         capture_output=True, text=True, timeout=10).stdout
    return out.split()


def shot(driver, name):
    driver.save_screenshot(f"{SHOTS}/{name}.png")


# Three devices with real vendors' prefixes join before the browser opens.
devices = [("00:1b:63:84:45:e6", "198.51.100.31", "macbook-anna"),
           ("b8:27:eb:12:34:56", "198.51.100.32", "pi-hole-box"),
           ("00:17:88:ab:cd:ef", "198.51.100.33", "hue-bridge")]
for index, (mac, ip, name) in enumerate(devices):
    lease(0x5000 + index, mac, ip, name)
check(wait(lambda: dig("hue-bridge.lan") == ["198.51.100.33"]), "leases sent on lo answer dig")

driver = chrome(1280, 900)
try:
    start = time.monotonic()
    driver.get(f"{BASE}/console/devices")
    check("/console/login" in driver.current_url, "an unsigned visit goes to the sign-in page")
    shot(driver, "login")
    driver.find_element(By.NAME, "password").send_keys("not the password")
    driver.find_element(By.TAG_NAME, "form").submit()
    check("Wrong password" in driver.page_source, "a wrong password is refused")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.TAG_NAME, "form").submit()
    check(wait(lambda: "/console/devices" in driver.current_url), "the right password opens the devices page")
    cookie = driver.get_cookie("lannamed_session")
    check(cookie is not None and cookie.get("httpOnly") and cookie.get("sameSite") == "Strict",
          f"the session cookie is HttpOnly and SameSite=Strict: {cookie}")

    table = driver.find_element(By.ID, "devices").text
    check("hue-bridge.lan." in table and "Philips" in table, "devices list the DHCP clients with vendors (Philips)")
    check("Apple" in table and "Raspberry" in table, "and Apple, Raspberry Pi")
    print(f"      devices page after sign-in: {time.monotonic() - start:.2f} s", flush=True)
    shot(driver, "devices")

    # A lease that arrives while the page is open appears without a reload.
    marker = driver.execute_script("window.lannamedMarker = 42; return window.lannamedMarker;")
    lease(0x6000, "3c:22:fb:00:11:22", "198.51.100.34", "ipad-kitchen")
    check(wait(lambda: "ipad-kitchen.lan." in driver.find_element(By.ID, "devices").text, 10),
          "a new lease shows on the open page")
    check(driver.execute_script("return window.lannamedMarker;") == marker, "without a reload (the page's state is intact)")
    shot(driver, "devices-live")

    # What a visitor types comes back as text, never as markup.
    driver.get(f"{BASE}/console/devices?q=%3Cscript%3Ewindow.injected%3D1%3C%2Fscript%3E")
    check("<script>window.injected=1</script>" in driver.find_element(By.ID, "devices").text,
          "a search for <script> shows as text")
    check(driver.execute_script("return window.injected === undefined;"), "and runs nothing")

    # A static host added through the form answers dig.
    driver.get(f"{BASE}/console/hosts")
    driver.find_element(By.NAME, "name").send_keys("laser-printer")
    driver.find_element(By.NAME, "addresses").send_keys("198.51.100.60")
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/hosts'] button").click()
    check(wait(lambda: "added laser-printer.lan." in driver.page_source), "the form says the host was added")
    check(dig("laser-printer.lan") == ["198.51.100.60"], "and dig answers it")
    shot(driver, "hosts")
    driver.find_element(By.CSS_SELECTOR, "form[action='/console/hosts/remove'] button").click()
    check(wait(lambda: "removed laser-printer" in driver.page_source), "removing it through its button works")
    check(dig("laser-printer.lan") == [], "and dig no longer answers it")

    driver.get(f"{BASE}/console/zones")
    check("lan." in driver.find_element(By.TAG_NAME, "table").text, "the zones page lists the LAN zone and its serial")
    shot(driver, "zones")

    # A phone-sized screen: the devices page still fits (the table scrolls inside its box).
    driver.set_window_size(390, 844)
    driver.get(f"{BASE}/console/devices")
    width = driver.execute_script("return document.documentElement.scrollWidth;")
    check(width <= 400, f"on a phone screen the page does not scroll sideways ({width} px)")
    shot(driver, "devices-phone")

    driver.find_element(By.CSS_SELECTOR, "form[action='/console/logout'] button").click()
    check(wait(lambda: "/console/login" in driver.current_url), "signing out leads to the sign-in page")
    driver.get(f"{BASE}/console/devices")
    check("/console/login" in driver.current_url, "after signing out the pages ask to sign in again")
finally:
    driver.quit()
print("all console checks passed", flush=True)
