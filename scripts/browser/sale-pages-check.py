"""Issue 15 checks in headless chromium: the sale and contract pages at 1366 px at several stages
(full-page height, screenshots), and the printed 认购书 and contract as A4 PDFs rendered to PNG.
Usage: sale-pages-check.py BASE OUT_DIR [PORT] [--no-print]"""
import base64, json, os, re, subprocess, sys, urllib.request
sys.path.insert(0, os.path.dirname(__file__))
from cdp import Browser, web_session

base, out = sys.argv[1], sys.argv[2]
port = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[3].isdigit() else 9333
printing = "--no-print" not in sys.argv
os.makedirs(out, exist_ok=True)
b = Browser(base, web_session(base, os.environ.get("CHECK_USER", "sales-manager"), "demo1234"), port=port, width=1366, height=900)

def stop():
    """The chromium wrapper leaves its browser behind: end the processes of this port, by id."""
    b.close()
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    for line in ps.splitlines():
        if f"--remote-debugging-port={port}" in line and "/chromium" in line:
            try: os.kill(int(line.split()[0]), 15)
            except (ProcessLookupError, ValueError): pass

import atexit
atexit.register(stop)

b.open("/sales")
project = re.search(r"/projects/([0-9a-fA-F-]{36})", b.js("location.href + ' ' + document.body.innerHTML")).group(1)

def links(path, pattern):
    b.open(path)
    return b.js(f"Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href')).filter(h => h && /{pattern}/.test(h))") or []

def height():
    return b.js("Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")

def full_shot(name):
    h = height()
    b.cdp("Emulation.setDeviceMetricsOverride", width=1366, height=min(h, 16000), deviceScaleFactor=1, mobile=False)
    data = b.cdp("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
    open(os.path.join(out, name), "wb").write(base64.b64decode(data))
    b.cdp("Emulation.clearDeviceMetricsOverride")
    return h

pages = {}
subs = [h for h in links(f"/projects/{project}/sales?status=active", r"^\/sales\/[0-9a-fA-F-]{36}$")]
if subs: pages["subscribed"] = subs[0]
sales = [h for h in links(f"/projects/{project}/sales?status=contracted", r"^\/sales\/[0-9a-fA-F-]{36}$")]
contracts = []
for s in sales[:40]:
    c = links(s, r"^\/contracts\/[0-9a-fA-F-]{36}$")
    if c: contracts.append(c[0])
for c in contracts:
    b.open(c)
    badge = b.js("(document.querySelector('h1 .badge')||{}).textContent||''")
    mortgage = b.js("Array.from(document.querySelectorAll('h2')).some(h => h.textContent.trim() === '按揭')")
    staged = b.js("document.body.innerText.indexOf('按揭进度') >= 0")
    if "contract-draft" not in pages and badge == "待签约": pages["contract-draft"] = c
    if "mortgage" not in pages and badge == "已签约" and staged: pages["mortgage"] = c
    if "contracted" not in pages and badge == "已签约" and not mortgage: pages["contracted"] = c
if sales: pages["sale-contracted"] = sales[0]

result = {}
for name, path in pages.items():
    b.open(path)
    result[name] = {"path": path, "height": full_shot(f"{name}.png")}
print(json.dumps(result, ensure_ascii=False, indent=1))

if printing:
    for name, path in [("agreement", pages.get("subscribed", "") + "/agreement"), ("contract", (pages.get("mortgage") or pages.get("contracted", "")) + "/print")]:
        b.open(path)
        pdf = b.cdp("Page.printToPDF", paperWidth=8.27, paperHeight=11.69, marginTop=0, marginBottom=0, marginLeft=0, marginRight=0,
                    printBackground=True, preferCSSPageSize=True)["data"]
        file = os.path.join(out, f"{name}.pdf")
        open(file, "wb").write(base64.b64decode(pdf))
        subprocess.run(["pdftoppm", "-r", "60", "-png", file, os.path.join(out, name)], check=True)
        print(name, path, sorted(f for f in os.listdir(out) if f.startswith(name + "-")))
