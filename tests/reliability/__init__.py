"""Reliability tests (issue 9): fuzzing, full disk, security headers, bandit.

Hypothesis budgets live here and are applied per test with ``@fuzz_settings()``, so
nothing changes for the other test packages (no global ``load_profile``):

* ``fuzz`` (the default, used by ``make test``): a few examples per target, so the
  whole package stays well under a minute on 2 cores;
* ``thorough`` (``HYPOTHESIS_PROFILE=thorough``, which ``make fuzz`` sets): many more
  examples per target. ``make fuzz`` runs only the ``fuzz``-marked tests.

Both profiles are also registered with Hypothesis under those names, so
``pytest --hypothesis-profile=thorough`` works too for tests that don't pin settings.
"""
import os

from hypothesis import HealthCheck, settings

SUPPRESSED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
              HealthCheck.data_too_large, HealthCheck.filter_too_much,
              HealthCheck.large_base_example]

PROFILES = {
    # database=None: no .hypothesis/ directory written from `make test` or CI.
    "fuzz": settings(max_examples=12, deadline=None, suppress_health_check=SUPPRESSED,
                     database=None, print_blob=True),
    "thorough": settings(max_examples=200, deadline=None, suppress_health_check=SUPPRESSED,
                         print_blob=True),
}
for _name, _profile in PROFILES.items():
    settings.register_profile(_name, _profile)


def profile_name():
    return "thorough" if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else "fuzz"


def fuzz_settings(scale=1.0, **overrides):
    """Settings for one fuzz target: the active profile, `scale` × its max_examples."""
    base = PROFILES[profile_name()]
    examples = max(1, int(base.max_examples * scale))
    return settings(base, max_examples=overrides.pop("max_examples", examples), **overrides)
