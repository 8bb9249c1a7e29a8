"""Every exercise: its reference passes, every known-wrong version fails, an unsolved one is
'not attempted', and each has at least three mutants, the common wrong answer among them."""
from __future__ import annotations

import pytest
import torch

from ssl_course.course.checks import (
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    CheckFailed,
    all_exercises,
    check,
    run_check,
    use_reference_if_unsolved,
)
from tests.mutants import MUTANTS

EXERCISES = all_exercises()
CASES = [(ex_id, name, fn) for ex_id, items in MUTANTS.items() for name, fn in items]


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_reference_passes(ex_id):
    result = run_check(ex_id, EXERCISES[ex_id].reference)
    assert result.status == PASSED, str(result)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_has_three_mutants_and_the_common_wrong_answer(ex_id):
    names = [name for name, _ in MUTANTS.get(ex_id, [])]
    assert len(names) >= 3, f"{ex_id} has {len(names)} known-wrong implementations"
    if not ex_id.startswith("00."):
        assert any(n.startswith("common wrong answer") for n in names), names


@pytest.mark.parametrize("ex_id,name,fn", CASES, ids=[f"{e}-{n[:40]}" for e, n, _ in CASES])
def test_mutant_rejected(ex_id, name, fn):
    result = run_check(ex_id, fn)
    assert result.status == FAILED, f"{name} was not rejected:\n{result}"
    assert result.failure.reason and "\n" not in result.failure.reason


def test_mutants_name_real_exercises():
    assert set(MUTANTS) <= set(EXERCISES)


@pytest.mark.parametrize("ex_id", EXERCISES)
def test_unsolved_is_not_attempted(ex_id):
    def unsolved(*args, **kwargs):
        raise NotImplementedError("exercise")

    assert run_check(ex_id, unsolved).status == NOT_ATTEMPTED


def test_strict_mode_raises_on_failure(monkeypatch):
    monkeypatch.setenv("SSL_COURSE_STRICT", "1")
    with pytest.raises(CheckFailed):
        check("00.hello", lambda x, eps=1e-12: x)
    monkeypatch.setenv("SSL_COURSE_STRICT", "not_attempted")
    with pytest.raises(CheckFailed):
        check("00.hello", EXERCISES["00.hello"].reference)


def test_a_crash_inside_the_learner_function_is_one_line():
    def crashes(x, eps=1e-12):
        return x @ torch.ones(999)

    result = run_check("00.hello", crashes)
    assert result.status == FAILED
    assert result.failure.reason.startswith("raised RuntimeError")
    assert "Traceback" not in str(result)


def test_in_place_change_is_reported():
    def in_place(x, eps=1e-12):
        return x.div_(x.norm(dim=1, keepdim=True).clamp_min(eps))

    result = run_check("00.hello", in_place)
    assert result.status == FAILED and "in place" in result.failure.reason


def test_non_tensor_result_is_a_failure():
    result = run_check("00.hello", lambda x, eps=1e-12: x.tolist())
    assert result.status == FAILED and "torch.Tensor" in result.failure.reason


def test_result_renders_as_text_and_html():
    result = run_check("00.hello", lambda x, eps=1e-12: x)
    assert "FAILED" in str(result) and "hint" in str(result)
    assert "<div" in result._repr_html_() and "FAILED" in result._repr_html_()


def test_use_reference_if_unsolved():
    def unsolved(x, eps=1e-12):
        raise NotImplementedError

    ref = EXERCISES["00.hello"].reference
    assert use_reference_if_unsolved("00.hello", unsolved) is ref
    assert use_reference_if_unsolved("00.hello", ref) is ref


def test_unknown_exercise_names_the_chapter_exercises():
    with pytest.raises(KeyError, match="01.info_nce"):
        run_check("01.nope", lambda: None)


def test_check_does_not_move_the_random_stream():
    torch.manual_seed(0)
    a = torch.rand(3)
    torch.manual_seed(0)
    check("00.hello", EXERCISES["00.hello"].reference)
    assert torch.equal(torch.rand(3), a)


def _ref(x, eps=1e-12):
    return EXERCISES["00.hello"].reference(x, eps)


def _loop_forever(x, eps=1e-12):
    while True:
        pass


LEARNER_BUGS = [
    ("returns a list", lambda x, eps=1e-12: _ref(x).tolist(), "torch.Tensor"),
    ("returns None", lambda x, eps=1e-12: None, "torch.Tensor"),
    ("wrong shape", lambda x, eps=1e-12: _ref(x).T, "shape"),
    ("wrong dtype", lambda x, eps=1e-12: _ref(x).double() if x.dtype == torch.float32 else _ref(x).float(), "dtype"),
    ("wrong device", lambda x, eps=1e-12: _ref(x).to("meta"), "device"),
    ("NaN", lambda x, eps=1e-12: _ref(x) * float("nan"), "NaN"),
    ("inf", lambda x, eps=1e-12: _ref(x) / 0.0, "is inf"),
    ("arange on the default device", lambda x, eps=1e-12: _ref(x, eps) + torch.zeros(x.shape[1]), "default device"),
    ("raises", lambda x, eps=1e-12: 1 / 0, "ZeroDivisionError"),
    ("in place", lambda x, eps=1e-12: x.mul_(0), "in place"),
    ("endless loop", _loop_forever, "longer than"),
]


