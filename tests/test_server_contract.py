"""The consent event's contract (server/contract.py) drives the table, the OpenAPI description,
the export columns and the receipt; the production app has none of the development tools."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from .conftest import ROOT
from .server_helpers import CATEGORIES, event, post


def test_table_openapi_and_exports_list_the_contract_fields(make_app):
    from server import contract
    from server.formats import csv_lines
    from server.tables import events

    names = [f.name for f in contract.FIELDS]
    assert [c.name for c in events.columns] == ["id", *names]
    for field in contract.FIELDS:
        column = events.c[field.name]
        assert column.nullable == field.nullable
        assert type(column.type) is type(field.column)
    described = make_app().test_client().get("/api/openapi.json").json["components"]["schemas"]
    # (Flask's JSON sorts keys; required lists keep their order.)
    assert set(described["StoredEvent"]["properties"]) == set(names)
    assert described["StoredEvent"]["required"] == names
    assert described["Receipt"]["required"] == list(contract.RECEIPT)
    assert described["ConsentEvent"]["required"] == [
        name for name in contract.SENT if not contract.BY_NAME[name].optional]
    assert set(described["ConsentEvent"]["properties"]) == set(contract.SENT)
    header = next(csv_lines([], list(CATEGORIES)))
    assert header.strip() == ",".join(f'"{n}"' for n in (
        *contract.EXPORTED, *(f"choice_{c}" for c in CATEGORIES)))


def test_the_receipt_answer_and_stored_row_are_the_contracts(make_app):
    app = make_app()
    client = app.test_client()
    body = event()
    answer = post(client, body).json
    assert sorted(answer) == sorted(["event_id", "consent_id", "server_time", "receipt",
                                     "signature"])
    (stored,) = client.get(f"/api/v1/consents/{body['consent_id']}").json["events"]
    from server.contract import FIELDS
    assert set(stored) == {f.name for f in FIELDS}


CHANGED = '''
import json, sys
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
import sqlalchemy as sa
from server import create_app
from server.formats import csv_lines
from server.migrate import include_name, models
from server.openapi import document
from server.tables import events
app = create_app({"TESTING": True, "CONSENT_DIST_DIR": sys.argv[1],
                  "CONSENT_INSTANCE_PATH": sys.argv[2], "CONSENT_AUTO_MIGRATE": True,
                  "CONSENT_TRANSLATIONS_DIR": sys.argv[3]})
with app.extensions["consent_engine"].connect() as connection:
    diff = compare_metadata(MigrationContext.configure(
        connection, opts={"include_name": include_name}), models())
print(json.dumps({
    "columns": [c.name for c in events.columns],
    "stored": list(document("/c", [])["components"]["schemas"]["StoredEvent"]["properties"]),
    "csv": next(csv_lines([], [])).strip(),
    "diff": [d[0] for d in diff],
}))
'''


def test_a_field_added_to_the_contract_reaches_everything_or_the_table_check_fails(
        tmp_path, dist_dir):
    """A copy of the server whose contract has one more field: the table, the OpenAPI
    description and the CSV columns follow, and the model no longer matches the migrated
    database (what test_the_model_and_the_migrations_agree then reports)."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "server", copy / "server")
    for module in ("consent_ids.py", "release_ids.py", "site_names.py"):
        shutil.copy(ROOT / module, copy)
    contract = copy / "server" / "contract.py"
    text = contract.read_text()
    anchor = '    Field("user_agent", sa.String(512), {"type": "string"}, signed=False),\n'
    assert anchor in text
    contract.write_text(text.replace(anchor, anchor + textwrap.indent(
        'Field("referrer", sa.String(2048), {"type": "string"}, signed=False),\n', "    ")))
    (tmp_path / "instance").mkdir()
    done = subprocess.run([sys.executable, "-c", CHANGED, str(dist_dir),
                           str(tmp_path / "instance"), str(ROOT / "translations")],
                          cwd=copy, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert "referrer" in found["columns"]
    assert "referrer" in found["stored"]
    assert '"referrer"' in found["csv"]
    assert found["diff"] == ["add_column"]


PRODUCTION = '''
import sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
from server import create_app
app = create_app({"TESTING": True, "CONSENT_DIST_DIR": sys.argv[1],
                  "CONSENT_INSTANCE_PATH": sys.argv[2]})
client = app.test_client()
for path in ("/", "/politique-cookies", "/demo/social-embed", "/preview/kppay",
             "/preview/kppay/page?lang=fr", "/c/kppay/manifest.json", "/healthz"):
    print(path, client.get(path).status_code)
print("routes", sorted(r.rule for r in app.url_map.iter_rules()))
print("modules", sorted(m for m in sys.modules if m.split(".")[0] in (
    "consent_build", "consent_dev", "jinja2_templates")))
# The owner's console reads its own catalogs (console.po) at start; nothing else.
print("translations", [p for p in opened if "/translations/" in p
                       and not p.endswith("/LC_MESSAGES/console.po")])
'''


def test_the_production_app_has_no_dev_tools_no_build_and_reads_no_banner_catalog(tmp_path,
                                                                                     dist_dir):
    done = subprocess.run([sys.executable, "-c", PRODUCTION, str(dist_dir), str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    for path in ("/", "/politique-cookies", "/demo/social-embed", "/preview/kppay",
                 "/preview/kppay/page?lang=fr"):
        assert lines[path] == "404", path
    assert lines["/c/kppay/manifest.json"] == "200" and lines["/healthz"] == "200"
    assert "preview" not in lines["routes"] and "'/'" not in lines["routes"]
    assert lines["modules"] == "[]"
    assert lines["translations"] == "[]"


def test_the_dev_app_adds_the_demo_and_the_preview(app):
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/preview/kppay").status_code == 200
