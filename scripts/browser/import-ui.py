#!/usr/bin/env python3
"""The import page in headless chromium: a file with bad rows shows every problem with its row
and column; a good file imports with the progress bar reaching the end. Screenshots both.
Usage: import-ui.py BASE_URL USER PASSWORD OUT_DIR"""
import json, os, sys, tempfile, urllib.request
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cdp import Browser, web_session

base, user, password, out = sys.argv[1:5]
os.makedirs(out, exist_ok=True)
b = Browser(base, web_session(base, user, password))
try:
    projects = b  # the project id comes from the page we land on
    b.open("/inventory", "location.pathname.endsWith('/board')")
    project = b.js("location.pathname.split('/')[2]")
    head = "楼栋,单元,楼层,房号,房间编码,户型,朝向,用途,建筑面积,套内面积,计价方式,表价单价,表价总价,底价\n"
    bad = head + ("5号楼,1,1,01,,A户型,南,住宅,100.00,80.00,按建筑面积,20000,,\n"
                  "5号楼,1,1,02,,Z户型,南,住宅,一百,80.00,按建筑面积,20000,,\n"
                  "5号楼,1,1,01,,A户型,南,住宅,100.00,80.00,按建筑面积,20000,,\n")
    good = head + "".join(f"5号楼,1,{f},0{r},,{'A户型' if r % 2 else 'B户型'},南,住宅,{90 + r}.50,70.00,按建筑面积,{18000 + f * 100},,\n"
                         for f in range(1, 31) for r in range(1, 5))
    def upload(text, name):
        path = os.path.join(tempfile.mkdtemp(), name)
        open(path, "wb").write(text.encode("gb18030"))  # as Chinese Excel saves CSV
        b.open(f"/projects/{project}/import", "!!document.getElementById('import-form')")
        b.set_file("#file", path)
        b.js("document.querySelector('#import-form button[type=submit]').click()")
    upload(bad, "bad.csv")
    assert b.wait("document.querySelectorAll('#import-result table tr').length > 1", 10), "no problem table"
    rows = b.js("Array.from(document.querySelectorAll('#import-result table tr')).slice(1).map(r => Array.from(r.cells).map(c => c.textContent))")
    b.shot(os.path.join(out, "import-errors.png"))
    assert any(r[0] == "3" and r[1] == "F" for r in rows), rows  # the unknown layout
    assert any(r[0] == "3" and r[1] == "I" for r in rows), rows  # text where an area belongs
    assert any(r[0] == "4" and r[1] == "E" for r in rows), rows  # the same unit twice
    upload(good, "good.csv")
    assert b.wait("!!document.querySelector('#import-result .flash.ok')", 15), b.js("document.getElementById('import-result').textContent")
    width = b.js("document.getElementById('import-fill').style.width")
    message = b.js("document.querySelector('#import-result .flash.ok').textContent")
    b.shot(os.path.join(out, "import-ok.png"))
    assert width == "100%", width
    assert "120" in message and "{" not in message, message
    print(f"import page in chromium: GBK file with bad rows listed {len(rows)} problems (row/column/reason); good file: “{message}”, progress {width}")
finally:
    b.close()