@pytest.mark.parametrize("name,fn,needle", LEARNER_BUGS, ids=[b[0] for b in LEARNER_BUGS])
def test_learner_bugs_fail_with_one_line(name, fn, needle, monkeypatch):
    if name == "endless loop":
        monkeypatch.setenv("SSL_COURSE_CHECK_TIMEOUT", "2")
    result = run_check("00.hello", fn)
    assert result.status == FAILED, str(result)
    assert needle in result.failure.reason and "\n" not in result.failure.reason
    assert "Traceback" not in str(result)


def test_result_carries_a_machine_readable_bundle():
    from ssl_course.course.checks import CHECK_MIME

    bundle = run_check("00.hello", EXERCISES["00.hello"].reference)._repr_mimebundle_()
    assert bundle[CHECK_MIME]["status"] == PASSED and "text/html" in bundle


def test_a_new_function_at_a_reused_address_is_checked_afresh():
    """use_reference_if_unsolved reuses the last result only for the very function checked:
    CPython hands a freed function's id() to the next one, so keying on id() was wrong."""
    import gc

    from ssl_course.course import checks

    def correct(x, eps=1e-12):
        return x / x.norm(dim=1, keepdim=True).clamp_min(eps)

    assert check("00.hello", correct).passed
    old_id = id(correct)
    del correct
    gc.collect()
    for _ in range(1000):  # look for a wrong function allocated where the correct one was
        def wrong(x, eps=1e-12):
            return x
        if id(wrong) == old_id:
            break
    assert use_reference_if_unsolved("00.hello", wrong) is EXERCISES["00.hello"].reference
    assert checks._LAST["00.hello"][0] is not wrong or not run_check("00.hello", wrong).passed


def test_a_difference_in_integer_results_names_the_entry():
    from ssl_course.course.checks import compare

    reason = compare(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[1, 2], [3, 5]]))
    assert reason == "values differ in 1 of 4 entries; first at [1, 1]: expected 4, got 5"
    assert "expected 0.5, got 0.25" in compare(torch.tensor(0.5), torch.tensor(0.25))


def test_a_nan_gradient_is_named_as_such():
    def nan_grad(x, eps=1e-12):  # the right value, but sqrt(0) sends NaN into the gradient
        return _ref(x, eps) + 0 * torch.sqrt(x - x)

    result = run_check("00.hello", nan_grad)
    assert result.status == FAILED and "contains NaN or inf although the value is right" in result.failure.reason


def test_float64_is_held_to_float64_precision():
    def float32_inside(x, eps=1e-12):
        return _ref(x.float(), eps).to(x.dtype)

    result = run_check("00.hello", float32_inside)
    assert result.status == FAILED and result.failure.case == "float64 input"
    assert "computed in float32" in result.failure.reason


def test_generator_test_catches_a_copied_generator_and_an_ignored_none():
    from ssl_course.course.checks import Case, generator_test

    def reference(n, generator=None):
        return torch.rand(n, generator=generator)

    def copied(n, generator=None):  # the same numbers on every call: the caller's generator never moves
        g = torch.Generator()
        if generator is not None:
            g.set_state(generator.get_state())
        return torch.rand(n, generator=g)

    def own_default(n, generator=None):  # generator=None silently means a fixed seed
        return torch.rand(n, generator=generator or torch.Generator().manual_seed(0))

    test = generator_test(reference, lambda g: Case("3 numbers", (3,), {"generator": g}))
    assert test(reference) is None
    assert "repeated the first" in test(copied).reason
    failure = test(own_default)
    assert "generator=None" in failure.case and "global generator" in failure.hint


def test_each_failing_case_shows_its_own_hint():
    result = run_check("00.hello", lambda x, eps=1e-12: x / (x.norm(dim=1, keepdim=True) + eps))
    assert result.failure.case.startswith("eps=0.5")
    assert "max(length, eps)" in str(result) and result.hint not in str(result)


def test_torch_not_implemented_on_the_meta_device_is_a_failure_not_unattempted():
    # torch raises NotImplementedError for a copy out of a meta tensor: that is the learner's
    # device bug, not an exercise left unsolved.
    ref = EXERCISES["00.hello"].reference

    def copies_a_default_device_tensor(x, eps=1e-12):
        scale = torch.ones(1).cpu()
        return ref(x, eps) * scale

    result = run_check("00.hello", copies_a_default_device_tensor)
    assert result.status == FAILED, str(result)
    assert "meta" in str(result) and "device=" in str(result)


def test_a_silent_difference_under_the_meta_device_is_named_as_a_device_bug():
    ref = EXERCISES["00.hello"].reference

    def indexes_with_a_default_device_index(x, eps=1e-12):
        return ref(x, eps)[torch.arange(x.shape[0])]

    result = run_check("00.hello", indexes_with_a_default_device_index)
    assert result.status == FAILED, str(result)
    assert "default device" in str(result), str(result)
