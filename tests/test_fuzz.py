"""Fuzzing the readers of a person's text in CI: a fixed seed and at most 200 examples each
(``benchmarks/fuzz.py`` runs thousands)."""

from hypothesis import HealthCheck, given, seed, settings

from tests import fuzz_inputs as fz

CI = settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@seed(20261126)
@CI
@given(fz.raw_files)
def test_storyboard_files(data):
    fz.check_storyboard_file(data)


@seed(20261126)
@CI
@given(fz.storyboards)
def test_storyboard_structures(data):
    fz.check_storyboard_data(data)


@seed(20261126)
@CI
@given(fz.raw_files)
def test_conversation_files(data):
    fz.check_conversation(data)


@seed(20261126)
@CI
@given(fz.requests)
def test_requests(text):
    fz.check_request(text)
