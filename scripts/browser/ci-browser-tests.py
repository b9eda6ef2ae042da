#!/usr/bin/env python3
"""Browser tests for CI: real chromium (Debian's chromium + chromium-driver) driven by Selenium 4,
against a server started with `estate serve --demo`. Each flow clicks through the pages as a user
would and asserts what the user must see; screenshots (and the printed 认购书 as PDF, the
downloaded report) land in OUTPUT_DIR.

  a. sign-in: a wrong password shows the Chinese error, the right one lands on 工作台;
  b. the 销控 board seen live by a second browser: A reserves a unit through the board's panel,
     B sees the cell turn 预留 without reloading; A cancels it, B sees it available again;
  c. 认购 to the printed 认购书: a consultant files a customer (GB 11643 ID number), subscribes an
     available unit through the form, lands on the sale page and opens the 认购书 (unit code, buyer,
     amounts), printed to PDF;
  d. a ticket to its callback: cs-staff files a repair on that unit, assigns it to the engineer
     through the ticket page, the engineer starts and resolves it, cs-staff records the 回访 with
     satisfaction, the ticket shows 已关闭;
  e. the owner page at 375 px: the buyer signs in with mobile + SMS code (the message found in the
     outbox, its text in the demo server's log where it is "sent"), sees their home and the
     ticket, no horizontal scroll on any page;
  f. a report download: sales-manager clicks the 销售 report's .xlsx; the file lands in
     OUTPUT_DIR/downloads, says 月报/周报/日报 in its name, and openpyxl opens it.

Any SEVERE browser console entry fails the run (except the expected 4xx of a refused form).

Usage: ci-browser-tests.py BASE_URL OUTPUT_DIR --server-log FILE (--data-dir DIR | --database-url URL) [--password demo1234]
The owner's SMS: its message id from the outbox (the server's ESTATE_DATA_DIR SQLite file or the
PostgreSQL URL), its code from the server's log (a demo server without ESTATE_SMS_URL "sends" there). Needs: chromium, chromium-driver (/usr/bin/chromedriver), chromium-l10n, fonts-noto-cjk, pip selenium, openpyxl."""
import argparse, datetime, os, random, re, sqlite3, subprocess, sys, time, traceback, urllib.parse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

