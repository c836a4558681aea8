"""The limits on guessing are read from the environment, and a rate that cannot be read stops start-up."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from directory.settings import envrate
from tests.directory.test_settings import PRODUCTION, manage


@pytest.mark.parametrize("value", ["5/h", "20/10m", "300/min", "1/s", "100/day"])
def test_it_reads_a_rate(monkeypatch, value):
    """A count per period, in django-ratelimit's and DRF's spellings, is taken as written."""
    monkeypatch.setenv("SOME_RATE_FOR_THE_TEST", value)

    assert envrate("SOME_RATE_FOR_THE_TEST", "5/h") == value


@pytest.mark.parametrize("value", ["5 per hour", "5/week", "five/h", "5", "/h", "-5/h"])
def test_it_refuses_a_rate_it_cannot_read(monkeypatch, value):
    """A typo is an error naming the variable, not a limit that silently never applies."""
    monkeypatch.setenv("SOME_RATE_FOR_THE_TEST", value)

    with pytest.raises(ImproperlyConfigured, match="SOME_RATE_FOR_THE_TEST"):
        envrate("SOME_RATE_FOR_THE_TEST", "5/h")


def test_it_reads_the_sign_in_limits_from_the_environment():
    """AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES set the throttle; a wrong rate stops manage.py with a message."""
    env = {**PRODUCTION, "AXES_FAILURE_LIMIT": "4", "AXES_COOLOFF_MINUTES": "30"}
    code = "from django.conf import settings; print(settings.AXES_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME)"

    result = manage("shell", "-v0", "-c", code, env=env)
    broken = manage("check", env={**PRODUCTION, "API_INVALID_TOKEN_RATE": "20 a minute"})

    assert result.stdout.split() == ["4", "0:30:00"], result.stderr
    assert broken.returncode != 0
    assert "API_INVALID_TOKEN_RATE" in broken.stderr
