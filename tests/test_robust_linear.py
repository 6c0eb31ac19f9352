"""Cost stays linear in the input: no step does work per pair of mentions of a whole long
sentence, and no regular expression backtracks over long runs of letters.
(Timings live in bench/long_text.py; these tests count work or bound it very loosely.)"""

import time

from train.align import Window, candidate_pairs, token_range
from train.data.normalize import normalize
from train.predict.chunk import pairs_by_window


def windows_over(length: int, size: int, stride: int) -> list[tuple[int, Window]]:
    from train.align import window_ranges

    return [(n, Window(0, first, [0] * (last - first + 2))) for n, (first, last) in
            enumerate(window_ranges(length, size, stride))]


def test_mentions_of_a_long_sentence_are_paired_only_inside_windows(schema):
    # 600 one-subword mentions, 5 subwords apart, in a 3000-subword sentence without punctuation
    ranges = [(5 * i, 5 * i) for i in range(600)]
    types = ["FACTION" if i % 2 else "LOCATION" for i in range(600)]
    windows = windows_over(3000, 126, 32)
    by_window = pairs_by_window(ranges, types, windows, schema)
    pairs = [p for ps in by_window.values() for p in ps]
    assert len(pairs) == len(set(pairs))
    assert all(abs(ranges[i][0] - ranges[j][0]) < 126 for i, j in pairs)  # both in some window
    all_pairs = len(candidate_pairs(types, schema))
    assert len(pairs) < all_pairs / 10  # 359,400 pairs in the sentence; a window holds ~25 mentions


def test_a_pair_goes_to_the_window_where_it_is_most_central(schema):
    windows = windows_over(300, 126, 32)  # windows [0, 126), [94, 220), [174, 300)
    # mentions at 180 and 185: 34 subwords from the nearest edge of the second window
    # (185 -> 219), 6 from that of the third (180 -> 174); the first does not hold them
    by_window = pairs_by_window([(180, 180), (185, 185)], ["FACTION", "LOCATION"], windows, schema)
    assert dict(by_window) == {1: [(0, 1)]}


def test_token_range_finds_subwords_by_binary_search():
    spans = [(0, 4), (5, 11), (11, 13), (14, 14), (15, 18)]
    assert token_range(spans, 5, 13) == (1, 2)
    assert token_range(spans, 6, 7) == (1, 1)      # inside one subword
    assert token_range(spans, 13, 14) is None      # only the gap between subwords
    assert token_range(spans, 13, 15) == (3, 3)    # an empty (inserted) span inside counts
    assert token_range(spans, 0, 18) == (0, 4)


def test_the_email_rule_does_not_backtrack_over_a_long_run_of_letters():
    started = time.perf_counter()
    letters = "حلبدمشق" * 30_000  # one 210,000-letter word: 40,000 took 9.5 s when the rule was quadratic
    norm = normalize(letters + "@")
    assert time.perf_counter() - started < 5.0
    assert norm.text == letters + "@"
    assert normalize("راسلنا a.b+c@x-y.co.uk الآن").text == "راسلنا  [بريد]  الآن"