ap = argparse.ArgumentParser()
ap.add_argument("base")
ap.add_argument("out")
ap.add_argument("--data-dir", default=os.environ.get("ESTATE_DATA_DIR", ""))
# No default from $DATABASE_URL: CI exports it for the PostgreSQL steps while this step's server
# runs on SQLite, and the outbox would then be looked up in the wrong database.
ap.add_argument("--database-url", default="")
ap.add_argument("--server-log", default="", help="the server's log file (demo mode writes SMS there)")
ap.add_argument("--password", default="demo1234")
ap.add_argument("--project", default="HXY")
ap.add_argument("--chromedriver", default=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
ap.add_argument("--chromedriver-port", type=int, default=0, help="first port for chromedriver (one per browser); 0: any free port")
args = ap.parse_args()
BASE = args.base.rstrip("/")
OUT = os.path.abspath(args.out)
DOWNLOADS = os.path.join(OUT, "downloads")
os.makedirs(DOWNLOADS, exist_ok=True)
if (not args.data_dir and not args.database_url) or not args.server_log:
    sys.exit("ci-browser-tests: pass --server-log FILE and --data-dir DIR (SQLite) or --database-url URL (PostgreSQL): "
             "the owner's SMS is found in the outbox and its code in the demo server's log")

opened = [0]       # browsers started so far (each gets its own chromedriver port when one is given)
drivers = []       # every browser opened, to close at the end and screenshot on failure
current = {"flow": "setup"}


class Failure(Exception):
    pass


def fail(message):
    raise Failure(message)


# MARK: Browser

def browser(width=1366, height=900, mobile=False):
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--lang=zh-CN",
              "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--password-store=basic",
              f"--window-size={width},{height}"):
        o.add_argument(a)
    if os.geteuid() == 0:
        o.add_argument("--disable-setuid-sandbox")
    o.add_experimental_option("prefs", {
        "intl.accept_languages": "zh-CN,zh",
        "download.default_directory": DOWNLOADS,
        "download.prompt_for_download": False,
        "download.directory_upgrade": True,
        "safebrowsing.enabled": True,
    })
    if mobile:
        o.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "touch": True},
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"})
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # The browser's own UI (file inputs, date pickers) in Chinese as well: needs Debian's
    # chromium-l10n and the locale in the environment (headless chromium ignores --lang for it).
    env = {**os.environ, "LANGUAGE": "zh_CN:zh", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    opened[0] += 1
    port = args.chromedriver_port + opened[0] - 1 if args.chromedriver_port else 0
    d = webdriver.Chrome(service=Service(args.chromedriver, port=port, env=env), options=o)
    d.set_page_load_timeout(30)
    if not mobile:
        d.set_window_size(width, height)
    d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": DOWNLOADS, "eventsEnabled": True})
    drivers.append(d)
    return d


def wait(d, condition, what, timeout=20):
    """Waits until condition(d) is truthy (a JS string is evaluated in the page) and returns it."""
    fn = (lambda drv: drv.execute_script("return (" + condition + ")")) if isinstance(condition, str) else condition
    try:
        return WebDriverWait(d, timeout, poll_frequency=0.1).until(lambda drv: fn(drv))
    except TimeoutException:
        fail(f"{what} (waited {timeout} s; page {d.current_url})")


def js(d, expr, *a):
    return d.execute_script("return (" + expr + ")", *a)


# Known product defects, reported rather than hidden (none now: the printable pages name the favicon).
KNOWN = []
notes = {}


def console(d, allow_4xx=False):
    """Fails on a SEVERE console entry. A refused form answers 4xx by design: with allow_4xx the
    network line for that document is accepted (nothing else)."""
    bad = []
    for e in d.get_log("browser"):
        if e.get("level") != "SEVERE":
            continue
        known = next((label for rx, label in KNOWN if rx.search(e.get("message", ""))), None)
        if known:
            notes.setdefault(known, set()).add(urllib.parse.urlparse(d.current_url).path)
            continue
        if allow_4xx and e.get("source") == "network" and re.search(r"status of 4\d\d", e.get("message", "")):
            continue
        bad.append(e.get("message", ""))
    if bad:
        fail("browser console errors: " + " | ".join(bad))


def shot(d, name):
    path = os.path.join(OUT, name)
    d.save_screenshot(path)
    return path


def full_shot(d, name):
    """A screenshot of the whole page height (the window grows for it, then goes back)."""
    w, h = d.get_window_size()["width"], d.get_window_size()["height"]
    total = js(d, "Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")
    d.set_window_size(w, min(max(h, total + 140), 4000))
    try:
        return shot(d, name)
    finally:
        d.set_window_size(w, h)


def goto(d, path, ready="document.readyState === 'complete'"):
    d.get(BASE + path)
    wait(d, ready, f"{path} did not load")


def click(d, css, within=None):
    el = (within or d).find_element(By.CSS_SELECTOR, css)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    el.click()
    return el


def submit_and_wait(d, button, what):
    """Clicks a submit button and waits for the next document (the old one goes stale)."""
    html = d.find_element(By.TAG_NAME, "html")
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait(d, lambda drv: _stale(html) and drv.execute_script("return document.readyState") == "complete", what)


def _stale(el):
    try:
        el.is_enabled()
        return False
    except Exception:
        return True


def fill(d, css, value, within=None):
    el = (within or d).find_element(By.CSS_SELECTOR, css)
    el.clear()
    el.send_keys(value)
    return el


def text(d):
    return d.find_element(By.TAG_NAME, "body").text


def sign_in(d, user, password=None):
    goto(d, "/login")
    fill(d, "#username", user)
    fill(d, "#password", password or args.password)
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"), f"sign-in of {user} did not answer")
    if "/login" in d.current_url:
        fail(f"{user} could not sign in: {text(d)[:200]}")
    console(d)


# MARK: Data

def id_number(born, seq):
    """A 居民身份证 number valid per GB 11643-1999: area 110105 (北京朝阳), birthday, sequence, check digit."""
    body = f"110105{born:%Y%m%d}{seq:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]


def sms_code(mobile):
    """The code the owner's phone would get. The outbox row (recipient unmasked) names the message;
    with no SMS provider configured a demo server sends it to its log, body shown, as
    `SMS to 139****1234: …验证码是 123456… [message: ID]` — the outbox body itself is blanked once
    sent. So: the latest 'owner.code' message id for the mobile, then that id's line in the log."""
    sql = ("SELECT id FROM outbox_messages WHERE recipient = '%s' AND template = 'owner.code' "
           "ORDER BY created_at DESC LIMIT 1" % mobile)
    if args.database_url and not args.data_dir:
        r = subprocess.run(["psql", args.database_url, "-Atc", sql], capture_output=True, text=True, timeout=20)
        if r.returncode != 0:
            raise RuntimeError("psql could not read the outbox: " + r.stderr.strip())
        message = r.stdout.strip()
    else:
        db = sqlite3.connect("file:" + os.path.join(args.data_dir, "estate.sqlite") + "?mode=ro", uri=True, timeout=10)
        try:
            row = db.execute(sql).fetchone()
        finally:
            db.close()
        message = row[0] if row else ""
    if not message:
        return None
    with open(args.server_log, encoding="utf-8", errors="replace") as f:
        for line in f:
            if message.lower() in line.lower() and "SMS to" in line:
                m = re.search(r"验证码是 ([0-9]{6})", line)
                return m.group(1) if m else None
    return None


RUN = f"{random.randint(0, 9999):04d}"
BUYER = {"name": f"浏览器测试{RUN}", "mobile": f"139{random.randint(0, 99999999):08d}",
         "id": id_number(datetime.date(1988, 3, 14), random.randint(100, 999))}
state = {}


def project_id(d):
    """The project's id, looked up once through the JSON API (setup, not what is under test)."""
    if "project" not in state:
        import json, urllib.request
        def call(method, path, body=None, token=None):
            h = {"Content-Type": "application/json", "Accept": "application/json"}
            if token: h["Authorization"] = "Bearer " + token
            r = urllib.request.Request(BASE + path, data=json.dumps(body).encode() if body else None, method=method, headers=h)
            with urllib.request.urlopen(r, timeout=15) as res:
                return json.load(res)
        token = call("POST", "/api/v1/auth/login", {"username": "sales-manager", "password": args.password})["token"]
        found = [p["id"] for p in call("GET", "/api/v1/projects", token=token)["items"] if p["code"] == args.project]
        if not found:
            fail(f"no project {args.project} on the server")
        state["project"] = found[0]
    return state["project"]


# MARK: Flows

def flow_sign_in():
    d = browser()
    goto(d, "/login")
    fill(d, "#username", "sales-manager")
    fill(d, "#password", "wrong-password")
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"), "the refused sign-in did not answer")
    err = wait(d, "(document.querySelector('.flash.error, [role=alert], .error') || {}).textContent || ''", "no error shown after a wrong password")
    if not re.search(r"[\u4e00-\u9fff]", err):
        fail(f"the sign-in error is not Chinese: {err!r}")
    if js(d, "!!document.querySelector('form[action=\"/login\"] #password')") is not True:
        fail("after a wrong password the form is not shown again")
    console(d, allow_4xx=True)
    shot(d, "a1-sign-in-wrong-password.png")
    fill(d, "#username", "sales-manager")
    fill(d, "#password", args.password)
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/login'] button[type=submit]"), "sign-in did not answer")
    h1 = wait(d, "(document.querySelector('h1') || {}).textContent", "no heading after sign-in")
    current_nav = js(d, "(document.querySelector('nav.side a.current') || {}).textContent || ''")
    if current_nav != "工作台" or not d.title.startswith("工作台") or urllib.parse.urlparse(d.current_url).path not in ("/", ""):
        fail(f"the right password did not land on 工作台 (title {d.title!r}, current nav {current_nav!r}, at {d.current_url})")
    if not d.find_elements(By.XPATH, "//header//*[contains(., '@sales-manager')]"):
        fail("the signed-in user is not shown in the top bar")
    console(d)
    shot(d, "a2-workbench.png")
    d.quit(); drivers.remove(d)
    return f"wrong password → {err.strip()!r}; right password → 工作台 at / ({h1.strip()!r}, nav 工作台 current)"


def flow_board_live():
    a, b = browser(), browser()
    sign_in(a, "sales-manager")
    sign_in(b, "consultant")
    p = project_id(a)
    board = f"/projects/{p}/board"
    for d in (a, b):
        goto(d, board, "!!document.querySelector('table.board')")
        wait(d, "document.getElementById('live').classList.contains('on')", "the board's live indicator never turned on")
    # An available unit B sees too (the consultant's board shows the same cells).
    unit = js(a, """(function(){ var c = Array.from(document.querySelectorAll("td.cell.st-available[data-unit]"))
                        .filter(function(td){ return !!td.querySelector('a'); });
                      return c.length ? c[c.length - 1].getAttribute('data-unit') : null; })()""")
    if not unit:
        fail("no available unit on the board")
    sel = f'td[data-unit="{unit}"]'
    if js(b, f"document.querySelector('{sel}') && document.querySelector('{sel}').getAttribute('data-status')") != "available":
        fail("B does not show the unit as available")
    js(b, "(window.__noReload = 'kept', true)")
    js(b, f"(document.querySelector('{sel}').scrollIntoView({{block: 'center', inline: 'center'}}), true)")
    reserved_before = js(b, "(document.querySelector('#board-totals') || {}).textContent || ''")
    shot(b, "b1-board-b-before.png")

    # A: the cell's panel, its 预留 form.
    click(a, f"{sel} a")
    wait(a, "!document.getElementById('unit-panel').hidden && !!document.querySelector('#unit-panel form.reserve')", "the unit panel with its 预留 form did not open")
    code = js(a, "document.querySelector('#unit-panel h2').firstChild.textContent").strip()
    panel = a.find_element(By.CSS_SELECTOR, "#unit-panel form.reserve")
    fill(a, "input[name=customerName]", "看房客户" + RUN, within=panel)
    fill(a, "input[name=customerMobile]", "1370000" + RUN, within=panel)
    shot(a, "b2-board-a-panel.png")
    sent = time.time()
    submit_and_wait(a, panel.find_element(By.CSS_SELECTOR, "button[type=submit]"), "the 预留 did not answer")
    if js(a, f"document.querySelector('{sel}').getAttribute('data-status')") != "reserved":
        fail(f"A's board does not show {code} reserved after 预留: {text(a)[:300]}")
    console(a)
    wait(b, f"document.querySelector('{sel}').classList.contains('st-reserved')", f"B did not see {code} turn 预留 without reloading", timeout=10)
    seen = time.time() - sent
    if js(b, "window.__noReload") != "kept":
        fail("B's page reloaded: the change did not arrive live")
    wait(b, f"(document.querySelector('#board-totals') || {{}}).textContent !== {reserved_before!r}", "B's totals were not refreshed")
    console(b)
    shot(a, "b3-board-a-after-reserve.png")
    shot(b, "b4-board-b-sees-reserved.png")

    # A cancels it (取消预留 in the panel); B sees it available again.
    click(a, f"{sel} a")
    wait(a, "!document.getElementById('unit-panel').hidden && !!document.querySelector('#unit-panel input[name=move][value=unreserve]')",
         "the panel has no 取消预留")
    form = a.find_element(By.XPATH, "//*[@id='unit-panel']//input[@name='move' and @value='unreserve']/..")
    # 取消预留 asks for a reason and a confirmation (issue 15 point 9): both are there, then given.
    reason = form.find_element(By.CSS_SELECTOR, "input[name=reason]")
    if not reason.get_attribute("required"):
        fail("取消预留 does not require a reason")
    button = form.find_element(By.CSS_SELECTOR, "button[type=submit]")
    if not button.get_attribute("data-confirm"):
        fail("取消预留 asks no confirmation")
    reason.send_keys("客户改期，浏览器测试")
    js(a, "(window.confirm = function () { return true; }, true)")
    sent2 = time.time()
    submit_and_wait(a, button, "the 取消预留 did not answer")
    wait(b, f"document.querySelector('{sel}').classList.contains('st-available')", f"B did not see {code} available again", timeout=10)
    seen2 = time.time() - sent2
    if js(b, "window.__noReload") != "kept":
        fail("B's page reloaded")
    console(a); console(b)
    shot(b, "b5-board-b-sees-available.png")
    for d in (a, b):
        d.quit(); drivers.remove(d)
    return (f"{code}: A (sales-manager) 预留 through the board panel → B (consultant) saw 预留 after {seen * 1000:.0f} ms, "
            f"then 取消预留 → available after {seen2 * 1000:.0f} ms, without a reload")


def flow_subscribe():
    d = browser()
    sign_in(d, "consultant")
    p = project_id(d)
    # The buyer, as a customer of the project (the 认购 form names buyers by mobile).
    goto(d, f"/projects/{p}/customers", "!!document.querySelector('#c-name')")
    fill(d, "#c-name", BUYER["name"])
    fill(d, "#c-mobile", BUYER["mobile"])
    Select(d.find_element(By.CSS_SELECTOR, "#c-idKind")).select_by_value("resident_id")
    fill(d, "#c-idNumber", BUYER["id"])
    submit_and_wait(d, d.find_element(By.XPATH, "//input[@id='c-name']/ancestor::form//button[@type='submit']"), "the new customer did not save")
    if not re.search(r"/customers/[0-9A-Fa-f-]{36}", d.current_url):
        fail(f"the customer was not created: {text(d)[:400]}")
    console(d)

    # An available unit from the board, through its panel's 认购 link.
    goto(d, f"/projects/{p}/board", "!!document.querySelector('table.board')")
    unit = js(d, """(function(){ var c = Array.from(document.querySelectorAll("td.cell.st-available[data-unit]")).filter(function(td){ return !!td.querySelector('a'); });
                      return c.length ? c[0].getAttribute('data-unit') : null; })()""")
    if not unit:
        fail("no available unit to subscribe")
    click(d, f'td[data-unit="{unit}"] a')
    wait(d, "!document.getElementById('unit-panel').hidden && !!document.querySelector('#unit-panel a[href$=\"/subscribe\"]')", "the panel has no 认购 link")
    code = js(d, "document.querySelector('#unit-panel h2').firstChild.textContent").strip()
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "#unit-panel a[href$='/subscribe']"), "the 认购 form did not open")
    wait(d, "!!document.querySelector('#s-mobile1')", "the 认购 form has no buyer row")
    total = js(d, "(document.querySelector('.quote tr.total td.num') || {}).textContent || ''").strip()
    if not re.fullmatch(r"[0-9,]+\.[0-9]{2}", total):
        fail(f"the 认购 form shows no price: {total!r}")
    fill(d, "#s-mobile1", BUYER["mobile"])
    fill(d, "#s-deposit", "50000")
    fill(d, "#s-note", "浏览器测试认购")
    full_shot(d, "c1-subscribe-form.png")
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form.grid-form button.primary[type=submit]"), "the 认购 did not answer")
    m = re.search(r"/sales/([0-9A-Fa-f-]{36})", d.current_url)
    if not m:
        fail(f"the 认购 did not land on the sale page: {d.current_url} {text(d)[:400]}")
    body = text(d)
    for must in (code, BUYER["name"]):
        if must not in body:
            fail(f"the sale page does not show {must!r}")
    console(d)
    full_shot(d, "c2-sale-page.png")

    # The printable 认购书.
    link = d.find_element(By.CSS_SELECTOR, "a[href$='/agreement']")
    submit_and_wait(d, link, "the 认购书 did not open")
    sheet = text(d)
    for label, must in (("title", "商品房认购书"), ("unit code", code), ("buyer", BUYER["name"]),
                        ("deposit", "人民币 50,000.00 元"), ("total", f"人民币 {total} 元"), ("capitals", "伍万元整")):
        if must not in sheet:
            fail(f"the 认购书 lacks the {label} {must!r}: {sheet[:500]}")
    console(d)
    full_shot(d, "c3-agreement.png")
    import base64
    from selenium.webdriver.common.print_page_options import PrintOptions
    po = PrintOptions()
    po.page_width, po.page_height = 21.0, 29.7      # A4 portrait, as the sheet says it prints
    po.background = True
    pdf = base64.b64decode(d.print_page(po))
    if not pdf.startswith(b"%PDF") or len(pdf) < 5000:
        fail("the printed 认购书 is not a PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    with open(os.path.join(OUT, "c4-agreement.pdf"), "wb") as f:
        f.write(pdf)
    state.update(unit=unit, unit_code=code, sale=m.group(1))
    d.quit(); drivers.remove(d)
    return (f"customer {BUYER['name']} (ID {BUYER['id']}) → 认购 of {code} at {total} 元, deposit 50,000 → sale page → "
            f"认购书 with unit, buyer, both amounts in figures and capitals; A4 PDF {len(pdf) // 1024} KB, {pages} page(s)")


def flow_ticket():
    if "unit_code" not in state:
        fail("needs the unit sold in the 认购 flow")
    cs, eng = browser(), browser()
    sign_in(cs, "cs-staff")
    sign_in(eng, "engineer")
    # The engineer's name, as their own top bar shows it (the 派单 list names people).
    engineer_name = js(eng, "document.querySelector('header .who').firstChild.textContent").strip()
    p = project_id(cs)
    goto(cs, f"/projects/{p}/tickets/new", "!!document.querySelector('#new-kind')")
    Select(cs.find_element(By.CSS_SELECTOR, "#new-kind")).select_by_value("repair")
    Select(cs.find_element(By.CSS_SELECTOR, "#new-channel")).select_by_value("hotline")
    Select(cs.find_element(By.CSS_SELECTOR, "#new-severity")).select_by_value("normal")
    title = f"卫生间渗水 {RUN}"
    fill(cs, "#new-title", title)
    fill(cs, "#new-description", "业主来电：主卫地漏附近渗水，楼下天花有水渍。")
    fill(cs, "#new-unitCode", state["unit_code"])
    comp = Select(cs.find_element(By.CSS_SELECTOR, "#new-component"))
    choices = [o.get_attribute("value") for o in comp.options if o.get_attribute("value")]
    comp.select_by_value("wet_room_waterproofing" if "wet_room_waterproofing" in choices else choices[0])
    fill(cs, "#new-location", "主卫")
    fill(cs, "#new-customerMobile", BUYER["mobile"])
    fill(cs, "#new-contactName", BUYER["name"])
    fill(cs, "#new-contactMobile", BUYER["mobile"])
    full_shot(cs, "d1-ticket-new.png")
    submit_and_wait(cs, cs.find_element(By.CSS_SELECTOR, "form.ticket-form button.primary[type=submit]"), "the new ticket did not save")
    m = re.search(r"/tickets/([0-9A-Fa-f-]{36})", cs.current_url)
    if not m:
        fail(f"the ticket was not created: {cs.current_url} {text(cs)[:400]}")
    ticket = f"/tickets/{m.group(1)}"
    number = js(cs, "document.querySelector('h1.ticket-title .mono').textContent").strip()
    console(cs)

    def status(d):
        return js(d, "document.querySelector('.ticket-badges').textContent")

    def expect(d, word, step):
        s = status(d)
        if word not in s:
            fail(f"after {step} the ticket shows {s!r}, expected {word!r}")

    expect(cs, "新建", "filing")
    # 派单 to the engineer through the page's form.
    form = cs.find_element(By.CSS_SELECTOR, "#act-assign form")
    Select(form.find_element(By.CSS_SELECTOR, "select[name=department]")).select_by_value("engineering") if \
        form.find_elements(By.CSS_SELECTOR, "select[name=department] option[value=engineering]") else None
    who = Select(form.find_element(By.CSS_SELECTOR, "select[name=assigneeId]"))
    # The engineer is offered for a repair, marked as taking repairs only, in the 工程部 (issue 15 point 4).
    mine = [o for o in who.options if o.text.strip().startswith(engineer_name)]
    if not mine:
        fail(f"the 派单 list has no {engineer_name} (engineer): " + ", ".join(o.text for o in who.options))
    if "engineering" not in (mine[0].get_attribute("data-departments") or "").split():
        fail(f"{engineer_name} is not listed in the 工程部")
    who.select_by_value(mine[0].get_attribute("value"))
    fill(cs, "textarea[name=note]", "请今天上门查看", within=form)
    submit_and_wait(cs, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "派单 did not answer")
    expect(cs, "已派单", "派单")
    console(cs)

    # The engineer: 接单, then 处理完成 with the cause and cost.
    goto(eng, ticket, "!!document.querySelector('#act-start form')")
    form = eng.find_element(By.CSS_SELECTOR, "#act-start form")
    fill(eng, "textarea[name=note]", "已联系业主，下午上门", within=form)
    submit_and_wait(eng, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "接单 did not answer")
    expect(eng, "处理中", "接单")
    form = wait(eng, lambda drv: drv.find_elements(By.CSS_SELECTOR, "#act-resolve form"), "no 处理完成 form for the engineer")[0]
    fill(eng, "textarea[name=note]", "重做地漏周边防水，闭水试验48小时无渗漏。", within=form)
    Select(form.find_element(By.CSS_SELECTOR, "select[name=cause]")).select_by_value("construction")
    fill(eng, "input[name=contractor]", "某防水工程公司", within=form)
    fill(eng, "input[name=cost]", "800.00", within=form)
    full_shot(eng, "d2-ticket-engineer-resolving.png")
    submit_and_wait(eng, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "处理完成 did not answer")
    expect(eng, "已处理", "处理完成")
    console(eng)

    # cs-staff: 开始回访, then the 回访 with satisfaction; solved closes it.
    goto(cs, ticket, "!!document.querySelector('#act-start_callback form')")
    form = cs.find_element(By.CSS_SELECTOR, "#act-start_callback form")
    submit_and_wait(cs, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "开始回访 did not answer")
    expect(cs, "回访", "开始回访")
    form = cs.find_element(By.CSS_SELECTOR, "form.callback-form")
    click(cs, "input[name=satisfaction][value='5']", within=form)
    click(cs, "input[name=solved][value=yes]", within=form)
    notes = form.find_elements(By.CSS_SELECTOR, "textarea[name=note], input[name=note]")
    if notes:
        notes[0].send_keys("业主确认已不渗水，对维修满意")
    submit_and_wait(cs, form.find_element(By.CSS_SELECTOR, "button[type=submit]"), "the 回访 did not save")
    expect(cs, "已关闭", "回访")
    body = text(cs)
    for must in ("5/5", "重做地漏周边防水", engineer_name):
        if must not in body:
            fail(f"the closed ticket page lacks {must!r}")
    console(cs)
    full_shot(cs, "d3-ticket-closed.png")
    state.update(ticket=m.group(1), ticket_number=number)
    for d in (cs, eng):
        d.quit(); drivers.remove(d)
    return f"{number} (repair on {state['unit_code']}): 新建 → 派单 to {engineer_name} → 接单 → 处理完成 (施工, 800 元) → 回访 5/5 已解决 → 已关闭"


def no_side_scroll(d, where):
    w = js(d, "document.documentElement.scrollWidth")
    if w > 375:
        fail(f"{where} scrolls sideways at 375 px (scrollWidth {w})")
    return w


def flow_owner():
    if "unit_code" not in state:
        fail("needs the unit sold in the 认购 flow")
    d = browser(375, 812, mobile=True)
    goto(d, "/owner", "!!document.querySelector('#mobile')")
    if js(d, "window.innerWidth") != 375:
        fail(f"the owner browser is {js(d, 'window.innerWidth')} px wide, not 375")
    no_side_scroll(d, "the owner sign-in")
    shot(d, "e1-owner-sign-in-375.png")
    fill(d, "#mobile", BUYER["mobile"])
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/owner/code'] button[type=submit]"), "获取验证码 did not answer")
    wait(d, "!!document.querySelector('#code')", "no code field after asking for a code")
    code = wait(d, lambda drv: sms_code(BUYER["mobile"]), "no SMS with a code reached the buyer (outbox + server log)", timeout=20)
    no_side_scroll(d, "the code form")
    fill(d, "#code", code)
    shot(d, "e2-owner-code-375.png")
    submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form[action='/owner/login'] button[type=submit]"), "sign-in did not answer")
    wait(d, "!!document.querySelector('.o-units')", f"the owner's home shows no units: {text(d)[:300]}")
    home = text(d)
    for label, must in (("unit", state["unit_code"]), ("ticket", state.get("ticket_number", ""))):
        if must and must not in home:
            fail(f"the owner's home lacks the {label} {must!r}: {home[:400]}")
    w = no_side_scroll(d, "the owner's home")
    console(d)
    full_shot(d, "e3-owner-home-375.png")
    if "ticket" in state:
        submit_and_wait(d, d.find_element(By.CSS_SELECTOR, f"a[href='/owner/tickets/{state['ticket']}']"), "the owner's ticket did not open")
        page = text(d)
        if state["ticket_number"] not in page:
            fail("the owner's ticket page lacks its number")
        no_side_scroll(d, "the owner's ticket page")
        console(d)
        full_shot(d, "e4-owner-ticket-375.png")
    d.get(BASE + "/owner/repairs/new")
    wait(d, "document.readyState === 'complete'", "the repair form did not load")
    no_side_scroll(d, "the owner's repair form")
    console(d)
    full_shot(d, "e5-owner-repair-form-375.png")
    d.quit(); drivers.remove(d)
    return (f"mobile {BUYER['mobile']} + SMS code (outbox → server log) → home with {state['unit_code']}"
            + (f" and {state['ticket_number']}" if "ticket_number" in state else "") + f"; scrollWidth {w} ≤ 375 on sign-in, code, home, ticket, repair form")


def flow_report():
    d = browser()
    sign_in(d, "sales-manager")
    p = project_id(d)
    goto(d, f"/projects/{p}/reports", "!!document.querySelector('a.report-export')")
    console(d)
    shot(d, "f1-reports.png")
    before = set(os.listdir(DOWNLOADS))
    click(d, "a.report-export")

    def done(_):
        new = [f for f in set(os.listdir(DOWNLOADS)) - before if not f.endswith(".crdownload") and not f.startswith(".")]
        partial = [f for f in os.listdir(DOWNLOADS) if f.endswith(".crdownload")]
        return new[0] if new and not partial else None
    name = wait(d, done, "the report .xlsx did not arrive in the download folder", timeout=20)
    if not re.search(r"(月报|周报|日报)", name) or not name.endswith(".xlsx"):
        fail(f"the report file name does not say its period: {name!r}")
    import openpyxl
    path = os.path.join(DOWNLOADS, name)
    wb = openpyxl.load_workbook(path, read_only=True)
    sheets = wb.sheetnames
    rows = sum(1 for _ in wb[sheets[0]].iter_rows())
    wb.close()
    if rows < 2:
        fail(f"the report workbook's first sheet is empty ({sheets})")
    console(d)
    d.quit(); drivers.remove(d)
    return f"{name}: {os.path.getsize(path) // 1024} KB, openpyxl reads {len(sheets)} sheets ({', '.join(sheets)}), {rows} rows on the first"


FLOWS = [("a sign-in", flow_sign_in), ("b board live", flow_board_live), ("c 认购 → 认购书", flow_subscribe),
         ("d ticket → 回访", flow_ticket), ("e owner 375 px", flow_owner), ("f report .xlsx", flow_report)]


def main():
    started = time.time()
    for name, fn in FLOWS:
        current["flow"] = name
        t0 = time.time()
        try:
            what = fn()
        except Exception as e:
            for i, d in enumerate(drivers):
                try:
                    shot(d, f"FAILED-{name.split()[0]}-{i + 1}.png")
                except Exception:
                    pass
            detail = str(e) if isinstance(e, Failure) else traceback.format_exc()
            print(f"FAIL  {name} ({time.time() - t0:.1f} s): {detail}", flush=True)
            print(f"screenshots in {OUT}", flush=True)
            for d in drivers:
                try: d.quit()
                except Exception: pass
            return 1
        print(f"ok    {name} ({time.time() - t0:.1f} s): {what}", flush=True)
    for label, pages in notes.items():
        print(f"note  known product defect seen: {label} on {', '.join(sorted(pages))}")
    print(f"all {len(FLOWS)} browser flows passed in {time.time() - started:.1f} s; screenshots in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
