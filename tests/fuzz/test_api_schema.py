"""A bounded schemathesis run against the app's own OpenAPI document.

Every operation gets valid and invalid requests (schemathesis' positive and
negative generation) through the WSGI app, as an admin's staff token; the only
assertion is the issue's: no answer is a server error. Bounded by
``EXAMPLES`` per operation and mode so the suite stays fast.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.factories import create_card, create_centre, create_user
from vaerested.api.tokens import create_access_token

#: Examples per operation and generation mode.
EXAMPLES = 15


@pytest.fixture
def schema(app, db):
    centre = create_centre(slug="nabo")
    create_card(centre)
    admin = create_user(role="admin")
    _token, plaintext = create_access_token("staff", user=admin)
    db.session.commit()
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return loaded, {"Authorization": f"Bearer {plaintext}"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_api_answer_is_a_server_error(schema, app, db, mode):
    loaded, headers = schema
    operations = [result.ok() for result in loaded.get_all_operations()]
    assert len(operations) >= 5
    failures = []
    calls = []

    def fuzz(operation):
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case):
            response = case.call(headers=headers)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append((operation.label, case.body, response.text[:300]))
            db.session.rollback()

        run()

    for operation in operations:
        fuzz(operation)
    assert failures == []
    assert len(calls) >= len(operations)  # every operation was exercised
