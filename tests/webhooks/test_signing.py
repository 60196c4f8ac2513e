"""Our Standard Webhooks signature against the specification's published example."""

import base64

from webhooks import signing

# The example of the Standard Webhooks specification's test suite (also Svix's).
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MESSAGE_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
BODY = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_specifications_example():
    assert signing.signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY) == EXPECTED
    headers = signing.headers(SECRET, MESSAGE_ID, TIMESTAMP, BODY)
    assert headers["webhook-id"] == MESSAGE_ID and headers["webhook-timestamp"] == "1614265330"
    assert headers["webhook-signature"] == EXPECTED


def test_a_changed_body_id_or_timestamp_changes_the_signature():
    for changed in (
        signing.signature(SECRET, MESSAGE_ID, TIMESTAMP, BODY + b" "),
        signing.signature(SECRET, MESSAGE_ID + "x", TIMESTAMP, BODY),
        signing.signature(SECRET, MESSAGE_ID, TIMESTAMP + 1, BODY),
    ):
        assert changed != EXPECTED


def test_new_secrets_are_whsec_and_random():
    first, second = signing.new_secret(), signing.new_secret()
    assert first.startswith("whsec_") and first != second
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 24
