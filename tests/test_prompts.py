"""What is kept of a chat model's reply (pipeline/backends/prompts.py): the translation, without
the wrappers a small model puts around it."""

import pytest

from pipeline.backends.prompts import clean_reply


@pytest.mark.parametrize("reply, kept", [
    ('Translating the Chinese text into English while adhering to the specified rules, we get: '
     '"Discussing the initialization, parameterization, and standardization of Transformers."',
     "Discussing the initialization, parameterization, and standardization of Transformers."),
    ("Translating this title into English: On Muon", "On Muon"),
    ("English: The loss falls.", "The loss falls."),
    # seen on a real exam paper (corpus, zhangwp): the lead-in reached the file and its summary
    ("Sure, here are the translations following your specified rules: (1) Write out the descent direction.",
     "(1) Write out the descent direction."),
    ("```\nThe loss falls.\n```", "The loss falls."),
    # A sentence that only starts like a lead-in is a translation, kept whole.
    ("Translating text by hand is slow: it takes hours.", "Translating text by hand is slow: it takes hours."),
    ('He said "no" and left.', 'He said "no" and left.'),
])
def test_the_translation_is_kept_without_the_models_wrappers(reply, kept):
    assert clean_reply(reply) == kept
