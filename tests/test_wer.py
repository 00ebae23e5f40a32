"""Word error rate: normalisation makes formatting differences free, real mistakes count."""

from crosstalk_harness.judging import normalise, word_error_rate


def test_number_formats_normalise_to_the_same_digits():
    assert normalise("Order 42,791!") == normalise("order 4 2 7 9 1") == normalise("ORDER 42791")


def test_identical_texts_have_zero_error_and_substitutions_count():
    assert (
        word_error_rate("Please deliver it to Baker Street.", "please deliver it to baker street")
        == 0
    )
    assert word_error_rate("deliver it to baker street", "deliver it to maker street") == 0.2


def test_insertions_and_deletions_count_against_the_reference_length():
    assert word_error_rate("one two three four", "one three four") == 0.25
    assert word_error_rate("one two", "one two three four") == 1.0
    assert word_error_rate("", "") == 0.0


def test_contractions_compare_equal_to_their_expansion():
    assert word_error_rate("I am calling, that is all", "I'm calling, that's all") == 0
