"""Against the real Label Studio server: export, import into a project, edit as an annotator, export, import.

Label Studio lives in its own virtual environment, `.venv-labelstudio/`, installed by
`.ci/labelstudio` (which `.ci/setup` runs; a failed install is recorded there and this test
then skips with the reason). The server runs headless on 127.0.0.1 on a free port with a
temporary data directory; the user and its API token come from environment variables.

The edits are made through the HTTP API the way the editor saves them: relation results
without ids (the editor drops them), one relation result per pair of regions (several
labels where the pair has several types), region ids kept. What must come back:

- 005: the annotator (a new annotation, newer than the imported ground-truth one) adds
  PRESENT_IN to the pair T2 -> T3 (which has TARGETS), deletes R7 and relabels T12 as
  FACTION. Imported: those three edits, the new relation numbered after the highest kept
  id (R14), and every other entity and relation unchanged under its old id.
- 024: the gold annotation is saved again unchanged (relation ids dropped, as the editor
  does). Imported: the committed file (text_file aside, which names --text-dir), its two
  pairs with two relation types (ALLIED_WITH + HOSTILE_TO, PRESENT_IN + TARGETS) included.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

VENV = ROOT / ".venv-labelstudio"
EXECUTABLE = VENV / "bin" / "label-studio"
TOKEN = "arabic-relations-test-token-0123456789abcdef"
EDITED, UNCHANGED = "005_ant-alarabia-internationalnews-29-20180217", "024_ant-skynews-middleeast-3228-20180801"
START_TIMEOUT_S = 150


def _installed_or_skip() -> None:
    failed = VENV / "INSTALL_FAILED"
    if failed.exists():
        pytest.skip(f"Label Studio could not be installed ({failed.read_text(encoding='utf-8').strip()}); "
                    "retry with .ci/labelstudio")
    if not EXECUTABLE.exists() or not (VENV / "INSTALLED").exists():
        pytest.skip("Label Studio is not installed: run .ci/labelstudio (it installs the pinned version "
                    "into .venv-labelstudio/; .ci/setup runs it)")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base: str, log: Path):
        self.base, self.log = base, log

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def call(self, method: str, path: str, body: object = None) -> object:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Token {TOKEN}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
        except urllib.error.HTTPError as err:
            raise AssertionError(f"{method} {path}: HTTP {err.code}: {err.read()[:2000]!r}\n{self.log_tail()}") from None
        return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _installed_or_skip()
    folder = tmp_path_factory.mktemp("labelstudio")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LABEL_STUDIO_", "HEARTEX_"))}
    env.update({
        "LABEL_STUDIO_BASE_DATA_DIR": str(folder / "data"),
        "LABEL_STUDIO_USERNAME": "annotator@localhost",
        "LABEL_STUDIO_PASSWORD": "annotator-password-1",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",  # the token above works as "Authorization: Token ..."
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
        "LATEST_VERSION_CHECK": "false",
        "COLLECT_ANALYTICS": "false",
        "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
        "HOME": str(folder),  # nothing of it lands in the real home folder
    })
    log = folder / "server.log"
    port = _free_port()
    with open(log, "w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            [str(EXECUTABLE), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
             "--data-dir", str(folder / "data"), "--enable-legacy-api-token"],
            cwd=folder, env=env, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT,
            start_new_session=True)
    srv = Server(f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"Label Studio exited with {process.returncode} while starting:\n{srv.log_tail()}")
            # It moves to the next port when this one was taken meanwhile: read the one it uses.
            started = re.search(r"Starting development server at (http://127\.0\.0\.1:\d+)/", srv.log_tail(400))
            if started:
                srv.base = started.group(1)
                try:
                    with urllib.request.urlopen(srv.base + "/health", timeout=5) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
            if time.monotonic() > deadline:
                pytest.fail(f"Label Studio did not answer within {START_TIMEOUT_S} s:\n{srv.log_tail()}")
            time.sleep(0.5)
        yield srv
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def train(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "train", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"python -m train {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def as_editor_saves(result: list[dict]) -> list[dict]:
    """The result as the editor saves it: region ids kept, relation results without ids."""
    out = []
    for item in json.loads(json.dumps(result)):
        if item["type"] == "relation":
            item.pop("id", None)
        out.append(item)
    return out


def record(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_an_annotator_edit_in_label_studio_comes_back_with_stable_ids(server, tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    for name in (EDITED, UNCHANGED):
        shutil.copy(ROOT / "annotations" / f"{name}.json", source / f"{name}.json")
    train("export", "labelstudio", str(source), "--out", str(tmp_path / "ls"))
    config = (tmp_path / "ls" / "labeling_config.xml").read_text(encoding="utf-8")
    assert '<Relations choice="multiple">' in config

    project = server.call("POST", "/api/projects", {"title": "arabic relations test", "label_config": config})
    tasks = json.loads((tmp_path / "ls" / "tasks.json").read_text(encoding="utf-8"))
    imported = server.call("POST", f"/api/projects/{project['id']}/import", tasks)
    assert imported["task_count"] == 2 and imported["annotation_count"] == 2

    exported = server.call("GET", f"/api/projects/{project['id']}/export?exportType=JSON")
    by_doc = {t["data"]["doc_id"]: t for t in exported}
    gold = {doc: by_doc[doc]["annotations"][0] for doc in (EDITED, UNCHANGED)}
    assert all(a["ground_truth"] for a in gold.values())
    # the server keeps the pair with two types as one relation result with two labels
    assert {"ALLIED_WITH", "HOSTILE_TO"} in [set(r["labels"]) for r in gold[UNCHANGED]["result"] if r["type"] == "relation"]

    # 005: an annotator's correction, a new annotation next to the imported ground truth
    result = as_editor_saves(gold[EDITED]["result"])
    pair = next(r for r in result if r["type"] == "relation" and (r["from_id"], r["to_id"]) == ("T2", "T3"))
    assert pair["labels"] == ["TARGETS"]
    pair["labels"].append("PRESENT_IN")                        # a second type for a pair
    result = [r for r in result if not (r["type"] == "relation" and (r["from_id"], r["to_id"]) == ("T7", "T9"))]
    region = next(r for r in result if r.get("id") == "T12")
    assert region["value"]["labels"] == ["LOCATION"]
    region["value"]["labels"] = ["FACTION"]                    # a corrected entity label
    server.call("POST", f"/api/tasks/{by_doc[EDITED]['id']}/annotations/",
                {"result": result, "was_cancelled": False, "ground_truth": False, "lead_time": 42.0})
    # 024: the gold annotation saved again without a change (the editor drops relation ids)
    server.call("PATCH", f"/api/annotations/{gold[UNCHANGED]['id']}", {"result": as_editor_saves(gold[UNCHANGED]["result"])})

    export = tmp_path / "export.json"
    export.write_text(json.dumps(server.call("GET", f"/api/projects/{project['id']}/export?exportType=JSON"),
                                 ensure_ascii=False), encoding="utf-8")
    out, texts = tmp_path / "out", tmp_path / "texts"
    shutil.copytree(source, out)  # the files the import replaces: their ids are kept
    done = train("import", "labelstudio", str(export), "--out", str(out), "--text-dir", str(texts), "--force")
    assert "2 submitted annotations; imported the newest" in done.stdout

    # 024: unchanged (same ids, order and offsets; only text_file names --text-dir), both pairs with two types
    back = record(out / f"{UNCHANGED}.json")
    assert back == dict(record(ROOT / "annotations" / f"{UNCHANGED}.json"), text_file=str(texts / f"{UNCHANGED}.txt"))
    types = {}
    for rel in back["relations"]:
        types.setdefault((rel["head"], rel["tail"]), []).append(rel["type"])
    assert types[("T31", "T32")] == ["ALLIED_WITH", "HOSTILE_TO"] and types[("T35", "T36")] == ["PRESENT_IN", "TARGETS"]

    # 005: exactly the three edits; everything else under its old id
    original, back = record(ROOT / "annotations" / f"{EDITED}.json"), record(out / f"{EDITED}.json")
    want_entities = [dict(e, type="FACTION") if e["id"] == "T12" else e for e in original["entities"]]
    assert back["entities"] == want_entities
    want_relations = [r for r in original["relations"] if r["id"] != "R7"]
    want_relations.insert(2, {"id": "R14", "type": "PRESENT_IN", "head": "T2", "tail": "T3"})
    assert back["relations"] == want_relations
    assert [r["type"] for r in back["relations"] if (r["head"], r["tail"]) == ("T4", "T5")] == ["PRESENT_IN", "TARGETS"]
    assert (texts / f"{EDITED}.txt").read_text(encoding="utf-8") == (ROOT / "seeds" / f"{EDITED}.txt").read_text(encoding="utf-8")
