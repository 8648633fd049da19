import numpy as np
import pytest

from engine.world import AXES, VocabularyError, make_spec, render_clip
from engine.world.vocab import check_word, is_held_out


@pytest.mark.parametrize("axis,value", [(axis, v) for axis, values in AXES.items() for v in values])
def test_every_vocabulary_value_renders(axis, value):
    clip = render_clip(**{axis: value}, frames=4, height=32, width=32, audio=False)
    assert clip.frames.shape == (4, 32, 32, 3)
    assert clip.attributes[axis] == value
    assert clip.mask.any(axis=(1, 2)).all(), "the subject is visible in every frame"


def test_words_are_normalised():
    assert check_word("motion", "Moves_Left") == "moves left"
    assert check_word("camera", " zoom-in ") == "zoom in"


@pytest.mark.parametrize("fields,needle", [
    ({"shape": "hexagon"}, "ball, cube, triangle, ring"),
    ({"colour": "teal"}, "red, orange, yellow"),
    ({"scene": "moon"}, "meadow, beach, desert, snowfield, night"),
    ({"motion": "spins"}, "still, moves left"),
    ({"camera": "dolly"}, "static, pan left"),
])
def test_unknown_word_names_allowed_values(fields, needle):
    with pytest.raises(VocabularyError) as err:
        make_spec(**fields)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("fields", [{"height": 4}, {"width": 5000}, {"frames": 0}, {"fps": 0}])
def test_impossible_size_is_a_clear_error(fields):
    with pytest.raises(VocabularyError, match="impossible"):
        render_clip(**fields)


def test_held_out_combinations_are_about_one_in_eight():
    import itertools

    combos = itertools.product(AXES["shape"], AXES["colour"], AXES["scene"], AXES["motion"])
    share = np.mean([is_held_out(*combo) for combo in combos])
    assert 0.08 < share < 0.17
