"""Hostile and non-ASCII input on every text input a client reaches (issue 12): the write
API's bodies, fields and paths, the subscribe API and its form. Every answer must be a
well-formed reply (JSON with an "error" message for the APIs, a page for the form), the
daemon must keep running (teardown checks a clean exit with no sanitizer report), and text
that is valid UTF-8 must come back exactly as it was sent.
"""

import json
import socket

from conftest import header
from test_80_write_api import WRITE_CONFIG, api, make_key
from test_90_notify import SmtpSink, parts
from test_91_subscribers import link, sub_config

import pytest

# Text a status page in any language holds: accents, CJK, right-to-left, emoji (4-byte),
# combining marks, and the noncharacters XML refuses.
WORDS = [
    "Zahlungs-API gestört: Überlastung",
    "決済APIの障害",
    "خدمة الدفع متوقفة",
    "Paiement ✅ rétabli 🚑🔥",
    "e\u0301 combining",
    "noncharacters \ufffe\uffff end",
]


def raw_http(d, request: bytes, timeout=5):
    """Send @request as is (paths with raw bytes cannot go through http.client); returns
    (status, body bytes)."""
    with socket.create_connection((d.host, d.port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, body


def alive(d):
    status, _, _ = d.raw_request("GET", "/healthz")
    assert status == 200


def assert_json_error(status, doc, expect):
    assert status == expect, (status, doc)
    assert isinstance(doc.get("error"), str) and doc["error"], doc


# ---- the crash from the issue ----------------------------------------------------------------

@pytest.fixture
def smtp():
    s = SmtpSink()
    yield s
    s.close()


def test_long_non_ascii_email_is_a_clear_error(start_daemon):
    """60 x "é" + "@example": the message cut the address inside a character, the JSON
    encoder refused it and the reply copied NULL: a segfault from one anonymous request."""
    d = start_daemon(sub_config())
    for email in ["é" * 60 + "@example", "é" * 49 + "x@example", "日本" * 40, "🚑" * 30]:
        status, _, body = d.raw_request(
            "POST", "/api/v2/subscribers", headers={"Content-Type": "application/json"},
            body=json.dumps({"subscriber": {"email": email}}))
        doc = json.loads(body)
        assert_json_error(status, doc, 422)
        assert "not a valid e-mail address" in doc["error"]
        assert len(doc["error"].encode()) < 600
        # The excerpt is a prefix of what was sent, cut between characters.
        shown = doc["error"].split('"')[1]
        assert shown.endswith("…") and email.startswith(shown[:-1]), (shown, email)
    alive(d)


def test_non_ascii_field_names_and_ids_in_subscribe(start_daemon):
    d = start_daemon(sub_config())
    cases = [
        {"subscriber": {"é" * 100: "x"}},
        {"subscriber": {"endpoint": "http://127.0.0.1:9/h", "components": ["é" * 120]}},
        {"subscriber": {"endpoint": "http://127.0.0.1:9/h", "components": ["🚑" * 50]}},
        {"subscriber": {"endpoint": "http://127.0.0.1:9/" + "é" * 300}},
    ]
    for doc in cases:
        status, _, body = d.raw_request(
            "POST", "/api/v2/subscribers", headers={"Content-Type": "application/json"},
            body=json.dumps(doc))
        reply = json.loads(body)
        assert status in (201, 422), (doc, status, reply)
        if status == 422:
            assert reply["error"], reply
    alive(d)


def test_subscribe_form_with_invalid_utf8(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))
    for form in [b"email=%FF%FE%C3@example.test", b"email=" + b"%C3%A9" * 80 + b"@x",
                 b"email=\xff\xfe@example.test", b"%FF%FF=1&email=a@example.test",
                 b"email=b%40example.test&components=%E2%9C%85"]:
        status, hdrs, page = d.raw_request(
            "POST", "/api/v2/subscribers",
            headers={"Content-Type": "application/x-www-form-urlencoded"}, body=form)
        assert status in (201, 400, 422), (form, status, page[:300])
        assert header(hdrs, "content-type")[0].startswith("text/html"), (form, hdrs)
        page.decode("utf-8")  # the page itself is valid UTF-8 whatever came in
        assert b"\xff" not in page
    alive(d)


def test_subscriber_path_with_raw_bytes(start_daemon):
    d = start_daemon(sub_config())
    key = make_key(d)
    for path in [b"/v1/pages/ntest/subscribers/\xff\xfe\xc3",
                 b"/v1/pages/ntest/subscribers/" + "é".encode() * 40,
                 b"/v1/pages/ntest/subscribers/%FF%C3",
                 b"/v1/pages/\xff\xfe/incidents",
                 b"/v1/pages/ntest/\xc3\xa9\xff",
                 b"/v1/pages/ntest/incidents/\xff\xfe",
                 b"/v1/pages/ntest/components/" + "é".encode() * 300]:
        req = (b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nAuthorization: OAuth " +
               key.encode() + b"\r\nConnection: close\r\n\r\n")
        status, body = raw_http(d, req)
        doc = json.loads(body)
        assert status in (400, 404), (path, status, doc)
        assert doc["error"], doc
    alive(d)


# ---- the write API: valid UTF-8 round-trips, invalid is refused --------------------------------

def test_every_text_field_round_trips_non_ascii(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    for word in WORDS:
        status, inc = api(d, "POST", "incidents", key=key, body={"incident": {
            "name": word, "status": "investigating", "body": "**" + word + "**",
            "components": {"rest": "major_outage"}}})
        assert status == 201, inc
        assert inc["name"] == word
        assert word in inc["incident_updates"][0]["body"]
        uid = inc["incident_updates"][0]["id"]
        status, upd = api(d, "PATCH", "incidents/%s/incident_updates/%s" % (inc["id"], uid),
                          key=key, body={"incident_update": {"body": word + " (edited)"}})
        assert status == 200, upd
        status, pm = api(d, "PUT", "incidents/%s/postmortem" % inc["id"], key=key,
                         body={"postmortem": {"body_draft": "# " + word}})
        assert status == 200, pm
        status, got = api(d, "GET", "incidents/%s" % inc["id"], key=key)
        assert status == 200 and got["name"] == word, got
    # The public documents carry the same text, escaped for their format.
    def public_names():
        _, _, body = d.raw_request("GET", "/api/v2/incidents.json")
        return {i["name"] for i in json.loads(body)["incidents"]}
    d.wait_for(lambda: set(WORDS) <= public_names(), what="the page to be re-rendered")
    status, _, page = d.raw_request("GET", "/history")
    assert status == 200
    for word in WORDS[:4]:
        assert word.encode() in page
    for feed in ("/history.atom", "/history.rss"):
        status, _, xml = d.raw_request("GET", feed)
        assert status == 200
        assert "\ufffe".encode() not in xml and "\uffff".encode() not in xml


def test_invalid_utf8_and_escapes_are_refused_whole(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    bad_bodies = [
        b'{"incident": {"name": "\xff\xfe", "status": "investigating"}}',
        b'{"incident": {"name": "ok", "body": "\xc3", "status": "investigating"}}',
        b'{"incident": {"name": "\\ud800", "status": "investigating"}}',
        b'{"incident": {"name": "a\\u0000b", "status": "investigating"}}',
        b'{"\xff": 1}',
        "é".encode() * 1000,
    ]
    for raw in bad_bodies:
        status, doc = api(d, "POST", "incidents", key=key, raw=raw)
        assert_json_error(status, doc, 400)
    status, doc = api(d, "GET", "incidents", key=key)
    assert status == 200 and doc == [], doc


def test_long_non_ascii_names_in_messages(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    long = "é" * 300
    status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": "x", "status": "investigating", long: 1}})
    assert_json_error(status, doc, 422)
    assert "unknown field" in doc["error"]
    status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": "x", "status": "investigating", "components": {long: "major_outage"}}})
    assert_json_error(status, doc, 422)
    status, doc = api(d, "PATCH", "components/" + "%C3%A9" * 300, key=key,
                      body={"component": {"status": "major_outage"}})
    assert_json_error(status, doc, 404)
    status, doc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": long, "status": "investigating"}})
    assert_json_error(status, doc, 422)   # names are limited to 255 bytes
    alive(d)


# ---- unknown fields everywhere (item 9) ------------------------------------------------------

def test_unknown_fields_next_to_and_inside_every_wrapper(start_daemon):
    d = start_daemon(WRITE_CONFIG)
    key = make_key(d)
    status, inc = api(d, "POST", "incidents", key=key, body={"incident": {
        "name": "Base", "status": "resolved", "body": "Fixed."}})
    assert status == 201, inc
    iid = inc["id"]
    uid = inc["incident_updates"][0]["id"]
    cases = [
        ("POST", "incidents", {"incident": {"name": "x", "status": "investigating"},
                               "incidnet": {}}),
        ("PATCH", "incidents/" + iid, {"incident": {"name": "y"}, "extra": True}),
        ("PUT", "incidents/%s/postmortem" % iid, {"postmortem": {"body_draft": "x",
                                                                 "bdoy": "y"}}),
        ("PUT", "incidents/%s/postmortem" % iid, {"postmortem": {"body_draft": "x"},
                                                  "notify": True}),
        ("PUT", "incidents/%s/postmortem/publish" % iid, {"postmortem": {"notfy": True}}),
        ("PATCH", "incidents/%s/incident_updates/%s" % (iid, uid),
         {"incident_update": {"body": "x"}, "other": 1}),
        ("PATCH", "components/dash", {"component": {"status": "major_outage"}, "x": 1}),
    ]
    for method, path, body in cases:
        status, doc = api(d, method, path, key=key, body=body)
        assert_json_error(status, doc, 422)
        assert "unknown field" in doc["error"], (path, doc)
    # Nothing changed.
    status, got = api(d, "GET", "incidents/" + iid, key=key)
    assert got["name"] == "Base" and got["postmortem_body"] is None, got
    assert got["incident_updates"][0]["body"] == "Fixed."
    status, comp = api(d, "GET", "components/dash", key=key)
    assert comp["status"] == "operational", comp
    # Statuspage's own publish options are accepted.
    status, doc = api(d, "PUT", "incidents/%s/postmortem" % iid, key=key,
                      body={"postmortem": {"body_draft": "What happened."}})
    assert status == 200, doc
    status, doc = api(d, "PUT", "incidents/%s/postmortem/publish" % iid, key=key,
                      body={"postmortem": {"notify_twitter": False, "notify_subscribers": True,
                                           "custom_tweet": ""}})
    assert status == 200 and doc["status"] == "postmortem", doc


# ---- an anonymous re-subscribe reveals nothing (item 11) -------------------------------------

def test_resubscribe_answers_like_a_new_subscription(start_daemon, smtp):
    d = start_daemon(sub_config(smtp.port))

    def sub(email, comps=None):
        fields = {"email": email}
        if comps:
            fields["components"] = comps
        status, _, body = d.raw_request(
            "POST", "/api/v2/subscribers", headers={"Content-Type": "application/json"},
            body=json.dumps({"subscriber": fields}))
        return status, json.loads(body)["subscriber"]

    status, first = sub("owner@example.test", ["db"])
    assert status == 201
    d.wait_for(lambda: smtp.to("owner@example.test"), timeout=10, what="confirmation")
    text = parts(smtp.to("owner@example.test")[0]["msg"])["text/plain"]
    confirm = link(text, "confirm")
    status, _, page = d.raw_request("POST", confirm)
    assert status == 200 and b"confirmed" in page
    # The owner is now confirmed. A stranger asks again, with other components.
    status, again = sub("owner@example.test", ["api"])
    status2, fresh = sub("stranger@example.test", ["api"])
    assert status == status2 == 201
    strip = {"id", "email", "created_at"}
    assert {k: v for k, v in again.items() if k not in strip} == \
        {k: v for k, v in fresh.items() if k not in strip}, (again, fresh)
    assert again["confirmed"] is False and again["components"] == ["api"]
    # The owner is told why no confirmation came, and nothing changed for them.
    d.wait_for(lambda: len(smtp.to("owner@example.test")) >= 2, timeout=10, what="the note")
    note = smtp.to("owner@example.test")[1]["msg"]
    assert "already subscribed" in note["Subject"], note["Subject"]
    assert "/subscribers/confirm/" not in parts(note)["text/plain"]
